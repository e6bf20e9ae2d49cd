//! keyledger-ingest: where events come from.
//!
//! A [`Source`] reads some input (local files, S3 objects, Kafka topics,
//! the KMS API) and hands out [`Chunk`]s: Arrow batches per stream,
//! the input it had to quarantine, and the checkpoint reached. It never
//! writes anywhere; the binary passes chunks to the store and tells the
//! source when they are durable ([`Source::committed`]).
//!
//! Invariants:
//! - a good record is never dropped because a neighbour is bad: bad input is
//!   returned as [`Quarantined`] with its origin, position and reason;
//! - memory is bounded by the chunk size, not by the size of the input;
//! - CloudTrail digest files are checked, not ingested ([`digest`]).

pub mod assemble;
pub mod decode;
pub mod digest;
mod error;
pub mod source;
pub mod split;

pub use error::{Error, Result};
pub use source::{Checkpoint, Chunk, Quarantined, Source, SourceStats, file::FileSource};
