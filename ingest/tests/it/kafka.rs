//! The Kafka source against librdkafka's mock cluster: every message form,
//! poison messages quarantined with topic/partition/offset, positions taken
//! from the store (not the group), and a broker going down and up again.
//! The end-to-end tests against a real broker are in the binary's tests.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use keyledger_ingest::{
    Chunk, Source,
    source::kafka::{KafkaOptions, KafkaSource, Positions},
};
use keyledger_schemas::Stream;
use rdkafka::{
    ClientConfig,
    mocking::MockCluster,
    producer::{FutureProducer, FutureRecord},
};
use serde_json::{Value, json};

/// Positions as a store would keep them.
#[derive(Debug, Default)]
struct Mem(Mutex<BTreeMap<String, Value>>);

#[async_trait::async_trait]
impl Positions for Mem {
    async fn load(&self) -> Result<BTreeMap<String, Value>, String> {
        Ok(self.0.lock().unwrap().clone())
    }
}

fn event(i: usize) -> Value {
    json!({
        "eventVersion": "1.08",
        "eventTime": "2025-03-06T10:00:00Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": "Decrypt",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "rds.amazonaws.com",
        "userAgent": "rds.amazonaws.com",
        "eventID": format!("00000000-0000-4000-8000-{i:012}"),
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "AWSService", "invokedBy": "rds.amazonaws.com"},
        "requestParameters": {"keyId": "arn:aws:kms:us-east-1:111122223333:key/k1"}
    })
}

async fn produce(bootstrap: &str, topic: &str, messages: &[(i32, String)]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    for (partition, payload) in messages {
        producer
            .send(
                FutureRecord::<(), _>::to(topic)
                    .partition(*partition)
                    .payload(payload),
                Duration::from_secs(10),
            )
            .await
            .map_err(|(e, _)| e)
            .unwrap();
    }
}

fn source(bootstrap: &str, topic: &str, group: &str, positions: Arc<Mem>) -> KafkaSource {
    let url = format!("kafka://{bootstrap}/{topic}?group={group}");
    let options = KafkaOptions {
        linger: Duration::from_millis(200),
        ..Default::default()
    };
    KafkaSource::connect(&url, positions, options).unwrap()
}

async fn drain(s: &mut KafkaSource) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    while let Some(c) = tokio::time::timeout(Duration::from_secs(60), s.next_chunk())
        .await
        .expect("the source ends at the end of the topic")
        .unwrap()
    {
        chunks.push(c);
    }
    chunks
}

fn rows(chunks: &[Chunk], stream: Stream) -> usize {
    chunks
        .iter()
        .flat_map(|c| &c.batches)
        .filter(|(s, _)| *s == stream)
        .map(|(_, b)| b.num_rows())
        .sum()
}

/// What a store does with a chunk's checkpoints once it has committed.
fn store_positions(chunks: &[Chunk], mem: &Mem) {
    let mut m = mem.0.lock().unwrap();
    for c in chunks {
        for ck in &c.checkpoints {
            m.insert(ck.source.clone(), ck.position.clone());
        }
    }
}

#[tokio::test]
async fn every_message_form_is_read_and_poison_is_quarantined() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("ct", 3, 1).unwrap();

    let mut messages: Vec<(i32, String)> = (0..30)
        .map(|i| (i as i32 % 3, event(i).to_string()))
        .collect();
    messages.push((
        0,
        json!({"Records": [event(30), event(31), event(32)]}).to_string(),
    ));
    messages.push((
        1,
        json!({"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": "aws.kms", "detail": event(33)})
            .to_string(),
    ));
    messages.push((2, "not json {".into())); // offset 10 of partition 2
    messages.push((
        2,
        json!({"detail-type": "AWS API Call via CloudTrail"}).to_string(),
    )); // offset 11
    messages.push((
        0,
        r#"10.0.0.7 - - [06/Mar/2025:10:00:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 512 "-" "curl/8.5.0""#.into(),
    ));
    produce(&bootstrap, "ct", &messages).await;

    let mem = Arc::new(Mem::default());
    let mut s = source(&bootstrap, "ct", "g1", mem.clone());
    let chunks = drain(&mut s).await;
    assert_eq!(rows(&chunks, Stream::CloudTrail), 34);
    assert_eq!(rows(&chunks, Stream::Gateway), 1);
    let quarantined: Vec<_> = chunks.iter().flat_map(|c| &c.quarantine).collect();
    let origins: Vec<&str> = quarantined.iter().map(|q| q.origin.as_str()).collect();
    assert_eq!(
        origins,
        ["kafka://ct/2@10", "kafka://ct/2@11"],
        "{quarantined:?}"
    );
    assert!(
        quarantined[1].reason.contains("without a detail"),
        "{quarantined:?}"
    );
    assert_eq!(s.stats().objects, 35);

    // The last checkpoint of each partition is the offset after its last message.
    store_positions(&chunks, &mem);
    let next =
        |p: i32| mem.0.lock().unwrap()[&format!("kafka://g1/ct/{p}")]["next_offset"].as_i64();
    assert_eq!((next(0), next(1), next(2)), (Some(12), Some(11), Some(12)));
    let all: Vec<_> = chunks.iter().flat_map(|c| c.checkpoints.clone()).collect();
    s.committed(&all).await.unwrap();
    drop(s);

    // A restart reads nothing again.
    let mut again = source(&bootstrap, "ct", "g1", mem.clone());
    let chunks = drain(&mut again).await;
    assert_eq!(
        rows(&chunks, Stream::CloudTrail) + rows(&chunks, Stream::Gateway),
        0
    );
}

#[tokio::test]
async fn the_store_not_the_group_decides_where_reading_starts() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("one", 1, 1).unwrap();
    let messages: Vec<(i32, String)> = (0..10).map(|i| (0, event(100 + i).to_string())).collect();
    produce(&bootstrap, "one", &messages).await;

    // The store holds offsets 0..6: a new consumer (group at the start) skips them.
    let mem = Arc::new(Mem::default());
    mem.0
        .lock()
        .unwrap()
        .insert("kafka://g2/one/0".into(), json!({"next_offset": 6}));
    let mut s = source(&bootstrap, "one", "g2", mem.clone());
    let chunks = drain(&mut s).await;
    assert_eq!(rows(&chunks, Stream::CloudTrail), 4);
    let all: Vec<_> = chunks.iter().flat_map(|c| c.checkpoints.clone()).collect();
    s.committed(&all).await.unwrap();
    drop(s);

    // The group is now at 10; a store that has nothing goes back to the start.
    let empty = Arc::new(Mem::default());
    let mut s = source(&bootstrap, "one", "g2", empty);
    let chunks = drain(&mut s).await;
    assert_eq!(rows(&chunks, Stream::CloudTrail), 10);
}

#[tokio::test]
async fn a_broker_outage_delays_but_loses_nothing() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("flaky", 2, 1).unwrap();
    let first: Vec<(i32, String)> = (0..20)
        .map(|i| (i as i32 % 2, event(200 + i).to_string()))
        .collect();
    produce(&bootstrap, "flaky", &first).await;

    let mem = Arc::new(Mem::default());
    let url = format!("kafka://{bootstrap}/flaky?group=g3");
    let options = KafkaOptions {
        follow: true,
        linger: Duration::from_millis(200),
        ..Default::default()
    };
    let mut s = KafkaSource::connect(&url, mem.clone(), options).unwrap();
    // Each chunk is "committed" at once, as the pipeline does.
    let mut ids = std::collections::BTreeSet::new();
    let next = async |s: &mut KafkaSource, ids: &mut std::collections::BTreeSet<String>| {
        let c = tokio::time::timeout(Duration::from_secs(60), s.next_chunk())
            .await
            .expect("the source delivers")
            .unwrap()
            .unwrap();
        store_positions(std::slice::from_ref(&c), &mem);
        ids.extend(event_ids(&c));
    };
    while ids.len() < 20 {
        next(&mut s, &mut ids).await;
    }
    cluster.broker_down(1).unwrap();
    // While the broker is down the source keeps waiting, without failing.
    let waited = tokio::time::timeout(Duration::from_secs(3), s.next_chunk()).await;
    assert!(
        waited.is_err(),
        "nothing to hand out during the outage: {waited:?}"
    );
    cluster.broker_up(1).unwrap();
    let more: Vec<(i32, String)> = (0..10)
        .map(|i| (i as i32 % 2, event(300 + i).to_string()))
        .collect();
    produce(&bootstrap, "flaky", &more).await;
    while ids.len() < 30 {
        next(&mut s, &mut ids).await;
    }
    let expected: std::collections::BTreeSet<String> = (200..220)
        .chain(300..310)
        .map(|i| event(i)["eventID"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, expected);
}

fn event_ids(c: &Chunk) -> Vec<String> {
    use arrow::array::AsArray;
    c.batches
        .iter()
        .filter(|(s, _)| *s == Stream::CloudTrail)
        .flat_map(|(_, b)| {
            let ids = b.column_by_name("event_id").unwrap().as_string::<i32>();
            ids.iter().flatten().map(str::to_owned).collect::<Vec<_>>()
        })
        .collect()
}
