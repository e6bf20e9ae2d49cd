//! The seam between inputs and the store: [`Source`] and what it yields.

pub mod aws;
pub mod file;
pub mod kafka;
pub mod kms;
pub mod notify;
mod object;
pub mod s3;

use arrow::array::RecordBatch;
use keyledger_schemas::Stream;
use serde::{Deserialize, Serialize};

use crate::{Result, digest::IntegrityReport};

/// How far a source has read, in its own terms (S3 keys, Kafka offsets).
/// The store records it in the commit that makes the data durable, and hands
/// it back on the next run; only the source interprets `position`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Stable identity of the source, e.g. `s3://bucket/prefix`.
    pub source: String,
    pub position: serde_json::Value,
}

/// Input a source could not turn into rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// File path, S3 URI, or `topic/partition`.
    pub origin: String,
    /// Where in the origin: record index, byte offset, Kafka offset.
    pub position: String,
    pub reason: String,
    /// The offending bytes (bounded).
    pub payload: Vec<u8>,
}

/// Counters a source keeps for progress and the run summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SourceStats {
    /// Files / objects / messages fully read.
    pub objects: u64,
    /// Input bytes read (decompressed).
    pub bytes: u64,
    pub records: u64,
    pub quarantined: u64,
    /// Files skipped because they are not event input (docs, READMEs).
    pub skipped: u64,
}

/// One unit of work from a source.
#[derive(Debug, Default)]
pub struct Chunk {
    pub batches: Vec<(Stream, RecordBatch)>,
    pub quarantine: Vec<Quarantined>,
    /// Positions reached once this chunk (and all before it) is durable.
    pub checkpoints: Vec<Checkpoint>,
}

impl Chunk {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|(_, b)| b.num_rows()).sum()
    }
}

/// Something events come from.
#[async_trait::async_trait]
pub trait Source: Send {
    /// Stable identity, used to key checkpoints.
    fn id(&self) -> &str;

    /// The next chunk; `None` when the source is exhausted.
    async fn next_chunk(&mut self) -> Result<Option<Chunk>>;

    /// Everything up to the chunks that carried `checkpoints` is durable.
    async fn committed(&mut self, _checkpoints: &[Checkpoint]) -> Result<()> {
        Ok(())
    }

    /// Counters so far.
    fn stats(&self) -> SourceStats;

    /// What [`SourceStats::objects`] counts, for messages ("files", "keys").
    fn unit(&self) -> &'static str {
        "files"
    }

    /// Messages still to read, where the source can tell (Kafka).
    fn lag(&self) -> Option<u64> {
        None
    }

    /// Integrity of the input itself (CloudTrail digests), once exhausted.
    fn integrity(&self) -> Option<IntegrityReport> {
        None
    }
}
