//! `verify` passes on an untouched store and names the first thing that
//! does not match after each kind of tampering.

use std::path::{Path, PathBuf};

use keyledger_schemas::Stream;
use keyledger_store::{Problem, QuarantineRecord, Store};

use crate::support::{batch, options};

/// A store with three commits (two segments each for the first two) and a
/// quarantine file, in a temporary directory.
async fn fixture() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().to_string_lossy()).unwrap();
    for (n, days) in [
        ("a", ["2025-03-06", "2025-03-07"]),
        ("b", ["2025-03-07", "2025-03-08"]),
        ("c", ["2025-03-09", "2025-03-09"]),
    ] {
        let mut w = store.writer(options(n)).await.unwrap();
        let ids = [format!("{n}-1"), format!("{n}-2")];
        w.append(
            Stream::CloudTrail,
            &batch(&[(&ids[0], days[0]), (&ids[1], days[1])]),
        )
        .unwrap();
        if n == "b" {
            w.quarantine(QuarantineRecord::new(
                "x.json".into(),
                "record 0".into(),
                "bad".into(),
                b"{".to_vec(),
            ));
        }
        w.flush().await.unwrap().unwrap();
    }
    let report = store.verify().await.unwrap();
    assert!(
        report.is_ok(),
        "fresh store fails verify: {:?}",
        report.problems
    );
    assert_eq!((report.commits, report.rows), (3, 6));
    (dir, store)
}

fn files_under(dir: &Path, sub: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join(sub)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out.sort();
    out
}

fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir).unwrap().to_string_lossy().into_owned()
}

async fn first_problem(store: &Store) -> Problem {
    let report = store.verify().await.unwrap();
    report
        .problems
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("tampering not detected"))
}

#[tokio::test]
async fn flipped_byte_in_a_segment() {
    let (dir, store) = fixture().await;
    let seg = &files_under(dir.path(), "data")[1];
    let mut bytes = std::fs::read(seg).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(seg, bytes).unwrap();
    match first_problem(&store).await {
        Problem::FileModified { path, .. } => assert_eq!(path, rel(dir.path(), seg)),
        p => panic!("{p:?}"),
    }
}

#[tokio::test]
async fn deleted_segment() {
    let (dir, store) = fixture().await;
    let seg = &files_under(dir.path(), "data")[0];
    std::fs::remove_file(seg).unwrap();
    match first_problem(&store).await {
        Problem::FileMissing { path, commit } => {
            assert_eq!(path, rel(dir.path(), seg));
            assert!(commit >= 1);
        }
        p => panic!("{p:?}"),
    }
}

#[tokio::test]
async fn added_segment() {
    let (dir, store) = fixture().await;
    let seg = &files_under(dir.path(), "data")[0];
    let extra = seg.with_file_name("01900000-0000-7000-8000-000000000000.parquet");
    std::fs::copy(seg, &extra).unwrap();
    match first_problem(&store).await {
        Problem::FileUnlisted { path } => assert_eq!(path, rel(dir.path(), &extra)),
        p => panic!("{p:?}"),
    }
}

#[tokio::test]
async fn edited_commit_in_the_middle() {
    let (dir, store) = fixture().await;
    let commit = dir.path().join("manifest/00000000000000000002.json");
    let text = std::fs::read_to_string(&commit).unwrap();
    std::fs::write(&commit, text.replacen("\"rows\": 1", "\"rows\": 2", 1)).unwrap();
    let report = store.verify().await.unwrap();
    assert_eq!(
        report.problems[0],
        Problem::CommitModified {
            path: "manifest/00000000000000000002.json".into()
        }
    );
    assert!(
        report.problems.iter().any(|p| matches!(p, Problem::ChainBroken { path, .. } if path == "manifest/00000000000000000003.json")),
        "{:?}",
        report.problems
    );
}

#[tokio::test]
async fn edited_head_commit() {
    let (dir, store) = fixture().await;
    let commit = dir.path().join("manifest/00000000000000000003.json");
    let text = std::fs::read_to_string(&commit).unwrap();
    std::fs::write(
        &commit,
        text.replacen("\"writer\": \"c\"", "\"writer\": \"someone-else\"", 1),
    )
    .unwrap();
    assert_eq!(
        first_problem(&store).await,
        Problem::CommitModified {
            path: "manifest/00000000000000000003.json".into()
        }
    );
}

#[tokio::test]
async fn deleted_commit() {
    let (dir, store) = fixture().await;
    std::fs::remove_file(dir.path().join("manifest/00000000000000000002.json")).unwrap();
    assert_eq!(
        first_problem(&store).await,
        Problem::CommitMissing {
            expected: 2,
            found: 3
        }
    );
}

#[tokio::test]
async fn deleted_head_commit_leaves_its_files_unlisted() {
    let (dir, store) = fixture().await;
    std::fs::remove_file(dir.path().join("manifest/00000000000000000003.json")).unwrap();
    assert!(
        matches!(first_problem(&store).await, Problem::FileUnlisted { path } if path.contains("date=2025-03-09"))
    );
}

#[tokio::test]
async fn stray_file_in_the_manifest() {
    let (dir, store) = fixture().await;
    std::fs::write(dir.path().join("manifest/notes.json"), "{}").unwrap();
    assert_eq!(
        first_problem(&store).await,
        Problem::FileUnlisted {
            path: "manifest/notes.json".into()
        }
    );
}

#[tokio::test]
async fn edited_quarantine_file() {
    let (dir, store) = fixture().await;
    let q = &files_under(dir.path(), "quarantine")[0];
    std::fs::write(q, "{}\n").unwrap();
    assert!(
        matches!(first_problem(&store).await, Problem::FileModified { path, .. } if path == rel(dir.path(), q))
    );
}
