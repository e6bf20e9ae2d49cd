//! The manifest: a hash chain of commits, one file per commit.
//!
//! ```text
//!  manifest/00000000000000000001.json   manifest/…0002.json       manifest/…0003.json
//!  ┌──────────────────────────┐         ┌──────────────────────┐   ┌──────────────────────┐
//!  │ previous_hash: null      │◀─sha256─│ previous_hash: 9f2c… │◀──│ previous_hash: 41aa… │
//!  │ segments: [path, sha256, │         │ segments: […]        │   │ removes: [old paths] │
//!  │   rows, time range, …]   │         │ checkpoints: {…}     │   │ segments: [compacted]│
//!  └──────────────────────────┘         └──────────────────────┘   └──────────────────────┘
//! ```
//!
//! Commit protocol of a writer:
//!
//! 1. write each new segment to `_staging/<id>.parquet`;
//! 2. write `manifest/<head+1>.json` **put-if-absent**. If another writer got
//!    there first, read its commits, drop any of our rows it already stored,
//!    and try again at the new head. Exactly one writer wins each sequence
//!    number, so no commit is ever lost or overwritten;
//! 3. move the staged files to their `data/…` paths. A crash between 2 and 3
//!    leaves committed files in `_staging/`; the next open finishes the move.
//!
//! Nothing is ever removed by a commit: compaction and retention add a
//! commit that lists the segments they supersede (`removes`).

mod chain;
mod commit;

pub(crate) use chain::list_commit_paths;
pub use chain::{StoredCommit, load_commits, read_commit};
pub use commit::{Commit, CommitStats, FORMAT_VERSION, QuarantineFile, SegmentMeta, sha256_hex};
