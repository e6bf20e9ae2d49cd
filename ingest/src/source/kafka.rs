//! Kafka: `kafka://host:port[,host:port…]/topic[,topic…]?group=NAME`.
//!
//! A message holds one CloudTrail event, a `{"Records":[…]}` envelope, an
//! EventBridge event whose `detail` is the CloudTrail event, or gateway log
//! lines. A message that is none of these is quarantined with its topic,
//! partition and offset; its neighbours are kept.
//!
//! **Offsets live in the store.** Each chunk carries, per partition, the
//! next offset after the messages it holds; the store records them in the
//! commit that makes those events durable, and only then are they committed
//! to the consumer group ([`Source::committed`]). On every assignment (start
//! and rebalances) the consumer reads the store's positions and moves each
//! new partition there: the store, not the group, is the truth, so a crash
//! between the two commits re-reads a little and loses nothing, and the
//! store's deduplication keeps every event once. A partition the store has
//! never seen starts at its earliest offset.
//!
//! Several `keyledger ingest` processes in one group share the partitions;
//! the store's put-if-absent commits keep them from losing each other's
//! writes. Without `--follow` a run ends when every partition of the topics
//! has reached the end it had when the run started, whichever worker read
//! it, and this worker's partitions have been silent for a few seconds.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    io::Cursor,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use keyledger_schemas::gateway::Format;
use rdkafka::{
    ClientConfig, ClientContext, Message, Offset, TopicPartitionList,
    consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer},
    message::OwnedMessage,
};
use serde_json::json;

use super::{Checkpoint, Chunk, Source, SourceStats};
use crate::{
    Error, Result,
    assemble::{Assembler, DEFAULT_CHUNK_BYTES},
    split::RecordReader,
};

/// A parsed `kafka://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaUrl {
    pub brokers: String,
    pub topics: Vec<String>,
    pub group: String,
    /// Other query parameters: librdkafka properties (`security.protocol`, …).
    pub properties: Vec<(String, String)>,
}

impl KafkaUrl {
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |reason: &str| Error::Source {
            origin: url.to_owned(),
            reason: format!("{reason} (use kafka://host:port/topic[,topic]?group=NAME)"),
        };
        let rest = url
            .strip_prefix("kafka://")
            .ok_or_else(|| bad("not a kafka:// URL"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (brokers, topics) = path.split_once('/').ok_or_else(|| bad("no topic"))?;
        let topics: Vec<String> = topics
            .split(',')
            .map(|t| t.trim_matches('/').to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        if brokers.is_empty() || topics.is_empty() {
            return Err(bad("no broker or no topic"));
        }
        let mut group = None;
        let mut properties = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| bad("a parameter without ="))?;
            if k == "group" {
                group = Some(v.to_owned());
            } else {
                properties.push((k.to_owned(), v.to_owned()));
            }
        }
        Ok(KafkaUrl {
            brokers: brokers.to_owned(),
            topics,
            group: group.ok_or_else(|| bad("no group"))?,
            properties,
        })
    }

    /// The checkpoint name of one partition.
    fn checkpoint(&self, topic: &str, partition: i32) -> String {
        format!("kafka://{}/{topic}/{partition}", self.group)
    }
}

/// Reads the store's checkpoints (the positions other workers committed).
#[async_trait::async_trait]
pub trait Positions: Send + Sync + std::fmt::Debug {
    async fn load(&self) -> std::result::Result<BTreeMap<String, serde_json::Value>, String>;
}

#[derive(Debug, Clone)]
pub struct KafkaOptions {
    /// Keep consuming at the end of the topics.
    pub follow: bool,
    /// Hand out what has arrived after this long, even if a chunk is not full.
    pub linger: Duration,
    pub chunk_bytes: usize,
    /// Read every message as gateway log lines of this format.
    pub gateway_format: Option<Format>,
}

impl Default for KafkaOptions {
    fn default() -> Self {
        KafkaOptions {
            follow: false,
            linger: Duration::from_secs(1),
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            gateway_format: None,
        }
    }
}

type Tp = (String, i32);

/// Without `--follow`, a partition is finished when it has been caught up
/// and silent this long.
const QUIET: Duration = Duration::from_secs(3);

/// Without partitions this long (and work left), a worker joins again.
const REJOIN_AFTER: Duration = Duration::from_secs(15);

/// Records assignments as librdkafka reports them.
#[derive(Debug, Default)]
pub struct Ctx {
    generation: AtomicU64,
    assigned: Mutex<BTreeSet<Tp>>,
}

impl ClientContext for Ctx {}

impl ConsumerContext for Ctx {
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Ok(mut assigned) = self.assigned.lock() else {
            return;
        };
        match rebalance {
            Rebalance::Assign(tpl) => {
                for e in tpl.elements() {
                    assigned.insert((e.topic().to_owned(), e.partition()));
                }
                tracing::info!(partitions = ?assigned, "partitions assigned");
            }
            Rebalance::Revoke(tpl) => {
                for e in tpl.elements() {
                    assigned.remove(&(e.topic().to_owned(), e.partition()));
                }
                tracing::info!(partitions = ?assigned, "partitions revoked");
            }
            Rebalance::Error(e) => tracing::warn!(error = %e, "rebalance failed"),
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn commit_callback(&self, result: rdkafka::error::KafkaResult<()>, _: &TopicPartitionList) {
        if let Err(e) = result {
            tracing::debug!(error = %e, "offset commit to the group failed; the store has them");
        }
    }
}

/// Per partition: where the next message must be, and where the end is.
#[derive(Debug, Clone, Copy)]
struct Partition {
    next: i64,
    high: i64,
    /// The consumer is known to fetch from `next` (a seek succeeded, or a
    /// message at `next` arrived). Until then other messages are dropped.
    positioned: bool,
    /// When a message of this partition last arrived (or it was assigned).
    last_message: Instant,
}

/// Consumes CloudTrail or gateway events from Kafka topics.
pub struct KafkaSource {
    id: String,
    url: KafkaUrl,
    consumer: Arc<StreamConsumer<Ctx>>,
    positions: Arc<dyn Positions>,
    options: KafkaOptions,
    asm: Assembler,
    seen_generation: u64,
    partitions: HashMap<Tp, Partition>,
    /// Offsets reached since the last chunk.
    pending: BTreeMap<Tp, i64>,
    /// Offsets the store holds, as far as this worker knows.
    durable: BTreeMap<Tp, i64>,
    stats: SourceStats,
    watermarks_at: Instant,
    /// Without `--follow`: (low, high) of every partition at the start.
    ends: Option<BTreeMap<Tp, (i64, i64)>>,
    /// The store's positions of partitions held by other workers.
    others: BTreeMap<Tp, i64>,
    others_at: Instant,
    /// Since when this worker has held no partition.
    idle_since: Instant,
    /// The end was reached: the last offset commit waits for the broker.
    finished: bool,
}

impl std::fmt::Debug for KafkaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSource").field("id", &self.id).finish()
    }
}

fn kafka_err(origin: &str, e: impl std::fmt::Display) -> Error {
    Error::Source {
        origin: origin.to_owned(),
        reason: e.to_string(),
    }
}

impl KafkaSource {
    pub fn connect(
        url: &str,
        positions: Arc<dyn Positions>,
        options: KafkaOptions,
    ) -> Result<Self> {
        let parsed = KafkaUrl::parse(url)?;
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &parsed.brokers)
            .set("group.id", &parsed.group)
            .set("client.id", "keyledger")
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            // A worker that dies is replaced within seconds, not Kafka's 45.
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "2000")
            // Bulk reading: large fetches, answered soon (measured 3.2×
            // faster than librdkafka's defaults against a real broker).
            .set("max.partition.fetch.bytes", "16777216")
            .set("fetch.wait.max.ms", "50");
        for (k, v) in &parsed.properties {
            config.set(k, v);
        }
        let consumer: StreamConsumer<Ctx> = config
            .create_with_context(Ctx::default())
            .map_err(|e| kafka_err(url, e))?;
        let topics: Vec<&str> = parsed.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics).map_err(|e| kafka_err(url, e))?;
        Ok(KafkaSource {
            id: format!("kafka://{}/{}", parsed.brokers, parsed.topics.join(",")),
            url: parsed,
            consumer: Arc::new(consumer),
            positions,
            asm: Assembler::new(options.chunk_bytes),
            options,
            seen_generation: 0,
            partitions: HashMap::new(),
            pending: BTreeMap::new(),
            durable: BTreeMap::new(),
            stats: SourceStats::default(),
            watermarks_at: Instant::now(),
            ends: None,
            others: BTreeMap::new(),
            others_at: Instant::now(),
            idle_since: Instant::now(),
            finished: false,
        })
    }

    /// Low and high watermarks of partitions, from the brokers.
    async fn watermarks(&self, tps: Vec<Tp>) -> Result<Vec<(Tp, (i64, i64))>> {
        let consumer = Arc::clone(&self.consumer);
        let id = self.id.clone();
        tokio::task::spawn_blocking(move || {
            tps.into_iter()
                .map(|tp| {
                    let w = consumer
                        .fetch_watermarks(&tp.0, tp.1, Duration::from_secs(30))
                        .map_err(|e| kafka_err(&format!("{id} {}/{}", tp.0, tp.1), e))?;
                    Ok((tp, w))
                })
                .collect()
        })
        .await
        .map_err(|e| Error::Worker(e.to_string()))?
    }

    /// After a rebalance: forget revoked partitions; position new ones from
    /// the store. A broker or store that cannot answer now is asked again
    /// on the next pass; messages of unpositioned partitions wait.
    async fn sync_assignment(&mut self) {
        let ctx = self.consumer.context();
        let generation = ctx.generation.load(Ordering::SeqCst);
        if generation == self.seen_generation {
            return;
        }
        let assigned = ctx.assigned.lock().map(|a| a.clone()).unwrap_or_default();
        self.partitions.retain(|tp, _| assigned.contains(tp));
        let new: Vec<Tp> = assigned
            .into_iter()
            .filter(|tp| !self.partitions.contains_key(tp))
            .collect();
        if !new.is_empty()
            && let Err(e) = self.position_new(new).await
        {
            tracing::warn!(source = self.id, error = %e, "cannot position new partitions yet");
            return;
        }
        self.seen_generation = generation;
    }

    async fn position_new(&mut self, new: Vec<Tp>) -> Result<()> {
        let stored = self.stored().await?;
        for (tp, (low, high)) in self.watermarks(new).await? {
            let next = self.stored_next(&stored, &tp).unwrap_or(low).max(low);
            tracing::info!(
                topic = tp.0,
                partition = tp.1,
                next,
                high,
                "partition positioned from the store"
            );
            self.partitions.insert(
                tp,
                Partition {
                    next,
                    high,
                    positioned: false,
                    last_message: Instant::now(),
                },
            );
        }
        self.position();
        Ok(())
    }

    /// The store's checkpoints.
    async fn stored(&self) -> Result<BTreeMap<String, serde_json::Value>> {
        self.positions
            .load()
            .await
            .map_err(|e| kafka_err(&self.id, format!("reading the store's positions: {e}")))
    }

    /// The next offset the store records for a partition.
    fn stored_next(&self, stored: &BTreeMap<String, serde_json::Value>, tp: &Tp) -> Option<i64> {
        stored
            .get(&self.url.checkpoint(&tp.0, tp.1))
            .and_then(|p| p.get("next_offset"))
            .and_then(serde_json::Value::as_i64)
    }

    /// Without `--follow`: every partition of the topics has reached the
    /// end it had when the run started — by this worker, or (as the store
    /// says) by another. Partitions a dead worker still holds are waited
    /// for until the group hands them over.
    fn at_end(&self) -> bool {
        let Some(ends) = self.ends.as_ref().filter(|_| !self.options.follow) else {
            return false;
        };
        ends.iter()
            .all(|(tp, &(low, high))| match self.partitions.get(tp) {
                // Caught up, and quiet: a broker's watermark can lag what it
                // still delivers.
                Some(p) => p.next >= high.max(p.high) && p.last_message.elapsed() >= QUIET,
                None => high <= low || self.others.get(tp).is_some_and(|at| *at >= high),
            })
    }

    /// The partitions of the topics and their ends, once, at the start.
    async fn load_ends(&mut self) -> Result<()> {
        if self.options.follow || self.ends.is_some() {
            return Ok(());
        }
        let consumer = Arc::clone(&self.consumer);
        let topics = self.url.topics.clone();
        let id = self.id.clone();
        let tps = tokio::task::spawn_blocking(move || {
            let mut tps = Vec::new();
            for topic in topics {
                let md = consumer
                    .fetch_metadata(Some(&topic), Duration::from_secs(30))
                    .map_err(|e| kafka_err(&id, e))?;
                for t in md.topics() {
                    if let Some(e) = t.error() {
                        let e = rdkafka::error::RDKafkaErrorCode::from(e);
                        return Err(kafka_err(&id, format!("topic {topic}: {e}")));
                    }
                    tps.extend(t.partitions().iter().map(|p| (topic.clone(), p.id())));
                }
            }
            Ok(tps)
        })
        .await
        .map_err(|e| Error::Worker(e.to_string()))??;
        let ends = self.watermarks(tps).await?.into_iter().collect();
        self.ends = Some(ends);
        Ok(())
    }

    /// While waiting on partitions another worker holds: what the store
    /// has of them (every few seconds).
    async fn refresh_others(&mut self) -> Result<()> {
        let Some(ends) = &self.ends else {
            return Ok(());
        };
        let ours_done = self.partitions.values().all(|p| p.next >= p.high);
        if !ours_done || self.others_at.elapsed() < Duration::from_secs(2) {
            return Ok(());
        }
        self.others_at = Instant::now();
        let stored = self.stored().await?;
        let theirs: Vec<Tp> = ends
            .keys()
            .filter(|tp| !self.partitions.contains_key(*tp))
            .cloned()
            .collect();
        for tp in theirs {
            if let Some(at) = self.stored_next(&stored, &tp) {
                self.others.insert(tp, at);
            }
        }
        Ok(())
    }

    fn take(&mut self) -> Chunk {
        let mut chunk = self.asm.take();
        chunk.checkpoints = std::mem::take(&mut self.pending)
            .into_iter()
            .map(|((topic, partition), next)| Checkpoint {
                source: self.url.checkpoint(&topic, partition),
                position: json!({ "next_offset": next }),
            })
            .collect();
        chunk
    }

    /// Refresh high watermarks (for lag) every few seconds.
    async fn refresh_lag(&mut self) {
        if self.watermarks_at.elapsed() < Duration::from_secs(5) || self.partitions.is_empty() {
            return;
        }
        self.watermarks_at = Instant::now();
        let tps = self.partitions.keys().cloned().collect();
        // Only a gauge: a broker that cannot answer now is not an error.
        match self.watermarks(tps).await {
            Ok(w) => {
                for (tp, (_, high)) in w {
                    if let Some(p) = self.partitions.get_mut(&tp) {
                        p.high = high;
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "watermarks unavailable"),
        }
    }

    /// Move partitions not yet positioned to the store's position. A seek
    /// fails until librdkafka has started fetching the partition; it is
    /// tried again on the next message or pause.
    fn position(&mut self) {
        for ((topic, partition), p) in &mut self.partitions {
            if p.positioned {
                continue;
            }
            let sought = self.consumer.seek(
                topic,
                *partition,
                Offset::Offset(p.next),
                Duration::from_secs(5),
            );
            match sought {
                Ok(()) => {
                    tracing::debug!(topic, partition, offset = p.next, "positioned");
                    p.positioned = true;
                }
                Err(e) => tracing::debug!(topic, partition, error = %e, "not positioned yet"),
            }
        }
    }

    /// A group that leaves this worker without partitions for long while
    /// the topics are unfinished has lost track of it (some brokers do not
    /// notice dead members until someone joins): join again.
    fn rejoin_if_idle(&mut self) {
        if !self.partitions.is_empty() {
            self.idle_since = Instant::now();
            return;
        }
        if self.idle_since.elapsed() < REJOIN_AFTER {
            return;
        }
        self.idle_since = Instant::now();
        tracing::warn!(
            source = self.id,
            "no partitions assigned for {REJOIN_AFTER:?}: joining the group again"
        );
        self.consumer.unsubscribe();
        let topics: Vec<&str> = self.url.topics.iter().map(String::as_str).collect();
        if let Err(e) = self.consumer.subscribe(&topics) {
            tracing::warn!(source = self.id, error = %e, "subscribing again failed");
        }
    }

    /// Accept or skip one message.
    fn handle(&mut self, m: &OwnedMessage) {
        let tp = (m.topic().to_owned(), m.partition());
        let offset = m.offset();
        // Not (or no longer) ours: its new owner reads it.
        let Some(p) = self.partitions.get_mut(&tp) else {
            return;
        };
        p.last_message = Instant::now();
        if !p.positioned {
            if offset != p.next {
                // Fetched from the group's position, not the store's.
                self.position();
                return;
            }
            p.positioned = true;
        }
        if offset < p.next {
            return; // already in the store
        }
        // A gap after positioning is real (compaction, retention,
        // transaction markers).
        p.next = offset + 1;
        p.high = p.high.max(offset + 1);
        self.pending.insert(tp.clone(), offset + 1);
        let payload = m.payload().unwrap_or_default();
        self.stats.objects += 1;
        self.stats.bytes += payload.len() as u64;
        let (records, quarantined) = (self.asm.records, self.asm.quarantined);
        let origin = format!("kafka://{}/{}@{offset}", tp.0, tp.1);
        push_message(&mut self.asm, &origin, payload, self.options.gateway_format);
        self.stats.records += self.asm.records - records;
        self.stats.quarantined += self.asm.quarantined - quarantined;
    }
}

/// Parse one message into `asm`; `origin` names topic, partition and offset.
pub fn push_message(asm: &mut Assembler, origin: &str, payload: &[u8], format: Option<Format>) {
    let Ok(text) = std::str::from_utf8(payload) else {
        asm.reject(origin, "message".into(), "not valid UTF-8".into(), payload);
        return;
    };
    let t = text.trim();
    if t.is_empty() {
        asm.reject(origin, "message".into(), "empty message".into(), payload);
        return;
    }
    if format.is_some() || !(t.starts_with('{') || t.starts_with('[')) {
        for (i, line) in t.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            asm.push_gateway(origin, i as u64 + 1, line, format);
        }
        return;
    }
    if t.contains("\"detail-type\"") {
        match serde_json::from_str::<serde_json::Value>(t) {
            Ok(v) if v.get("detail").is_some_and(serde_json::Value::is_object) => {
                asm.push_record(origin, "detail", &v["detail"].to_string());
            }
            Ok(_) => asm.reject(
                origin,
                "message".into(),
                "EventBridge event without a detail object".into(),
                payload,
            ),
            Err(e) => asm.reject(
                origin,
                "message".into(),
                format!("invalid JSON: {e}"),
                payload,
            ),
        }
        return;
    }
    for item in RecordReader::new(Cursor::new(t.as_bytes())) {
        asm.push_item(origin, item);
    }
}

#[async_trait::async_trait]
impl Source for KafkaSource {
    fn id(&self) -> &str {
        &self.id
    }

    async fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        let mut deadline = tokio::time::Instant::now() + self.options.linger;
        self.load_ends().await?;
        loop {
            self.sync_assignment().await;
            if self.at_end() {
                if self.asm.is_empty() && self.pending.is_empty() {
                    self.finished = true;
                    return Ok(None);
                }
                return Ok(Some(self.take()));
            }
            let received = tokio::select! {
                m = self.consumer.recv() => Some(m.map(|m| m.detach())),
                () = tokio::time::sleep_until(deadline) => None,
            };
            match received {
                None => {
                    self.position();
                    self.refresh_lag().await;
                    if !self.asm.is_empty() || !self.pending.is_empty() {
                        return Ok(Some(self.take()));
                    }
                    self.refresh_others().await?;
                    self.rejoin_if_idle();
                    deadline = tokio::time::Instant::now() + self.options.linger;
                }
                // Broker restarts and network trouble: librdkafka reconnects.
                Some(Err(e)) => tracing::warn!(source = self.id, error = %e, "kafka"),
                Some(Ok(m)) => {
                    self.sync_assignment().await;
                    self.handle(&m);
                    if self.asm.is_full() {
                        return Ok(Some(self.take()));
                    }
                }
            }
        }
    }

    /// Tell the group what the store now holds: as it goes, without
    /// waiting; at the end, every partition's position, waiting for the
    /// broker to confirm.
    async fn committed(&mut self, checkpoints: &[Checkpoint]) -> Result<()> {
        let prefix = format!("kafka://{}/", self.url.group);
        let mut now = BTreeMap::new();
        for ck in checkpoints {
            let Some((topic, partition)) = ck
                .source
                .strip_prefix(&prefix)
                .and_then(|rest| rest.rsplit_once('/'))
            else {
                continue;
            };
            let (Ok(partition), Some(next)) = (
                partition.parse::<i32>(),
                ck.position
                    .get("next_offset")
                    .and_then(serde_json::Value::as_i64),
            ) else {
                continue;
            };
            now.insert((topic.to_owned(), partition), next);
        }
        self.durable.extend(now.clone());
        let offsets = if self.finished {
            // Everything read is in the store: the group learns where every
            // partition this worker holds stands, read in this run or not.
            let mut all = self.durable.clone();
            all.extend(self.partitions.iter().map(|(tp, p)| (tp.clone(), p.next)));
            all
        } else {
            now
        };
        let mut tpl = TopicPartitionList::new();
        for ((topic, partition), next) in &offsets {
            let _ = tpl.add_partition_offset(topic, *partition, Offset::Offset(*next));
        }
        if tpl.count() == 0 {
            return Ok(());
        }
        if !self.finished {
            if let Err(e) = self.consumer.commit(&tpl, CommitMode::Async) {
                tracing::debug!(error = %e, "offset commit to the group failed; the store has them");
            }
            return Ok(());
        }
        // The last word: an earlier asynchronous commit may still land after
        // this one, so read the group's offsets back and repeat until they
        // are what the store holds (a few tries; the store stays the truth).
        let consumer = Arc::clone(&self.consumer);
        tokio::task::spawn_blocking(move || {
            for attempt in 1..=5 {
                let committed = consumer
                    .commit(&tpl, CommitMode::Sync)
                    .and_then(|()| consumer.committed_offsets(tpl.clone(), Duration::from_secs(10)));
                match committed {
                    Ok(got) if got.to_topic_map() == tpl.to_topic_map() => return,
                    Ok(_) => tracing::debug!(attempt, "the group's offsets lag the store's; committing again"),
                    Err(e) => tracing::debug!(attempt, error = %e, "offset commit to the group failed"),
                }
                std::thread::sleep(Duration::from_millis(200 * attempt));
            }
            tracing::warn!("the group's committed offsets could not be brought level with the store's (the store's are used)");
        })
        .await
        .map_err(|e| Error::Worker(e.to_string()))
    }

    fn stats(&self) -> SourceStats {
        self.stats
    }

    fn unit(&self) -> &'static str {
        "messages"
    }

    fn lag(&self) -> Option<u64> {
        Some(
            self.partitions
                .values()
                .map(|p| (p.high - p.next).max(0) as u64)
                .sum(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u =
            KafkaUrl::parse("kafka://a:9092,b:9092/ct,gw?group=g&security.protocol=ssl").unwrap();
        assert_eq!(u.brokers, "a:9092,b:9092");
        assert_eq!(u.topics, ["ct", "gw"]);
        assert_eq!(u.group, "g");
        assert_eq!(u.properties, [("security.protocol".into(), "ssl".into())]);
        assert_eq!(u.checkpoint("ct", 3), "kafka://g/ct/3");
        for bad in [
            "kafka://a:1/t",
            "kafka://a:1?group=g",
            "kafka:///t?group=g",
            "http://a/t?group=g",
        ] {
            assert!(KafkaUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
