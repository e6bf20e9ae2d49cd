//! keyledger-store: the append-only, hash-chained Parquet event store.
//!
//! A store is a location (directory, later `s3://bucket/prefix`) holding
//! Hive-partitioned zstd Parquet segments and a [`manifest`] of numbered
//! commits that chain by SHA-256. Its contract:
//!
//! - **append-only**: no commit removes data; compaction and retention add
//!   commits that *supersede* segments, recorded like everything else;
//! - **idempotent**: an event (stream + event id) is stored once however
//!   often it is delivered ([`dedupe`]);
//! - **atomic**: a commit is one put-if-absent of one file; readers see a
//!   commit entirely or not at all, and two writers never both win;
//! - **checkpointed**: a source position is recorded in the same commit as
//!   the data it covers, so a crash loses nothing and duplicates nothing;
//! - **verifiable**: [`Store::verify`] rechecks every hash and the chain.
//!
//! Readers (the query layer) work from a [`Snapshot`]: the list of live
//! segments as of one commit.

pub mod dedupe;
mod error;
pub mod layout;
mod location;
pub mod manifest;
pub mod packs;
pub mod segment;
mod snapshot;
pub mod staging;
mod verify;
mod writer;

use std::sync::Arc;

use object_store::ObjectStore;

pub use error::{Error, Result};
pub use snapshot::Snapshot;
pub use verify::{Problem, VerifyReport};
pub use writer::{FlushSummary, QuarantineRecord, Writer, WriterOptions};

/// A handle on one store.
#[derive(Debug, Clone)]
pub struct Store {
    os: Arc<dyn ObjectStore>,
    url: String,
}

impl Store {
    /// Open (creating if needed) the store at `url`: a directory path,
    /// `file:///path` or `memory://`.
    pub fn open(url: &str) -> Result<Store> {
        Ok(Store {
            os: location::object_store_for(url)?,
            url: url.to_owned(),
        })
    }

    /// A store over any object store (tests, custom back-ends).
    pub fn from_object_store(os: Arc<dyn ObjectStore>, url: impl Into<String>) -> Store {
        Store {
            os,
            url: url.into(),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.os
    }

    /// The store as of its latest commit. Also finishes any publication an
    /// interrupted writer left behind.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let mut snap = Snapshot::default();
        for c in manifest::load_commits(self.os.as_ref(), 0).await? {
            snap.apply(&c);
        }
        self.finish_publication(&snap).await;
        Ok(snap)
    }

    /// Move files an interrupted writer committed but left in `_staging/`.
    async fn finish_publication(&self, snapshot: &Snapshot) {
        if let Err(e) = staging::publish_pending(self.os.as_ref(), snapshot).await {
            tracing::warn!(error = %e, "could not finish an interrupted publication");
        }
    }

    /// Bring `snapshot` up to the latest commit, reading only the commits
    /// after it (and finishing their publication, as [`Store::snapshot`]
    /// does). Returns whether any were applied.
    pub async fn catch_up(&self, snapshot: &mut Snapshot) -> Result<bool> {
        let newer = manifest::load_commits(self.os.as_ref(), snapshot.sequence).await?;
        for c in &newer {
            snapshot.apply(c);
        }
        if newer.is_empty() {
            return Ok(false);
        }
        self.finish_publication(snapshot).await;
        Ok(true)
    }

    /// A writer positioned at the latest commit.
    pub async fn writer(&self, options: WriterOptions) -> Result<Writer> {
        Ok(Writer::new(
            self.os.clone(),
            self.snapshot().await?,
            options,
        ))
    }

    /// Recheck every commit, segment and quarantine file.
    pub async fn verify(&self) -> Result<VerifyReport> {
        verify::verify(self.os.as_ref()).await
    }
}
