//! Gateway logs through the file source: detected per file, bad lines set
//! aside with their line number, the rest kept.

use keyledger_ingest::source::file::FileOptions;
use keyledger_schemas::{Stream, gateway::Format};

use crate::support::{fixtures, read_all, rows};

#[tokio::test]
async fn bad_lines_are_quarantined_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(
        &log,
        "67.43.156.13 - - [25/Oct/2016:14:49:33 +0200] \"GET / HTTP/1.1\" 200 612 \"-\" \"curl/8\"\n\
         67.43.156.13 - bob [25/Oct/2016:14:49:34 +0200] \"GET /x HTTP/1.1\" 401 12 \"-\" \"curl/8\"\n\
         this line was cut in half [25/Oct/2016:14:4\n\
         \n\
         67.43.156.14 - - [25/Oct/2016:14:49:35 +0200] \"POST /y HTTP/1.1\" 500 1 \"-\" \"curl/8\"\n",
    )
    .unwrap();
    let (chunks, _) = read_all(&log, FileOptions::default()).await;
    let batches: Vec<_> = chunks
        .iter()
        .flat_map(|c| {
            c.batches
                .iter()
                .filter(|(s, _)| *s == Stream::Gateway)
                .map(|(_, b)| b.clone())
        })
        .collect();
    let rows = rows(&batches);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["principal"], "bob");
    assert_eq!(rows[1]["status"], 401);
    assert_eq!(rows[0]["gateway"], "nginx");
    let q: Vec<_> = chunks.iter().flat_map(|c| c.quarantine.iter()).collect();
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].position, "line 3");
    assert!(q[0].reason.starts_with("nginx:"), "{}", q[0].reason);

    // The same file ingested twice gives the same event ids.
    let (again, _) = read_all(&log, FileOptions::default()).await;
    let again_rows = crate::support::rows(
        &again
            .iter()
            .flat_map(|c| c.batches.iter().map(|(_, b)| b.clone()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(rows[0]["event_id"], again_rows[0]["event_id"]);
}

#[tokio::test]
async fn every_gateway_sample_folder_reads_without_quarantine() {
    for folder in [
        "aws-apigateway/elastic-integrations-transcribed",
        "nginx",
        "envoy",
    ] {
        let (chunks, _) = read_all(
            &fixtures().join("data/gateway").join(folder),
            FileOptions::default(),
        )
        .await;
        let n: usize = chunks.iter().map(|c| c.rows()).sum();
        let q: usize = chunks.iter().map(|c| c.quarantine.len()).sum();
        assert!(n > 0, "{folder}: no rows");
        assert_eq!(
            q,
            0,
            "{folder}: quarantined {:?}",
            chunks
                .iter()
                .flat_map(|c| &c.quarantine)
                .collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn a_forced_format_refuses_other_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mixed.log");
    std::fs::write(&log, "[2019-04-08T16:16:55.931Z] \"GET /a HTTP/1.1\" 200 - 0 89 5 4 \"-\" \"c\" \"id\" \"h\" \"u\"\n")
        .unwrap();
    let options = FileOptions {
        gateway_format: Some(Format::Nginx),
        ..Default::default()
    };
    let (chunks, _) = read_all(&log, options).await;
    assert_eq!(chunks.iter().map(|c| c.rows()).sum::<usize>(), 0);
    assert_eq!(chunks.iter().map(|c| c.quarantine.len()).sum::<usize>(), 1);
}
