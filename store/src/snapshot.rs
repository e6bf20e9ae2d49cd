//! A consistent view of the store as of one commit.

use std::collections::BTreeMap;

use keyledger_schemas::Stream;

use crate::{
    layout,
    manifest::{SegmentMeta, StoredCommit},
};

/// The state after applying a prefix of the manifest: which segments are
/// live and which checkpoints were reached.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Sequence and hash of the last commit applied (0 / `None` when empty).
    pub sequence: u64,
    pub head_hash: Option<String>,
    /// Live segments in commit order.
    segments: Vec<SegmentMeta>,
    pub checkpoints: BTreeMap<String, serde_json::Value>,
    /// Quarantine files recorded so far.
    pub quarantine_files: Vec<String>,
    pub quarantined_items: u64,
}

impl Snapshot {
    /// Apply one commit on top of this snapshot.
    pub fn apply(&mut self, c: &StoredCommit) {
        let commit = &c.commit;
        if !commit.removes.is_empty() {
            self.segments.retain(|s| !commit.removes.contains(&s.path));
        }
        self.segments.extend(commit.segments.iter().cloned());
        for (k, v) in &commit.checkpoints {
            self.checkpoints.insert(k.clone(), v.clone());
        }
        self.quarantine_files
            .extend(commit.quarantine.iter().map(|q| q.path.clone()));
        self.quarantined_items += commit.quarantine.iter().map(|q| q.items).sum::<u64>();
        self.sequence = commit.sequence;
        self.head_hash = Some(c.hash.clone());
    }

    pub fn segments(&self) -> &[SegmentMeta] {
        &self.segments
    }

    /// Live segments of one stream.
    pub fn stream_segments(&self, stream: Stream) -> impl Iterator<Item = &SegmentMeta> {
        self.segments
            .iter()
            .filter(move |s| s.stream == stream.name())
    }

    /// Live segments of one stream and date partition.
    pub fn partition_segments(
        &self,
        stream: Stream,
        date: i32,
    ) -> impl Iterator<Item = &SegmentMeta> {
        self.stream_segments(stream)
            .filter(move |s| layout::partition_of(&s.path) == Some(date))
    }

    pub fn rows(&self, stream: Stream) -> u64 {
        self.stream_segments(stream).map(|s| s.rows).sum()
    }

    pub fn checkpoint(&self, source: &str) -> Option<&serde_json::Value> {
        self.checkpoints.get(source)
    }
}
