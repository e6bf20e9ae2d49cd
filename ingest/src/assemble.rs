//! From raw records to chunks: parse each record, collect the good ones into
//! Arrow batches, set the bad ones aside with the reason.

use keyledger_schemas::{
    Stream, cloudtrail,
    gateway::{self, Format},
};

use crate::{
    Chunk, Quarantined,
    split::{BadInput, Item, MAX_QUARANTINE_BYTES},
};

/// Default bound on the raw bytes of one chunk.
pub const DEFAULT_CHUNK_BYTES: usize = 8 << 20;

#[derive(Debug)]
pub struct Assembler {
    builder: cloudtrail::BatchBuilder,
    gateway: gateway::BatchBuilder,
    quarantine: Vec<Quarantined>,
    max_bytes: usize,
    pub records: u64,
    pub quarantined: u64,
}

impl Default for Assembler {
    fn default() -> Self {
        Self::new(DEFAULT_CHUNK_BYTES)
    }
}

impl Assembler {
    pub fn new(max_bytes: usize) -> Self {
        Assembler {
            builder: cloudtrail::BatchBuilder::new(),
            gateway: gateway::BatchBuilder::default(),
            quarantine: Vec::new(),
            max_bytes,
            records: 0,
            quarantined: 0,
        }
    }

    /// Parse one CloudTrail record read from `origin` at `position`.
    pub fn push_record(&mut self, origin: &str, position: &str, raw: &str) {
        match cloudtrail::parse(raw) {
            Ok(rec) => {
                self.builder.push(&rec, raw, Some(origin));
                self.records += 1;
            }
            Err(e) => self.reject(origin, position.to_owned(), e.to_string(), raw.as_bytes()),
        }
    }

    /// Parse one gateway log line (`line` counts from 1). The format is
    /// detected from the line unless given.
    pub fn push_gateway(&mut self, origin: &str, line: u64, raw: &str, format: Option<Format>) {
        let position = format!("line {line}");
        let Some(format) = format.or_else(|| gateway::detect(raw)) else {
            let reason = "not a line of a known gateway log format".to_owned();
            return self.reject(origin, position, reason, raw.as_bytes());
        };
        match gateway::parse_with(format, raw) {
            Ok(rec) => {
                let name = origin.rsplit(['/', '\\']).next().unwrap_or(origin);
                let id = gateway::event_id(format, name, line, raw);
                self.gateway.push(format, &id, &rec, raw, Some(origin));
                self.records += 1;
            }
            Err(e) => self.reject(origin, position, format!("{format}: {e}"), raw.as_bytes()),
        }
    }

    /// Take one item of a [`crate::split::RecordReader`].
    pub fn push_item(&mut self, origin: &str, item: Item) {
        match item {
            Item::Record(r) => {
                let position = format!("record {} (byte {})", r.index, r.offset);
                self.push_record(origin, &position, &r.text);
            }
            Item::Bad(BadInput {
                index,
                offset,
                reason,
                bytes,
            }) => {
                let position = match index {
                    Some(i) => format!("record {i} (byte {offset})"),
                    None => format!("byte {offset} to end"),
                };
                self.reject(origin, position, reason, &bytes);
            }
        }
    }

    /// Set input aside with the reason it was refused.
    pub fn reject(&mut self, origin: &str, position: String, reason: String, bytes: &[u8]) {
        self.quarantined += 1;
        self.quarantine.push(Quarantined {
            origin: origin.to_owned(),
            position,
            reason,
            payload: bytes[..bytes.len().min(MAX_QUARANTINE_BYTES)].to_vec(),
        });
    }

    pub fn is_full(&self) -> bool {
        self.builder.raw_bytes() + self.gateway.raw_bytes() >= self.max_bytes
            || self.quarantine.len() >= 10_000
    }

    pub fn is_empty(&self) -> bool {
        self.builder.is_empty() && self.gateway.is_empty() && self.quarantine.is_empty()
    }

    /// What was collected since the last call, as a chunk (without checkpoint).
    pub fn take(&mut self) -> Chunk {
        let mut chunk = Chunk {
            quarantine: std::mem::take(&mut self.quarantine),
            ..Default::default()
        };
        if !self.builder.is_empty() {
            chunk
                .batches
                .push((Stream::CloudTrail, self.builder.finish()));
        }
        if !self.gateway.is_empty() {
            chunk.batches.push((Stream::Gateway, self.gateway.finish()));
        }
        chunk
    }
}
