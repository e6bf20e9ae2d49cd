use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of the commit file format.
pub const FORMAT_VERSION: u32 = 1;

/// One commit of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commit {
    pub format: u32,
    pub sequence: u64,
    /// SHA-256 (hex) of the previous commit file's bytes; `None` for the first.
    pub previous_hash: Option<String>,
    /// RFC 3339, UTC.
    pub committed_at: String,
    /// Which process wrote it (host, pid, run id).
    pub writer: String,
    /// `append`, `compact` or `retention`.
    pub operation: String,
    pub segments: Vec<SegmentMeta>,
    /// Segment paths this commit supersedes (compaction, retention).
    #[serde(default)]
    pub removes: Vec<String>,
    #[serde(default)]
    pub quarantine: Vec<QuarantineFile>,
    /// Source checkpoints reached with this commit, by source id.
    #[serde(default)]
    pub checkpoints: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub stats: CommitStats,
    /// SHA-256 of this commit serialised with an empty `seal`: an edit that
    /// does not recompute it is caught even on the head commit, which no
    /// later commit's `previous_hash` protects. (A forger who recomputes it
    /// is caught by comparing the head hash with one recorded elsewhere:
    /// `keyledger verify --expect-head`.)
    #[serde(default)]
    pub seal: String,
}

/// One Parquet file of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentMeta {
    pub stream: String,
    /// Relative to the store root: `data/<stream>/date=…/<id>.parquet`.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub rows: u64,
    /// Microseconds since the epoch, UTC.
    pub min_event_time: i64,
    pub max_event_time: i64,
    pub schema_version: u32,
}

/// A file of quarantined input written with a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuarantineFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// Number of quarantined items in the file.
    pub items: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitStats {
    /// Rows handed to the writer for this commit.
    pub received: u64,
    /// Rows dropped because the store already held their event id.
    pub duplicates: u64,
    /// Rows written.
    pub written: u64,
    pub quarantined: u64,
}

impl Commit {
    /// The exact bytes stored for this commit.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    fn compute_seal(&self) -> String {
        let unsealed = Commit {
            seal: String::new(),
            ..self.clone()
        };
        sha256_hex(&unsealed.to_bytes())
    }

    /// The commit with its seal set.
    pub fn sealed(mut self) -> Self {
        self.seal = self.compute_seal();
        self
    }

    pub fn seal_ok(&self) -> bool {
        self.seal == self.compute_seal()
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
