//! keyledger-schemas: the event model at the bottom of keyledger.
//!
//! This crate owns the *streams* of the event store (`cloudtrail`,
//! `kms_inventory`, `gateway`), their versioned Arrow schemas, and the
//! parsers that turn one raw record into one normalised row. It does no I/O
//! and knows nothing of files, buckets or topics: callers hand it the exact
//! bytes of one record and get a row (or a [`RecordError`] saying why the
//! record is not one).
//!
//! Invariants every stream schema keeps, and the store relies on:
//! - an `event_id` column (`Utf8`, never null), unique per stream;
//! - an `event_time` column (`Timestamp(Microsecond, "UTC")`, never null),
//!   whose UTC date is the Hive partition `date=YYYY-MM-DD`;
//! - a `raw` column holding the original record bytes, unchanged.

pub mod cloudtrail;
mod error;
pub mod gateway;
pub mod kms_inventory;
pub mod lenient;
mod stream;
pub mod time;

pub use error::{RecordError, Result};
pub use stream::{PARTITION_COLUMN, Stream, UnknownStream};
