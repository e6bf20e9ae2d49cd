use std::sync::{Arc, LazyLock};

use arrow::{
    array::{
        ArrayRef, BooleanBuilder, ListBuilder, RecordBatch, StringBuilder,
        TimestampMicrosecondBuilder,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit},
};

use super::CloudTrailRecord;

/// Version of [`schema`]. Bump it with every change to the columns; each
/// segment records the version it was written with.
pub const SCHEMA_VERSION: u32 = 1;

/// The text columns, in schema order after `event_id_derived`.
const TEXT_1: [&str; 14] = [
    "event_version",
    "event_source",
    "event_name",
    "event_type",
    "event_category",
    "aws_region",
    "recipient_account_id",
    "principal_type",
    "principal_arn",
    "principal_account_id",
    "session_arn",
    "invoked_by",
    "access_key_id",
    "user_name",
];
const TEXT_2: [&str; 4] = ["source_ip", "user_agent", "error_code", "error_message"];
const JSON_COLUMNS: [&str; 5] = [
    "request_parameters",
    "response_elements",
    "additional_event_data",
    "service_event_details",
    "insight_details",
];

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |n: &str| Field::new(n, DataType::Utf8, true);
    let mut f = vec![
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("event_id", DataType::Utf8, false),
        Field::new("event_id_derived", DataType::Boolean, false),
    ];
    f.extend(TEXT_1.iter().map(|n| text(n)));
    f.extend(TEXT_2.iter().map(|n| text(n)));
    f.push(Field::new("read_only", DataType::Boolean, true));
    f.push(Field::new("management_event", DataType::Boolean, true));
    f.push(text("request_id"));
    f.push(text("key_arn"));
    f.push(Field::new(
        "resource_arns",
        DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        false,
    ));
    f.extend(JSON_COLUMNS.iter().map(|n| text(n)));
    f.push(Field::new("raw", DataType::Utf8, false));
    // Where the record was read from: file path, S3 URI, or Kafka topic/partition/offset.
    f.push(text("source"));
    Arc::new(Schema::new(f))
});

/// The Arrow schema of the `cloudtrail` stream's files.
pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Collects [`CloudTrailRecord`]s into a `RecordBatch` of [`schema`].
#[derive(Debug)]
pub struct BatchBuilder {
    event_time: TimestampMicrosecondBuilder,
    event_id: StringBuilder,
    event_id_derived: BooleanBuilder,
    text_1: Vec<StringBuilder>,
    text_2: Vec<StringBuilder>,
    read_only: BooleanBuilder,
    management_event: BooleanBuilder,
    request_id: StringBuilder,
    key_arn: StringBuilder,
    resource_arns: ListBuilder<StringBuilder>,
    json: Vec<StringBuilder>,
    raw: StringBuilder,
    source: StringBuilder,
    rows: usize,
    raw_bytes: usize,
}

impl Default for BatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchBuilder {
    pub fn new() -> Self {
        let strings = |n: usize| (0..n).map(|_| StringBuilder::new()).collect::<Vec<_>>();
        BatchBuilder {
            event_time: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            event_id: StringBuilder::new(),
            event_id_derived: BooleanBuilder::new(),
            text_1: strings(TEXT_1.len()),
            text_2: strings(TEXT_2.len()),
            read_only: BooleanBuilder::new(),
            management_event: BooleanBuilder::new(),
            request_id: StringBuilder::new(),
            key_arn: StringBuilder::new(),
            resource_arns: ListBuilder::new(StringBuilder::new()),
            json: strings(JSON_COLUMNS.len()),
            raw: StringBuilder::new(),
            source: StringBuilder::new(),
            rows: 0,
            raw_bytes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Bytes of raw records collected so far: a cheap proxy for the batch's
    /// memory, used to bound it.
    pub fn raw_bytes(&self) -> usize {
        self.raw_bytes
    }

    /// Add one record with its original bytes and where it came from.
    pub fn push(&mut self, r: &CloudTrailRecord, raw: &str, source: Option<&str>) {
        let p = &r.principal;
        self.event_time.append_value(r.event_time);
        self.event_id.append_value(&r.event_id);
        self.event_id_derived.append_value(r.event_id_derived);
        let t1 = [
            &r.event_version,
            &r.event_source,
            &r.event_name,
            &r.event_type,
            &r.event_category,
            &r.aws_region,
            &r.recipient_account_id,
            &p.principal_type,
            &p.principal_arn,
            &p.principal_account_id,
            &p.session_arn,
            &p.invoked_by,
            &p.access_key_id,
            &p.user_name,
        ];
        for (b, v) in self.text_1.iter_mut().zip(t1) {
            b.append_option(v.as_deref());
        }
        let t2 = [&r.source_ip, &r.user_agent, &r.error_code, &r.error_message];
        for (b, v) in self.text_2.iter_mut().zip(t2) {
            b.append_option(v.as_deref());
        }
        self.read_only.append_option(r.read_only);
        self.management_event.append_option(r.management_event);
        self.request_id.append_option(r.request_id.as_deref());
        self.key_arn.append_option(r.key_arn.as_deref());
        for a in &r.resource_arns {
            self.resource_arns.values().append_value(a);
        }
        self.resource_arns.append(true);
        let js = [
            &r.request_parameters,
            &r.response_elements,
            &r.additional_event_data,
            &r.service_event_details,
            &r.insight_details,
        ];
        for (b, v) in self.json.iter_mut().zip(js) {
            b.append_option(v.as_deref());
        }
        self.raw.append_value(raw);
        self.source.append_option(source);
        self.rows += 1;
        self.raw_bytes += raw.len();
    }

    /// The collected rows as a batch; the builder is empty afterwards.
    pub fn finish(&mut self) -> RecordBatch {
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(self.event_time.finish()),
            Arc::new(self.event_id.finish()),
            Arc::new(self.event_id_derived.finish()),
        ];
        cols.extend(
            self.text_1
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.extend(
            self.text_2
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.read_only.finish()));
        cols.push(Arc::new(self.management_event.finish()));
        cols.push(Arc::new(self.request_id.finish()));
        cols.push(Arc::new(self.key_arn.finish()));
        cols.push(Arc::new(self.resource_arns.finish()));
        cols.extend(
            self.json
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.raw.finish()));
        cols.push(Arc::new(self.source.finish()));
        self.rows = 0;
        self.raw_bytes = 0;
        // The columns are built to match `schema()` by construction.
        RecordBatch::try_new(schema(), cols).expect("cloudtrail batch matches its schema")
    }
}
