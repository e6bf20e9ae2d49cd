use keyledger_schemas::Stream;
use keyledger_store::{QuarantineRecord, layout};

use crate::support::{batch, memory_store, options};

#[tokio::test]
async fn appends_partition_by_date_and_chain() {
    let store = memory_store();
    let mut w = store.writer(options("a")).await.unwrap();
    w.append(
        Stream::CloudTrail,
        &batch(&[
            ("e1", "2025-03-06"),
            ("e2", "2025-03-07"),
            ("e3", "2025-03-06"),
        ]),
    )
    .unwrap();
    w.checkpoint("s3://bucket/prefix", serde_json::json!({"after": "key-1"}));
    let done = w.flush().await.unwrap().unwrap();
    assert_eq!(
        (done.sequence, done.segments, done.stats.written),
        (1, 2, 3)
    );

    let snap = store.snapshot().await.unwrap();
    let dates: Vec<_> = snap
        .segments()
        .iter()
        .map(|s| layout::partition_of(&s.path))
        .collect();
    assert_eq!(dates.len(), 2);
    assert!(
        snap.segments()
            .iter()
            .all(|s| s.path.starts_with("data/cloudtrail/date=2025-03-0"))
    );
    assert_eq!(snap.rows(Stream::CloudTrail), 3);
    assert_eq!(
        snap.checkpoint("s3://bucket/prefix"),
        Some(&serde_json::json!({"after": "key-1"}))
    );
    assert!(store.verify().await.unwrap().is_ok());
}

#[tokio::test]
async fn the_same_event_is_stored_once_across_runs_and_within_a_batch() {
    let store = memory_store();
    let mut w = store.writer(options("a")).await.unwrap();
    w.append(
        Stream::CloudTrail,
        &batch(&[
            ("e1", "2025-03-06"),
            ("e1", "2025-03-06"),
            ("e2", "2025-03-06"),
        ]),
    )
    .unwrap();
    let first = w.flush().await.unwrap().unwrap();
    assert_eq!((first.stats.written, first.stats.duplicates), (2, 1));

    // A later run, a fresh writer: everything it is given is already stored
    // except e3.
    let mut w = store.writer(options("b")).await.unwrap();
    w.append(
        Stream::CloudTrail,
        &batch(&[
            ("e2", "2025-03-06"),
            ("e1", "2025-03-06"),
            ("e3", "2025-03-06"),
        ]),
    )
    .unwrap();
    let second = w.flush().await.unwrap().unwrap();
    assert_eq!((second.stats.written, second.stats.duplicates), (1, 2));

    // Nothing new at all: a commit with no segment (it still records the run).
    let mut w = store.writer(options("c")).await.unwrap();
    w.append(Stream::CloudTrail, &batch(&[("e3", "2025-03-06")]))
        .unwrap();
    let third = w.flush().await.unwrap().unwrap();
    assert_eq!((third.segments, third.stats.written), (0, 0));
    assert_eq!(store.snapshot().await.unwrap().rows(Stream::CloudTrail), 3);
}

#[tokio::test]
async fn quarantine_is_written_and_listed() {
    let store = memory_store();
    let mut w = store.writer(options("a")).await.unwrap();
    w.quarantine(QuarantineRecord::new(
        "f.json".into(),
        "record 3".into(),
        "invalid JSON".into(),
        b"{bad".to_vec(),
    ));
    w.quarantine(QuarantineRecord::new(
        "f.json".into(),
        "byte 9".into(),
        "binary".into(),
        vec![0xff, 0xfe],
    ));
    w.flush().await.unwrap().unwrap();
    let snap = store.snapshot().await.unwrap();
    assert_eq!(snap.quarantined_items, 2);
    let path = object_store::path::Path::from(snap.quarantine_files[0].as_str());
    let bytes = object_store::ObjectStoreExt::get(store.object_store().as_ref(), &path)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let lines: Vec<serde_json::Value> = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines[0]["reason"], "invalid JSON");
    assert_eq!(lines[0]["payload"], "{bad");
    assert_eq!(lines[1]["payload_base64"], "//4=");
    assert!(store.verify().await.unwrap().is_ok());
}

#[tokio::test]
async fn rejects_batches_of_another_schema() {
    let store = memory_store();
    let mut w = store.writer(options("a")).await.unwrap();
    let other = arrow::array::RecordBatch::try_from_iter([(
        "x",
        std::sync::Arc::new(arrow::array::Int32Array::from(vec![1])) as arrow::array::ArrayRef,
    )])
    .unwrap();
    assert!(w.append(Stream::CloudTrail, &other).is_err());
}

/// A writer that dies after its commit is durable but before its files are
/// moved out of `_staging/` loses nothing: the files are read from there,
/// `verify` accepts them, and the next open moves them into place.
#[tokio::test]
async fn a_crash_between_commit_and_publication_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = keyledger_store::Store::open(&dir.path().to_string_lossy()).unwrap();
    let mut w = store.writer(options("a")).await.unwrap();
    w.append(
        Stream::CloudTrail,
        &batch(&[("e1", "2025-03-06"), ("e2", "2025-03-06")]),
    )
    .unwrap();
    w.flush().await.unwrap().unwrap();
    let seg = store.snapshot().await.unwrap().segments()[0].path.clone();
    let staged = dir.path().join(layout::staging_path(&seg).as_ref());
    std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
    std::fs::rename(dir.path().join(&seg), &staged).unwrap();

    let mut ids = Vec::new();
    keyledger_store::segment::read_string_column(
        store.object_store().clone(),
        &seg,
        "event_id",
        |id| ids.push(id.to_owned()),
    )
    .await
    .unwrap();
    ids.sort();
    assert_eq!(ids, ["e1", "e2"]);
    assert!(store.verify().await.unwrap().is_ok());

    // The next open finishes the move; the data is where readers look.
    store.snapshot().await.unwrap();
    assert!(dir.path().join(&seg).exists());
    assert!(!staged.exists());
    let mut w = store.writer(options("b")).await.unwrap();
    w.append(Stream::CloudTrail, &batch(&[("e1", "2025-03-06")]))
        .unwrap();
    assert_eq!(w.flush().await.unwrap().unwrap().stats.written, 0);
    assert!(store.verify().await.unwrap().is_ok());
}
