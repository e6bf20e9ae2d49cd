use std::sync::{Arc, LazyLock};

use arrow::{
    array::{
        ArrayRef, Float64Builder, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
        TimestampMicrosecondBuilder,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit},
};

use super::{Format, GatewayRecord};

pub const SCHEMA_VERSION: u32 = 1;

const TEXT: [&str; 8] = [
    "request_id",
    "client_ip",
    "principal",
    "method",
    "path",
    "route",
    "user_agent",
    "api",
];

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut f = vec![
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("event_id", DataType::Utf8, false),
        Field::new("gateway", DataType::Utf8, false),
    ];
    f.extend(TEXT.iter().map(|n| Field::new(*n, DataType::Utf8, true)));
    f.extend([
        Field::new("status", DataType::Int32, true),
        Field::new("latency_ms", DataType::Float64, true),
        Field::new("bytes_out", DataType::Int64, true),
        Field::new("ai_provider", DataType::Utf8, true),
        Field::new("ai_model", DataType::Utf8, true),
        Field::new("tokens_in", DataType::Int64, true),
        Field::new("tokens_out", DataType::Int64, true),
        Field::new("raw", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, true),
    ]);
    Arc::new(Schema::new(f))
});

pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Collects gateway records into batches of [`schema`].
#[derive(Debug)]
pub struct BatchBuilder {
    time: TimestampMicrosecondBuilder,
    id: StringBuilder,
    gateway: StringBuilder,
    text: Vec<StringBuilder>,
    status: Int32Builder,
    latency: Float64Builder,
    bytes: Int64Builder,
    ai_provider: StringBuilder,
    ai_model: StringBuilder,
    tokens_in: Int64Builder,
    tokens_out: Int64Builder,
    raw: StringBuilder,
    source: StringBuilder,
    raw_bytes: usize,
    rows: usize,
}

impl Default for BatchBuilder {
    fn default() -> Self {
        BatchBuilder {
            time: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            id: StringBuilder::new(),
            gateway: StringBuilder::new(),
            text: (0..TEXT.len()).map(|_| StringBuilder::new()).collect(),
            status: Int32Builder::new(),
            latency: Float64Builder::new(),
            bytes: Int64Builder::new(),
            ai_provider: StringBuilder::new(),
            ai_model: StringBuilder::new(),
            tokens_in: Int64Builder::new(),
            tokens_out: Int64Builder::new(),
            raw: StringBuilder::new(),
            source: StringBuilder::new(),
            raw_bytes: 0,
            rows: 0,
        }
    }
}

impl BatchBuilder {
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn raw_bytes(&self) -> usize {
        self.raw_bytes
    }

    pub fn push(
        &mut self,
        format: Format,
        id: &str,
        r: &GatewayRecord,
        raw: &str,
        source: Option<&str>,
    ) {
        self.time.append_value(r.event_time);
        self.id.append_value(id);
        self.gateway.append_value(format.name());
        let text = [
            &r.request_id,
            &r.client_ip,
            &r.principal,
            &r.method,
            &r.path,
            &r.route,
            &r.user_agent,
            &r.api,
        ];
        for (b, v) in self.text.iter_mut().zip(text) {
            b.append_option(v.as_deref());
        }
        self.status.append_option(r.status);
        self.latency.append_option(r.latency_ms);
        self.bytes.append_option(r.bytes_out);
        self.ai_provider.append_option(r.ai_provider.as_deref());
        self.ai_model.append_option(r.ai_model.as_deref());
        self.tokens_in.append_option(r.tokens_in);
        self.tokens_out.append_option(r.tokens_out);
        self.raw.append_value(raw);
        self.source.append_option(source);
        self.raw_bytes += raw.len();
        self.rows += 1;
    }

    pub fn finish(&mut self) -> RecordBatch {
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(self.time.finish()),
            Arc::new(self.id.finish()),
            Arc::new(self.gateway.finish()),
        ];
        cols.extend(
            self.text
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.extend([
            Arc::new(self.status.finish()) as ArrayRef,
            Arc::new(self.latency.finish()),
            Arc::new(self.bytes.finish()),
            Arc::new(self.ai_provider.finish()),
            Arc::new(self.ai_model.finish()),
            Arc::new(self.tokens_in.finish()),
            Arc::new(self.tokens_out.finish()),
            Arc::new(self.raw.finish()),
            Arc::new(self.source.finish()),
        ]);
        self.raw_bytes = 0;
        self.rows = 0;
        RecordBatch::try_new(schema(), cols).expect("gateway batch matches its schema")
    }
}
