use datafusion::physical_plan::displayable;
use keyledger_query::{Ledger, OutputFormat, format::ResultWriter};
use keyledger_schemas::{Stream, cloudtrail};
use keyledger_store::{Store, WriterOptions};

async fn store_with_three_days() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().to_string_lossy()).unwrap();
    for day in ["2025-03-06", "2025-03-07", "2025-03-08"] {
        let mut w = store.writer(WriterOptions::default()).await.unwrap();
        let mut b = cloudtrail::BatchBuilder::new();
        for i in 0..10 {
            let raw = format!(
                r#"{{"eventTime":"{day}T{:02}:00:00Z","eventID":"{day}-{i}","eventSource":"kms.amazonaws.com","eventName":"{}","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}}}}"#,
                i * 2,
                if i % 2 == 0 { "Decrypt" } else { "Encrypt" }
            );
            b.push(&cloudtrail::parse(&raw).unwrap(), &raw, Some("test"));
        }
        w.append(Stream::CloudTrail, &b.finish()).unwrap();
        w.flush().await.unwrap();
    }
    (dir, store)
}

async fn files_scanned(ledger: &Ledger, sql: &str) -> usize {
    let plan = ledger
        .sql(sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    let text = displayable(plan.as_ref()).indent(true).to_string();
    text.matches(".parquet").count()
}

#[tokio::test]
async fn queries_see_every_live_row() {
    let (_dir, store) = store_with_three_days().await;
    let ledger = Ledger::open(&store).await.unwrap();
    let batches = ledger
        .query("SELECT event_name, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 1")
        .await
        .unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(text.contains("| Decrypt    | 15 |"), "{text}");
    assert!(text.contains("| Encrypt    | 15 |"), "{text}");
    let batches = ledger
        .query("SELECT DISTINCT key_arn FROM cloudtrail")
        .await
        .unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(
        text.contains(
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn segments_are_pruned_by_date_and_time() {
    let (_dir, store) = store_with_three_days().await;
    let ledger = Ledger::open(&store).await.unwrap();
    assert_eq!(
        files_scanned(&ledger, "SELECT count(*) FROM cloudtrail").await,
        3
    );
    assert_eq!(
        files_scanned(
            &ledger,
            "SELECT * FROM cloudtrail WHERE date = DATE '2025-03-07'"
        )
        .await,
        1
    );
    assert_eq!(
        files_scanned(
            &ledger,
            "SELECT * FROM cloudtrail WHERE event_time >= TIMESTAMP '2025-03-07T12:00:00Z'"
        )
        .await,
        2
    );
    assert_eq!(
        files_scanned(
            &ledger,
            "SELECT * FROM cloudtrail WHERE event_time < TIMESTAMP '2025-03-01T00:00:00Z'"
        )
        .await,
        0
    );
    let rows = ledger
        .query(
            "SELECT count(*) FROM cloudtrail WHERE event_time >= TIMESTAMP '2025-03-07T12:00:00Z'",
        )
        .await
        .unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&rows)
        .unwrap()
        .to_string();
    assert!(text.contains("| 14 "), "{text}");
}

#[tokio::test]
async fn a_snapshot_is_stable_while_the_store_grows() {
    let (_dir, store) = store_with_three_days().await;
    let ledger = Ledger::open(&store).await.unwrap();
    let mut w = store.writer(WriterOptions::default()).await.unwrap();
    let raw = r#"{"eventTime":"2025-03-09T00:00:00Z","eventID":"late","eventName":"Decrypt"}"#;
    let mut b = cloudtrail::BatchBuilder::new();
    b.push(&cloudtrail::parse(raw).unwrap(), raw, None);
    w.append(Stream::CloudTrail, &b.finish()).unwrap();
    w.flush().await.unwrap();
    let old = ledger
        .query("SELECT count(*) AS n FROM cloudtrail")
        .await
        .unwrap();
    let new = Ledger::open(&store)
        .await
        .unwrap()
        .query("SELECT count(*) AS n FROM cloudtrail")
        .await
        .unwrap();
    let n = |b: &[arrow::array::RecordBatch]| {
        arrow::util::pretty::pretty_format_batches(b)
            .unwrap()
            .to_string()
    };
    assert!(n(&old).contains("| 30 |"), "{}", n(&old));
    assert!(n(&new).contains("| 31 |"), "{}", n(&new));
}

#[tokio::test]
async fn output_formats() {
    let (_dir, store) = store_with_three_days().await;
    let ledger = Ledger::open(&store).await.unwrap();
    let batches = ledger
        .query("SELECT event_id, event_time FROM cloudtrail ORDER BY event_id LIMIT 2")
        .await
        .unwrap();
    let render = |f: OutputFormat| {
        let mut out = Vec::new();
        let mut w = ResultWriter::new(f, batches[0].schema(), &mut out).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
        out
    };
    let json: serde_json::Value = serde_json::from_slice(&render(OutputFormat::Json)).unwrap();
    assert_eq!(json[0]["event_id"], "2025-03-06-0");
    assert_eq!(json[0]["event_time"], "2025-03-06T00:00:00Z");
    let ndjson = String::from_utf8(render(OutputFormat::Ndjson)).unwrap();
    assert_eq!(ndjson.lines().count(), 2);
    let csv = String::from_utf8(render(OutputFormat::Csv)).unwrap();
    assert!(
        csv.starts_with("event_id,event_time\n2025-03-06-0,"),
        "{csv}"
    );
    let parquet = render(OutputFormat::Parquet);
    assert_eq!(&parquet[..4], b"PAR1");
}
