//! S3 end to end against moto: a generated organisation's CloudTrail
//! bucket (organisation-trail prefix, digests with their signatures in
//! object metadata) read once and only once, notifications, a crash at
//! random points, and the store itself on S3 with two writers.

use std::path::Path;

use crate::{
    moto,
    support::{commit_count, counts, kill_and_resume, number_after, p, query_value, run, run_env},
};

type Env = Vec<(&'static str, String)>;

/// A small generated organisation (two days), and the count of CloudTrail
/// events a local ingest of its logs stores: what every S3 run must match.
fn corpus(dir: &Path) -> u64 {
    let out = dir.join("corpus");
    run(
        &[
            "generate",
            "--out",
            p(&out),
            "--days",
            "2",
            "--scale",
            "1500",
            "--seed",
            "11",
        ],
        0,
    );
    let store = dir.join("reference");
    run(
        &["ingest", "--store", p(&store), p(&out.join("AWSLogs"))],
        0,
    );
    counts(&[], p(&store), "cloudtrail").0
}

fn ingest(env: &Env, store: &str, extra: &[&str]) -> String {
    let mut args = vec!["ingest", "--store", store, "--settle-secs", "0"];
    args.extend_from_slice(extra);
    run_env(env, &args, 0).1
}

#[tokio::test]
async fn a_cloudtrail_bucket_is_read_once_with_digests_checked() {
    let dir = tempfile::tempdir().unwrap();
    let expected = corpus(dir.path());
    let s3 = moto::s3();
    let bucket = &moto::bucket(&s3, "trail-once").await;
    let corpus = dir.path().join("corpus");
    let objects = moto::upload_tree(&s3, bucket, "org/AWSLogs/", &corpus.join("AWSLogs")).await;
    let keys = corpus.join("trail-public-keys.pem");
    let env = moto::env("us-east-1");
    let store = dir.path().join("store");
    let source = format!("s3://{bucket}/org");

    let err = ingest(&env, p(&store), &["--trail-public-keys", p(&keys), &source]);
    assert_eq!(number_after(&err, "read"), objects as u64, "{err}");
    assert!(!err.contains("INTEGRITY ERROR"), "{err}");
    assert!(number_after(&err, "log files verified,") > 0, "{err}");
    assert!(
        number_after(&err, "checked,") > 0,
        "digests were found: {err}"
    );
    assert_eq!(counts(&env, p(&store), "cloudtrail"), (expected, expected));
    // The organisation-trail prefix (AWSLogs/o-…/account/) was walked.
    let orgs = query_value(
        &env,
        p(&store),
        "SELECT count(*) FROM cloudtrail WHERE source LIKE '%/AWSLogs/o-%'",
    );
    assert!(orgs.parse::<u64>().unwrap() > 0, "{orgs}");

    // Again: the checkpoints say everything was read.
    let err = ingest(&env, p(&store), &[&source]);
    assert_eq!(number_after(&err, "read"), 0, "{err}");

    // A new object in a region already read is the only thing read next.
    let key = "org/AWSLogs/111122223333/CloudTrail/us-east-1/2099/01/01/111122223333_CloudTrail_us-east-1_20990101T0000Z_new.json";
    let event = serde_json::json!({"Records": [{
        "eventVersion": "1.08", "eventTime": "2099-01-01T00:00:00Z",
        "eventSource": "kms.amazonaws.com", "eventName": "Decrypt",
        "awsRegion": "us-east-1", "eventID": "11111111-2222-4333-8444-555555555555",
        "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
        "userIdentity": {"type": "AWSService", "invokedBy": "rds.amazonaws.com"}
    }]});
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(event.to_string().into_bytes().into())
        .send()
        .await
        .unwrap();
    let err = ingest(&env, p(&store), &[&source]);
    assert_eq!(number_after(&err, "read"), 1, "{err}");
    assert_eq!(number_after(&err, "stored"), 1, "{err}");

    // --since skips the first day without reading it.
    let later = dir.path().join("later");
    let last_day = query_value(
        &env,
        p(&store),
        "SELECT max(CAST(event_time AS DATE)) FROM cloudtrail WHERE event_time < TIMESTAMP '2090-01-01T00:00:00Z'",
    );
    let err = ingest(&env, p(&later), &["--since", &last_day, &source]);
    let read = number_after(&err, "read");
    assert!(
        read > 0 && read < objects as u64,
        "{read} of {objects}: {err}"
    );
    let (n, _) = counts(&env, p(&later), "cloudtrail");
    assert!(n > 0 && n < expected, "{n} of {expected}");
}

#[tokio::test]
async fn notifications_name_the_objects_to_read() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let s3 = moto::s3();
    let bucket = &moto::bucket(&s3, "trail-notified").await;
    moto::upload_tree(&s3, bucket, "AWSLogs/", &dir.path().join("corpus/AWSLogs")).await;
    let listed = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix("AWSLogs/")
        .send()
        .await
        .unwrap();
    let logs: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key())
        .filter(|k| k.contains("/CloudTrail/"))
        .take(2)
        .map(str::to_owned)
        .collect();
    // CloudTrail's SNS message inside an SQS ReceiveMessage response, naming
    // the first object twice; and an S3 event notification for the second.
    let sns = serde_json::json!({
        "Type": "Notification",
        "Message": serde_json::json!({"s3Bucket": bucket, "s3ObjectKey": [logs[0], logs[0]]}).to_string(),
    });
    let s3_event = serde_json::json!({"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": logs[1]}}}]});
    let sqs = serde_json::json!({"Messages": [{"Body": sns.to_string()}, {"Body": s3_event.to_string()}]});
    let file = dir.path().join("messages.json");
    std::fs::write(&file, sqs.to_string()).unwrap();
    let env = moto::env("us-east-1");
    let store = dir.path().join("store");
    let err = ingest(&env, p(&store), &[&format!("notifications:{}", p(&file))]);
    assert_eq!(number_after(&err, "read"), 2, "{err}");
    assert!(counts(&env, p(&store), "cloudtrail").0 > 0);
}

#[tokio::test]
async fn s3_ingest_killed_at_random_points_stores_every_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let expected = corpus(dir.path());
    let s3 = moto::s3();
    let bucket = &moto::bucket(&s3, "trail-crash").await;
    moto::upload_tree(&s3, bucket, "AWSLogs/", &dir.path().join("corpus/AWSLogs")).await;
    let env = moto::env("us-east-1");
    let store = dir.path().join("store");
    let source = format!("s3://{bucket}/");
    let args = [
        "ingest",
        "--store",
        p(&store),
        "--settle-secs",
        "0",
        "--flush-mb",
        "1",
        "--concurrency",
        "4",
        "--threads",
        "1",
        &source,
    ];
    let killed = kill_and_resume(&env, &args, 5, 1500, || commit_count(&store));
    assert!(
        killed > 0,
        "no run was killed between commits: the test proved nothing"
    );
    assert_eq!(counts(&env, p(&store), "cloudtrail"), (expected, expected));
    let (out, _) = run(&["verify", "--store", p(&store)], 0);
    assert!(out.starts_with("ok: "), "{out}");
}

/// Two `ingest` processes at once into one store, each with half of the
/// organisation: the union, once, and a valid chain.
async fn two_writers(env: &Env, store: &str, corpus: &Path, expected: u64) {
    let logs = corpus.join("AWSLogs");
    let mut halves: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    halves.sort();
    assert!(
        halves.len() >= 2,
        "the corpus has an organisation and plain accounts"
    );
    let (a, b) = halves.split_at(halves.len() / 2);
    let spawn = |paths: &[std::path::PathBuf]| {
        let mut args: Vec<String> = [
            "ingest",
            "--store",
            store,
            "--flush-mb",
            "1",
            "--threads",
            "1",
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(paths.iter().map(|x| p(x).to_owned()));
        std::process::Command::new(env!("CARGO_BIN_EXE_keyledger"))
            .args(args)
            .envs(env.iter().cloned())
            .output()
    };
    let (ra, rb) = std::thread::scope(|s| {
        let ha = s.spawn(|| spawn(a));
        let hb = s.spawn(|| spawn(b));
        (ha.join().unwrap().unwrap(), hb.join().unwrap().unwrap())
    });
    for r in [&ra, &rb] {
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    assert_eq!(counts(env, store, "cloudtrail"), (expected, expected));
    let (out, _) = run_env(env, &["verify", "--store", store], 0);
    assert!(out.starts_with("ok: "), "{out}");
}

#[tokio::test]
async fn two_writers_share_a_store_on_disk_and_on_s3() {
    let dir = tempfile::tempdir().unwrap();
    let expected = corpus(dir.path());
    let corpus = dir.path().join("corpus");
    let env = moto::env("us-east-1");
    two_writers(&env, p(&dir.path().join("local")), &corpus, expected).await;

    let s3 = moto::s3();
    let bucket = moto::bucket(&s3, "ledger").await;
    two_writers(
        &env,
        &format!("s3://{bucket}/stores/main"),
        &corpus,
        expected,
    )
    .await;
    // The store is plain objects under the prefix: manifest, data.
    let listed = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("stores/main/manifest/")
        .send()
        .await
        .unwrap();
    assert!(
        listed.key_count().unwrap_or(0) >= 2,
        "commits are objects on S3"
    );
}

#[tokio::test]
async fn a_large_object_is_parsed_as_it_downloads() {
    // Larger than the size above which objects are streamed (16 MiB).
    let lines = 200_000;
    let mut log = String::with_capacity(24 << 20);
    for i in 0..lines {
        log.push_str(&format!(
            "10.0.{}.{} - - [06/Mar/2025:10:{:02}:{:02} +0000] \"POST /v1/chat/completions/{i} HTTP/1.1\" 200 512 \"-\" \"python-requests/2.32\"\n",
            (i / 250) % 250,
            i % 250,
            (i / 60) % 60,
            i % 60
        ));
    }
    assert!(log.len() > 16 << 20);
    let s3 = moto::s3();
    let bucket = &moto::bucket(&s3, "gateway-large").await;
    s3.put_object()
        .bucket(bucket)
        .key("edge/access.log")
        .body(log.into_bytes().into())
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = moto::env("us-east-1");
    let store = dir.path().join("store");
    let err = ingest(&env, p(&store), &[&format!("s3://{bucket}/edge")]);
    assert_eq!(number_after(&err, "read"), 1, "{err}");
    assert!(err.contains(", 0 quarantined"), "{err}");
    assert_eq!(
        query_value(&env, p(&store), "SELECT count(*) FROM gateway"),
        lines.to_string()
    );
}
