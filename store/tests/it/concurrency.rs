use keyledger_schemas::Stream;

use crate::support::{batch, memory_store, options};

/// Two writers prepared against the same head race for the next commit:
/// exactly one wins each sequence number, the other catches up, drops what
/// the winner already stored, and commits after it. Nothing is lost or doubled.
#[tokio::test]
async fn two_writers_commit_the_union() {
    let store = memory_store();
    for round in 0..5 {
        let day = format!("2025-03-{:02}", 6 + round);
        let mut a = store.writer(options("a")).await.unwrap();
        let mut b = store.writer(options("b")).await.unwrap();
        let ids_a: Vec<String> = (0..50).map(|i| format!("r{round}-{i}")).collect();
        let ids_b: Vec<String> = (25..80).map(|i| format!("r{round}-{i}")).collect();
        let rows_a: Vec<(&str, &str)> = ids_a.iter().map(|i| (i.as_str(), day.as_str())).collect();
        let rows_b: Vec<(&str, &str)> = ids_b.iter().map(|i| (i.as_str(), day.as_str())).collect();
        a.append(Stream::CloudTrail, &batch(&rows_a)).unwrap();
        b.append(Stream::CloudTrail, &batch(&rows_b)).unwrap();
        let (ra, rb) = tokio::join!(a.flush(), b.flush());
        let (ra, rb) = (ra.unwrap().unwrap(), rb.unwrap().unwrap());
        assert_ne!(
            ra.sequence, rb.sequence,
            "both writers claimed one sequence number"
        );
        // Both started from the same head: the second to commit lost a race.
        assert_eq!(ra.conflicts + rb.conflicts, 1);
        assert_eq!(ra.stats.written + rb.stats.written, 80, "round {round}");
    }
    let snap = store.snapshot().await.unwrap();
    assert_eq!(snap.sequence, 10);
    assert_eq!(snap.rows(Stream::CloudTrail), 400);
    let report = store.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_writers_on_a_local_directory() {
    for round in 0..5 {
        many_writers_round(round).await;
    }
}

async fn many_writers_round(round: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = keyledger_store::Store::open(&dir.path().to_string_lossy()).unwrap();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut writer = store.writer(options(&format!("w{w}"))).await.unwrap();
            // Every writer delivers the shared ids 0..20 and ten of its own.
            let ids: Vec<String> = (0..20)
                .map(|i| format!("shared-{i}"))
                .chain((0..10).map(|i| format!("w{w}-{i}")))
                .collect();
            let rows: Vec<(&str, &str)> = ids.iter().map(|i| (i.as_str(), "2025-03-06")).collect();
            writer.append(Stream::CloudTrail, &batch(&rows)).unwrap();
            writer.flush().await.unwrap().unwrap()
        }));
    }
    let mut sequences = Vec::new();
    for t in tasks {
        sequences.push(t.await.unwrap().sequence);
    }
    sequences.sort();
    assert_eq!(sequences, vec![1, 2, 3, 4], "round {round}");
    assert_eq!(store.snapshot().await.unwrap().rows(Stream::CloudTrail), 60);
    assert!(store.verify().await.unwrap().is_ok());
}
