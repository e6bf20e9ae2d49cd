//! Appending to the store: buffer, dedupe, write segments, commit.

use std::{collections::BTreeMap, sync::Arc};

use arrow::{
    array::{Array, AsArray, BooleanArray, RecordBatch, UInt32Array},
    compute::{concat_batches, filter_record_batch, take_record_batch},
    datatypes::TimestampMicrosecondType,
};
use keyledger_schemas::{Stream, time};
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, path::Path};
use serde::Serialize;

use crate::{
    Error, Result, Snapshot,
    dedupe::{IdIndex, IdSet, id_hash},
    layout,
    manifest::{
        self, Commit, CommitStats, FORMAT_VERSION, QuarantineFile, SegmentMeta, StoredCommit,
        sha256_hex,
    },
    segment,
};

/// How often a writer retries after losing a commit race before giving up.
const MAX_CONFLICTS: usize = 64;

#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Flush when this much Arrow data is buffered.
    pub flush_bytes: usize,
    /// Recorded in each commit: who wrote it.
    pub writer_id: String,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            flush_bytes: 128 << 20,
            writer_id: format!(
                "{}/{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into()),
                std::process::id()
            ),
        }
    }
}

/// Input set aside by a source, to be kept under `quarantine/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineRecord {
    pub origin: String,
    pub position: String,
    pub reason: String,
    /// The payload as text when it is UTF-8, else base64 in `payload_base64`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_base64: Option<String>,
}

impl QuarantineRecord {
    pub fn new(origin: String, position: String, reason: String, payload: Vec<u8>) -> Self {
        let (payload, payload_base64) = match String::from_utf8(payload) {
            Ok(s) => (Some(s), None),
            Err(e) => {
                use base64::Engine;
                (
                    None,
                    Some(base64::engine::general_purpose::STANDARD.encode(e.as_bytes())),
                )
            }
        };
        QuarantineRecord {
            origin,
            position,
            reason,
            payload,
            payload_base64,
        }
    }
}

/// What one flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushSummary {
    pub sequence: u64,
    pub segments: usize,
    pub stats: CommitStats,
    /// Commit races lost to other writers before this commit won.
    pub conflicts: usize,
}

#[derive(Debug, Default)]
struct Partition {
    batches: Vec<RecordBatch>,
    rows: usize,
}

/// A segment ready to commit.
#[derive(Debug)]
struct Prepared {
    stream: Stream,
    date: i32,
    batch: RecordBatch,
    ids: Vec<u128>,
    meta: SegmentMeta,
    staged: Path,
}

/// Appends to a store. One writer per process and source; several writers
/// (processes) may append to the same store concurrently.
#[derive(Debug)]
pub struct Writer {
    os: Arc<dyn ObjectStore>,
    snapshot: Snapshot,
    index: IdIndex,
    buffers: BTreeMap<(Stream, i32), Partition>,
    buffered_bytes: usize,
    quarantine: Vec<QuarantineRecord>,
    checkpoints: BTreeMap<String, serde_json::Value>,
    options: WriterOptions,
    received: u64,
}

impl Writer {
    pub(crate) fn new(
        os: Arc<dyn ObjectStore>,
        snapshot: Snapshot,
        options: WriterOptions,
    ) -> Self {
        Writer {
            os,
            snapshot,
            index: IdIndex::default(),
            buffers: BTreeMap::new(),
            buffered_bytes: 0,
            quarantine: Vec::new(),
            checkpoints: BTreeMap::new(),
            options,
            received: 0,
        }
    }

    /// The store as this writer last saw it.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Buffer a batch of `stream` rows. Rows are split by date partition;
    /// duplicates are dropped at [`Writer::flush`].
    pub fn append(&mut self, stream: Stream, batch: &RecordBatch) -> Result<()> {
        let expected = stream.file_schema();
        if batch.schema().fields() != expected.fields() {
            return Err(Error::SchemaMismatch {
                stream,
                reason: format!(
                    "got columns {:?}",
                    batch
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                ),
            });
        }
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.received += batch.num_rows() as u64;
        let times = batch.column(0).as_primitive::<TimestampMicrosecondType>();
        let dates: Vec<i32> = times.values().iter().map(|t| time::date32_of(*t)).collect();
        let first = dates[0];
        let mut add = |date: i32, b: RecordBatch| {
            self.buffered_bytes += b.get_array_memory_size();
            let p = self.buffers.entry((stream, date)).or_default();
            p.rows += b.num_rows();
            p.batches.push(b);
        };
        if dates.iter().all(|d| *d == first) {
            add(first, batch.clone());
            return Ok(());
        }
        let mut by_date: BTreeMap<i32, Vec<u32>> = BTreeMap::new();
        for (i, d) in dates.iter().enumerate() {
            by_date.entry(*d).or_default().push(i as u32);
        }
        for (date, idx) in by_date {
            add(date, take_record_batch(batch, &UInt32Array::from(idx))?);
        }
        Ok(())
    }

    /// Set input aside; written under `quarantine/` with the next commit.
    pub fn quarantine(&mut self, record: QuarantineRecord) {
        self.buffered_bytes += record.payload.as_ref().map_or(0, String::len) + 256;
        self.quarantine.push(record);
    }

    /// Record a source position, committed with the next flush.
    pub fn checkpoint(&mut self, source: &str, position: serde_json::Value) {
        self.checkpoints.insert(source.to_owned(), position);
    }

    pub fn buffered_bytes(&self) -> usize {
        self.buffered_bytes
    }

    /// True when the buffer has reached its bound and should be flushed.
    pub fn should_flush(&self) -> bool {
        self.buffered_bytes >= self.options.flush_bytes
    }

    fn has_work(&self) -> bool {
        !self.buffers.is_empty() || !self.quarantine.is_empty() || !self.checkpoints.is_empty()
    }

    /// Drop rows already stored (or repeated within the buffer).
    fn dedupe(batch: &RecordBatch, known: &IdSet) -> Result<(RecordBatch, Vec<u128>)> {
        let ids = batch.column(1).as_string::<i32>();
        let mut seen = IdSet::default();
        let mut keep = Vec::with_capacity(ids.len());
        let mut kept = Vec::with_capacity(ids.len());
        for i in 0..ids.len() {
            let h = id_hash(ids.value(i));
            let fresh = !known.contains(&h) && seen.insert(h);
            keep.push(fresh);
            if fresh {
                kept.push(h);
            }
        }
        if kept.len() == ids.len() {
            return Ok((batch.clone(), kept));
        }
        Ok((filter_record_batch(batch, &BooleanArray::from(keep))?, kept))
    }

    /// Encode and stage one partition's rows.
    async fn prepare(
        &self,
        stream: Stream,
        date: i32,
        batch: RecordBatch,
        ids: Vec<u128>,
    ) -> Result<Prepared> {
        let bytes = segment::encode(std::slice::from_ref(&batch))?;
        let (min, max) = segment::time_range(&batch).unwrap_or_default();
        let id = uuid::Uuid::now_v7().to_string();
        let path = layout::segment_path(stream, date, &id);
        let staged = layout::staging_path(&path);
        let meta = SegmentMeta {
            stream: stream.name().to_owned(),
            path,
            sha256: sha256_hex(&bytes),
            bytes: bytes.len() as u64,
            rows: batch.num_rows() as u64,
            min_event_time: min,
            max_event_time: max,
            schema_version: stream.schema_version(),
        };
        self.os
            .put(&staged, PutPayload::from(bytes))
            .await
            .map_err(|e| Error::os("put", &staged, e))?;
        Ok(Prepared {
            stream,
            date,
            batch,
            ids,
            meta,
            staged,
        })
    }

    async fn stage_quarantine(&self) -> Result<Option<(QuarantineFile, Path)>> {
        if self.quarantine.is_empty() {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        for q in &self.quarantine {
            serde_json::to_writer(&mut bytes, q).unwrap_or_default();
            bytes.push(b'\n');
        }
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let path = layout::quarantine_path(&today, &uuid::Uuid::now_v7().to_string());
        let staged = layout::staging_path(&path);
        let file = QuarantineFile {
            path,
            sha256: sha256_hex(&bytes),
            bytes: bytes.len() as u64,
            items: self.quarantine.len() as u64,
        };
        self.os
            .put(&staged, PutPayload::from(bytes))
            .await
            .map_err(|e| Error::os("put", &staged, e))?;
        Ok(Some((file, staged)))
    }

    /// Write everything buffered as one commit. Returns `None` when there
    /// was nothing to write.
    pub async fn flush(&mut self) -> Result<Option<FlushSummary>> {
        if !self.has_work() {
            return Ok(None);
        }
        let mut stats = CommitStats {
            received: self.received,
            ..Default::default()
        };
        let mut prepared = Vec::new();
        for ((stream, date), part) in std::mem::take(&mut self.buffers) {
            let schema = part.batches[0].schema();
            let batch = concat_batches(&schema, &part.batches)?;
            drop(part);
            let known = self
                .index
                .partition(&self.os, &self.snapshot, stream, date)
                .await?;
            let (batch, ids) = Self::dedupe(&batch, known)?;
            if batch.num_rows() > 0 {
                prepared.push(self.prepare(stream, date, batch, ids).await?);
            }
        }
        let staged_quarantine = self.stage_quarantine().await?;
        stats.quarantined = self.quarantine.len() as u64;

        let mut conflicts = 0;
        let committed = loop {
            stats.written = prepared.iter().map(|p| p.ids.len() as u64).sum();
            stats.duplicates = stats.received - stats.written;
            let commit = Commit {
                format: FORMAT_VERSION,
                sequence: self.snapshot.sequence + 1,
                previous_hash: self.snapshot.head_hash.clone(),
                committed_at: chrono::Utc::now()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                writer: self.options.writer_id.clone(),
                operation: "append".into(),
                segments: prepared.iter().map(|p| p.meta.clone()).collect(),
                removes: Vec::new(),
                quarantine: staged_quarantine.iter().map(|(f, _)| f.clone()).collect(),
                checkpoints: self.checkpoints.clone(),
                stats,
                seal: String::new(),
            }
            .sealed();
            let bytes = commit.to_bytes();
            let path = layout::commit_path(commit.sequence);
            let opts = PutOptions {
                mode: PutMode::Create,
                ..Default::default()
            };
            match self
                .os
                .put_opts(&path, PutPayload::from(bytes.clone()), opts)
                .await
            {
                Ok(_) => {
                    break StoredCommit {
                        path,
                        commit,
                        hash: sha256_hex(&bytes),
                    };
                }
                Err(object_store::Error::AlreadyExists { .. }) => {
                    conflicts += 1;
                    if conflicts > MAX_CONFLICTS {
                        return Err(Error::TooManyConflicts {
                            attempts: conflicts,
                        });
                    }
                    tracing::debug!(
                        sequence = commit.sequence,
                        "lost a commit race; catching up"
                    );
                    self.catch_up(&mut prepared).await?;
                }
                Err(e) => return Err(Error::os("put-if-absent", &path, e)),
            }
        };

        // Durable: publish the staged files and remember their ids.
        let mut moves: Vec<(Path, String)> = prepared
            .iter()
            .map(|p| (p.staged.clone(), p.meta.path.clone()))
            .collect();
        moves.extend(staged_quarantine.map(|(f, staged)| (staged, f.path)));
        for (from, to) in moves {
            publish(self.os.as_ref(), &from, &Path::from(to)).await?;
        }
        for p in &prepared {
            let set = self
                .index
                .partition(&self.os, &self.snapshot, p.stream, p.date)
                .await?;
            set.extend(p.ids.iter().copied());
        }
        self.snapshot.apply(&committed);
        self.quarantine.clear();
        self.checkpoints.clear();
        self.buffered_bytes = 0;
        self.received = 0;
        Ok(Some(FlushSummary {
            sequence: committed.commit.sequence,
            segments: prepared.len(),
            stats: committed.commit.stats,
            conflicts,
        }))
    }

    /// Another writer committed first: apply its commits, and drop from our
    /// prepared segments any rows it already stored.
    async fn catch_up(&mut self, prepared: &mut Vec<Prepared>) -> Result<()> {
        let newer = manifest::load_commits(self.os.as_ref(), self.snapshot.sequence).await?;
        let mut touched = Vec::new();
        for c in &newer {
            for seg in &c.commit.segments {
                let (Ok(stream), Some(date)) = (
                    seg.stream.parse::<Stream>(),
                    layout::partition_of(&seg.path),
                ) else {
                    continue;
                };
                if self
                    .index
                    .add_segment(&self.os, stream, date, &seg.path)
                    .await?
                {
                    touched.push((stream, date));
                }
            }
            self.snapshot.apply(c);
        }
        let mut i = 0;
        while i < prepared.len() {
            let p = &prepared[i];
            if !touched.contains(&(p.stream, p.date)) {
                i += 1;
                continue;
            }
            let known = self
                .index
                .partition(&self.os, &self.snapshot, p.stream, p.date)
                .await?;
            let (batch, ids) = Self::dedupe(&p.batch, known)?;
            if ids.len() == p.ids.len() {
                i += 1;
                continue;
            }
            let old = prepared.remove(i);
            let _ = self.os.delete(&old.staged).await;
            if batch.num_rows() > 0 {
                let redone = self.prepare(old.stream, old.date, batch, ids).await?;
                prepared.insert(i, redone);
                i += 1;
            }
        }
        Ok(())
    }
}

/// Move a staged file to its final place. Another process may have done it
/// already (see [`crate::staging`]); that is fine.
async fn publish(os: &dyn ObjectStore, from: &Path, to: &Path) -> Result<()> {
    match os.rename(from, to).await {
        Ok(()) => Ok(()),
        Err(object_store::Error::NotFound { .. }) if os.head(to).await.is_ok() => Ok(()),
        Err(e) => Err(Error::os("rename", from, e)),
    }
}
