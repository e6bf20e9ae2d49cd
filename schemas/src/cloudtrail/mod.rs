//! The `cloudtrail` stream: one row per CloudTrail event.
//!
//! [`parse`] turns the exact bytes of one CloudTrail record into a
//! [`CloudTrailRecord`] with the columns an auditor queries by (who, which
//! key, from where, did it fail), and [`BatchBuilder`] collects records into
//! Arrow batches of the stream's [`schema`].

mod batch;
mod identity;
mod key_arn;
mod record;

pub use batch::{BatchBuilder, SCHEMA_VERSION, schema};
pub use identity::Principal;
pub use key_arn::{KEY_USAGE_EVENTS, key_ref_to_arn, partition_of};
pub use record::{CloudTrailRecord, parse};
