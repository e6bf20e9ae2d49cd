//! Kafka end to end against a real Kafka-protocol broker: tansu, the one
//! `.ci/run` started (`KEYLEDGER_KAFKA_BOOTSTRAP`) or one started here from
//! `tansu` on PATH. Consumer-group joins, rebalances between two workers,
//! offset commits, and SIGKILL at random points, all against the broker.

use std::{
    collections::BTreeMap,
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use rdkafka::{
    ClientConfig, Offset, TopicPartitionList,
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    consumer::{BaseConsumer, Consumer},
    producer::{FutureProducer, FutureRecord},
};
use serde_json::{Value, json};

use crate::support::{Service, commit_count, counts, kill_and_resume, p, service};

static BROKER: OnceLock<Service> = OnceLock::new();

fn bootstrap() -> &'static str {
    &BROKER
        .get_or_init(|| {
            service(
                "KEYLEDGER_KAFKA_BOOTSTRAP",
                "tansu",
                "`cargo install tansu --features dynostore`",
                |port| {
                    let url = format!("tcp://127.0.0.1:{port}");
                    [
                        "broker",
                        "--listener-url",
                        &url,
                        "--advertised-listener-url",
                        &url,
                        "--storage-engine",
                        "memory://tansu/",
                    ]
                    .map(str::to_owned)
                    .to_vec()
                },
                |port| format!("127.0.0.1:{port}"),
            )
        })
        .address
}

/// A topic of its own (tests share the broker).
async fn topic(name: &str, partitions: i32) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("{name}-{nanos}");
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    let created = admin
        .create_topics(
            &[NewTopic::new(&name, partitions, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(30))),
        )
        .await
        .unwrap();
    for r in created {
        r.map_err(|(t, e)| format!("{t}: {e}")).unwrap();
    }
    name
}

fn event(i: u64) -> Value {
    json!({
        "eventVersion": "1.08",
        "eventTime": format!("2025-03-06T{:02}:{:02}:{:02}Z", (i / 3600) % 24, (i / 60) % 60, i % 60),
        "eventSource": "kms.amazonaws.com",
        "eventName": "Decrypt",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "rds.amazonaws.com",
        "userAgent": "rds.amazonaws.com",
        "eventID": format!("5e1f0000-0000-4000-8000-{i:012}"),
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "AWSService", "invokedBy": "rds.amazonaws.com"},
        "requestParameters": {"keyId": "arn:aws:kms:eu-west-1:111122223333:key/0f6d2f8e-1111-4222-8333-444455556666"}
    })
}

/// Produce events `range` as single events, `Records` envelopes of five
/// and EventBridge events, round-robin over `partitions`; returns how
/// many messages were sent.
async fn produce(topic: &str, partitions: i32, range: std::ops::Range<u64>) -> usize {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        // One message per batch: tansu 0.6 reports a partition's high
        // watermark as if its last batch held one record.
        .set("batch.num.messages", "1")
        .create()
        .unwrap();
    let mut payloads = Vec::new();
    let mut i = range.start;
    while i < range.end {
        if i.is_multiple_of(10) && i + 5 <= range.end {
            payloads
                .push(json!({"Records": (i..i + 5).map(event).collect::<Vec<_>>()}).to_string());
            i += 5;
        } else if i.is_multiple_of(7) {
            payloads.push(
                json!({"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": "aws.kms", "detail": event(i)})
                    .to_string(),
            );
            i += 1;
        } else {
            payloads.push(event(i).to_string());
            i += 1;
        }
    }
    send(&producer, topic, partitions, &payloads).await;
    payloads.len()
}

async fn send(producer: &FutureProducer, topic: &str, partitions: i32, payloads: &[String]) {
    let sends = payloads.iter().enumerate().map(|(n, payload)| {
        producer.send(
            FutureRecord::<(), _>::to(topic)
                .partition(n as i32 % partitions)
                .payload(payload),
            Duration::from_secs(30),
        )
    });
    for r in futures::future::join_all(sends).await {
        r.map_err(|(e, _)| e).unwrap();
    }
}

/// The store's Kafka positions: the latest checkpoint of every partition.
fn store_positions(store: &Path) -> BTreeMap<String, i64> {
    let mut files: Vec<_> = std::fs::read_dir(store.join("manifest"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut out = BTreeMap::new();
    for f in files {
        let commit: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        for (k, v) in commit["checkpoints"].as_object().into_iter().flatten() {
            if let Some(n) = v["next_offset"].as_i64() {
                out.insert(k.clone(), n);
            }
        }
    }
    out
}

/// What the broker holds as the group's committed offsets.
fn group_offsets(group: &str, topic: &str, partitions: i32) -> Vec<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", group)
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition(topic, p);
    }
    let got = consumer
        .committed_offsets(tpl, Duration::from_secs(30))
        .unwrap();
    (0..partitions)
        .map(|p| match got.find_partition(topic, p).map(|e| e.offset()) {
            Some(Offset::Offset(n)) => n,
            other => panic!("partition {p}: no committed offset ({other:?})"),
        })
        .collect()
}

fn high_watermarks(topic: &str, partitions: i32) -> Vec<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    (0..partitions)
        .map(|p| {
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(30))
                .unwrap()
                .1
        })
        .collect()
}

fn quarantined_lines(store: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![store.join("quarantine")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                n += std::fs::read_to_string(path).unwrap().lines().count();
            }
        }
    }
    n
}

#[tokio::test]
async fn kafka_ingest_killed_at_random_points_stores_every_event_once() {
    let partitions = 3;
    let topic = topic("crash", partitions).await;
    let events = 60_000;
    produce(&topic, partitions, 0..events).await;
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .unwrap();
    send(
        &producer,
        &topic,
        partitions,
        &["not json {".into(), json!({"detail-type": "x"}).to_string()],
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let group = "crash-workers";
    let url = format!(
        "kafka://{}/{topic}?group={group}&session.timeout.ms=6000",
        bootstrap()
    );
    let args = [
        "ingest",
        "--store",
        p(&store),
        "--flush-mb",
        "1",
        "--commit-interval-secs",
        "1",
        &url,
    ];
    let killed = kill_and_resume(
        &[(
            "KEYLEDGER_LOG",
            "keyledger_ingest=info,keyledger=info".into(),
        )],
        &args,
        5,
        1500,
        || commit_count(&store),
    );
    assert!(
        killed > 0,
        "no run was killed between commits: the test proved nothing"
    );

    assert_eq!(counts(&[], p(&store), "cloudtrail"), (events, events));
    assert_eq!(
        quarantined_lines(&store),
        2,
        "each poison message quarantined once"
    );
    // The store's positions are the ends of the partitions, and the group
    // has been told the same.
    let highs = high_watermarks(&topic, partitions);
    let stored = store_positions(&store);
    let from_store: Vec<i64> = (0..partitions)
        .map(|p| stored[&format!("kafka://{group}/{topic}/{p}")])
        .collect();
    assert_eq!(from_store, highs);
    assert_eq!(group_offsets(group, &topic, partitions), highs);
}

fn spawn_worker(store: &Path, url: &str, log: &Path, metrics: Option<&str>) -> Child {
    let mut args = vec![
        "ingest",
        "--store",
        p(store),
        "--follow",
        "--commit-interval-secs",
        "1",
        "--log-format",
        "json",
    ];
    if let Some(m) = metrics {
        args.extend(["--metrics-listen", m]);
    }
    args.push(url);
    Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args(args)
        .env("KEYLEDGER_LOG", "keyledger_ingest=info,keyledger=info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn interrupt(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap()
}

#[tokio::test]
async fn two_workers_in_one_group_share_the_partitions() {
    let partitions = 4;
    let topic = topic("share", partitions).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let url = format!("kafka://{}/{topic}?group=share-workers", bootstrap());
    let (log_a, log_b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let metrics_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics = format!("127.0.0.1:{metrics_port}");
    let read = |f: &Path| std::fs::read_to_string(f).unwrap_or_default();

    let mut a = spawn_worker(&store, &url, &log_a, Some(&metrics));
    wait_for("worker A to join", Duration::from_secs(90), || {
        read(&log_a).contains("partitions assigned")
    });
    produce(&topic, partitions, 0..5_000).await;
    wait_for(
        "worker A to store the first half",
        Duration::from_secs(90),
        || store.join("manifest").exists() && counts(&[], p(&store), "cloudtrail").0 == 5_000,
    );

    let mut b = spawn_worker(&store, &url, &log_b, None);
    wait_for(
        "worker B to be given partitions",
        Duration::from_secs(120),
        || {
            read(&log_b)
                .lines()
                .any(|l| l.contains("partitions assigned") && l.contains(&topic))
        },
    );
    produce(&topic, partitions, 5_000..10_000).await;
    wait_for("both halves", Duration::from_secs(120), || {
        counts(&[], p(&store), "cloudtrail").0 >= 10_000
    });

    let scraped = http_get(&metrics);
    let ingested: u64 = scraped
        .lines()
        .find(|l| l.starts_with("keyledger_ingested_events_total{"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no ingested counter in {scraped}"));
    assert!(ingested >= 5_000, "{scraped}");
    assert!(scraped.contains("keyledger_ingest_lag{"), "{scraped}");

    assert!(interrupt(&mut a).success(), "{}", read(&log_a));
    assert!(interrupt(&mut b).success(), "{}", read(&log_b));
    assert!(
        read(&log_a).contains("partitions revoked"),
        "A gave partitions up when B joined"
    );
    assert_eq!(counts(&[], p(&store), "cloudtrail"), (10_000, 10_000));
    let (out, _) = crate::support::run(&["verify", "--store", p(&store)], 0);
    assert!(out.starts_with("ok: "), "{out}");
}

/// GET http://addr/metrics with a bare HTTP/1.0 request.
fn http_get(addr: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}
