use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use keyledger_ingest::{Chunk, FileSource, Source, source::file::FileOptions};

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// Everything a file source yields for `path`, and the source afterwards.
pub(crate) async fn read_all(path: &Path, options: FileOptions) -> (Vec<Chunk>, FileSource) {
    let mut source = FileSource::open(path, options).expect("source opens");
    let mut chunks = Vec::new();
    while let Some(c) = source.next_chunk().await.expect("source reads") {
        chunks.push(c);
    }
    (chunks, source)
}

pub(crate) fn batches(chunks: &[Chunk]) -> Vec<RecordBatch> {
    chunks
        .iter()
        .flat_map(|c| c.batches.iter().map(|(_, b)| b.clone()))
        .collect()
}

/// Rows as JSON objects (Arrow's JSON writer), for assertions and snapshots.
pub(crate) fn rows(batches: &[RecordBatch]) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let mut w = arrow::json::ArrayWriter::new(Vec::new());
    for b in batches {
        w.write(b).expect("batch writes as JSON");
    }
    w.finish().expect("JSON finishes");
    let bytes = w.into_inner();
    if bytes.is_empty() {
        return Vec::new();
    }
    serde_json::from_slice(&bytes).expect("valid JSON rows")
}
