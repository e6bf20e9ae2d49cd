//! S3: `s3://bucket/prefix`, typically a CloudTrail delivery bucket.
//!
//! **Walking.** Below `AWSLogs/` the layout is known —
//! `[o-org/]account/CloudTrail[-Digest]/region/YYYY/MM/DD/…` — so the walk
//! lists only the levels it must (with a delimiter) down to each
//! account/region prefix, a *leaf*, and then lists each leaf flat, in key
//! order, starting after the leaf's checkpoint and after `--since` (keys
//! before that day are never listed). A prefix without `AWSLogs/` is one
//! leaf listed flat (gateway logs, custom layouts).
//!
//! **Reading.** Objects are fetched concurrently (a bounded number in
//! flight) and parsed by a pool of threads, through the same readers as
//! local files: gzip, CloudTrail envelopes, gateway logs, digests — whose
//! signature is the object's `x-amz-meta-signature`.
//!
//! **Checkpoints.** Each leaf has one: the last key such that it and every
//! key before it in the leaf has been read into committed chunks. Objects
//! finish out of order, so a key is only used once every earlier ordinal
//! has finished. An object modified within the settle window of the
//! listing does not move its leaf's checkpoint (a slower PUT of an earlier
//! key may still be landing); the next run reads it again and the store's
//! deduplication drops what is already there.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{Cursor, Read},
    sync::{Arc, Mutex},
    thread,
    time::{Duration, SystemTime},
};

use aws_sdk_s3::Client;
use bytes::Bytes;
use chrono::{Datelike, NaiveDate};
use futures::StreamExt;
use keyledger_schemas::gateway::Format;
use serde_json::json;
use tokio::sync::mpsc;

use super::{
    Checkpoint, Chunk, Source, SourceStats,
    object::{Collector, Done, Msg, Object, kind_of, read_object},
};
use crate::{
    Error, Result,
    assemble::{Assembler, DEFAULT_CHUNK_BYTES},
    digest::{IntegrityReport, PublicKeys},
};

#[derive(Debug, Clone)]
pub struct S3Options {
    /// Objects being fetched at once.
    pub concurrency: usize,
    /// Threads parsing fetched objects.
    pub threads: usize,
    pub chunk_bytes: usize,
    pub public_keys: Option<PublicKeys>,
    pub gateway_format: Option<Format>,
    /// Skip CloudTrail days before this one without listing them.
    pub since: Option<NaiveDate>,
    /// Objects modified this recently do not move a checkpoint.
    pub settle: Duration,
    /// Objects larger than this are parsed as they download, not fetched
    /// whole first (memory stays bounded for multi-gigabyte logs).
    pub stream_above: u64,
    pub max_attempts: u32,
}

impl Default for S3Options {
    fn default() -> Self {
        S3Options {
            concurrency: 16,
            threads: thread::available_parallelism().map_or(2, |n| n.get()),
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            public_keys: None,
            gateway_format: None,
            since: None,
            settle: Duration::from_secs(15 * 60),
            stream_above: 16 << 20,
            max_attempts: 10,
        }
    }
}

/// One object to read.
#[derive(Debug)]
struct Work {
    seq: u64,
    bucket: Arc<str>,
    key: String,
    /// The leaf whose checkpoint this object may move (none for
    /// notifications).
    leaf: Option<Arc<str>>,
    settled: bool,
}

/// An object's bytes: whole, or a reader over the download.
enum Payload {
    Whole(Bytes),
    Stream(Box<dyn Read + Send>),
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Payload::Whole(b) => write!(f, "Whole({} bytes)", b.len()),
            Payload::Stream(_) => f.write_str("Stream"),
        }
    }
}

type Fetched = (Work, Payload, Option<String>);

/// Where the objects come from.
#[derive(Debug)]
enum Plan {
    /// Walk `bucket/prefix`, resuming from the leaf checkpoints (by
    /// [`leaf_id`]).
    Walk {
        bucket: String,
        prefix: String,
        after: BTreeMap<String, String>,
    },
    /// Exactly these objects (from S3 event notifications).
    Objects(Vec<(String, String)>),
}

/// Reads CloudTrail (or gateway) logs from S3.
#[derive(Debug)]
pub struct S3Source {
    id: String,
    /// The walked bucket (checkpoint names); empty for notifications.
    bucket: String,
    collector: Collector,
    /// Finished objects not yet contiguous with `next_seq`.
    finished: BTreeMap<u64, Done>,
    next_seq: u64,
    /// Leaves whose checkpoint may no longer move in this run.
    frozen: BTreeSet<Arc<str>>,
}

/// Split `s3://bucket/prefix` into bucket and prefix (`""` or ending in `/`).
pub fn parse_url(url: &str) -> Result<(String, String)> {
    let rest = url.strip_prefix("s3://").unwrap_or(url);
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(Error::Source {
            origin: url.to_owned(),
            reason: "no bucket: use s3://bucket/prefix".into(),
        });
    }
    let prefix = prefix.trim_matches('/');
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    Ok((bucket.to_owned(), prefix))
}

/// The checkpoint name of one leaf.
fn leaf_id(bucket: &str, leaf: &str) -> String {
    format!("s3://{bucket}/{leaf}")
}

pub async fn client(max_attempts: u32) -> Client {
    let config = super::aws::config(None, max_attempts).await;
    // Emulators and many S3-compatible stores want path-style addressing.
    let path_style = config.endpoint_url().is_some();
    Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(path_style)
            .build(),
    )
}

impl S3Source {
    /// Walk `s3://bucket/prefix`. `checkpoints` are the store's, by source
    /// name; those of this bucket's leaves are resumed from.
    pub async fn open(
        url: &str,
        checkpoints: &BTreeMap<String, serde_json::Value>,
        options: S3Options,
    ) -> Result<Self> {
        let (bucket, prefix) = parse_url(url)?;
        let head = format!("s3://{bucket}/");
        let after = checkpoints
            .iter()
            .filter(|(k, _)| k.starts_with(&head))
            .filter_map(|(k, v)| Some((k.clone(), v.get("after")?.as_str()?.to_owned())))
            .collect();
        let plan = Plan::Walk {
            bucket: bucket.clone(),
            prefix: prefix.clone(),
            after,
        };
        Ok(Self::start(format!("s3://{bucket}/{prefix}"), plan, options).await)
    }

    /// Read the objects named by S3 event notifications in `path` (see
    /// [`super::notify::parse_notifications`]).
    pub async fn from_notifications(path: &std::path::Path, options: S3Options) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.into(),
            source,
        })?;
        let objects =
            super::notify::parse_notifications(&text).map_err(|reason| Error::Source {
                origin: path.display().to_string(),
                reason,
            })?;
        Ok(Self::start(
            format!("notifications:{}", path.display()),
            Plan::Objects(objects),
            options,
        )
        .await)
    }

    async fn start(id: String, plan: Plan, options: S3Options) -> Self {
        let bucket = match &plan {
            Plan::Walk { bucket, .. } => bucket.clone(),
            Plan::Objects(_) => String::new(),
        };
        let client = client(options.max_attempts).await;
        let threads = options.threads.max(1);
        let (tx, rx) = mpsc::channel(threads * 2);
        let (work_tx, work_rx) = mpsc::channel::<Work>(1024);
        let (fetched_tx, fetched_rx) = mpsc::channel::<Fetched>(threads * 2);

        // Lister: the work, in key order.
        let lister_tx = tx.clone();
        let list_client = client.clone();
        let settle = options.settle;
        let since = options.since;
        tokio::spawn(async move {
            let listed = match plan {
                Plan::Walk {
                    bucket,
                    prefix,
                    after,
                } => {
                    walk(Walk {
                        client: &list_client,
                        bucket: &bucket,
                        prefix: &prefix,
                        after: &after,
                        since,
                        settle,
                        work: &work_tx,
                        msgs: &lister_tx,
                    })
                    .await
                }
                Plan::Objects(objects) => {
                    for (seq, (bucket, key)) in objects.into_iter().enumerate() {
                        let w = Work {
                            seq: seq as u64,
                            bucket: bucket.into(),
                            key,
                            leaf: None,
                            settled: false,
                        };
                        if work_tx.send(w).await.is_err() {
                            break;
                        }
                    }
                    Ok(())
                }
            };
            if let Err(e) = listed {
                let _ = lister_tx.send(Msg::Failed(e)).await;
            }
        });

        // Fetchers: a bounded number of GETs in flight.
        let fetch_tx = tx.clone();
        let concurrency = options.concurrency.max(1);
        let stream_above = options.stream_above;
        tokio::spawn(async move {
            let mut work_rx = work_rx;
            let works = futures::stream::poll_fn(move |cx| work_rx.poll_recv(cx));
            let mut fetched = works
                .map(|w| {
                    let client = client.clone();
                    async move { fetch(&client, w, stream_above).await }
                })
                .buffer_unordered(concurrency);
            while let Some(r) = fetched.next().await {
                let sent = match r {
                    Ok(f) => fetched_tx.send(f).await.is_ok(),
                    Err(e) => {
                        let _ = fetch_tx.send(Msg::Failed(e)).await;
                        false
                    }
                };
                if !sent {
                    break;
                }
            }
        });

        // Parsers.
        let fetched_rx = Arc::new(Mutex::new(fetched_rx));
        for _ in 0..threads {
            let rx = Arc::clone(&fetched_rx);
            let tx = tx.clone();
            let (chunk_bytes, gateway_format) = (options.chunk_bytes, options.gateway_format);
            thread::spawn(move || parse_worker(&rx, &tx, chunk_bytes, gateway_format));
        }
        S3Source {
            id,
            bucket,
            collector: Collector::new(rx, options.public_keys),
            finished: BTreeMap::new(),
            next_seq: 0,
            frozen: BTreeSet::new(),
        }
    }
}

fn parse_worker(
    rx: &Mutex<mpsc::Receiver<Fetched>>,
    tx: &mpsc::Sender<Msg>,
    chunk_bytes: usize,
    gateway_format: Option<Format>,
) {
    let mut asm = Assembler::new(chunk_bytes);
    let mut done = Vec::new();
    loop {
        let next = rx.lock().map(|mut rx| rx.blocking_recv());
        let Ok(Some((work, payload, signature))) = next else {
            break;
        };
        let origin = format!("s3://{}/{}", work.bucket, work.key);
        let obj = Object {
            origin: &origin,
            kind: kind_of(&work.key),
            gateway_format,
        };
        let input: Box<dyn Read + Send> = match payload {
            Payload::Whole(bytes) => Box::new(Cursor::new(bytes)),
            Payload::Stream(reader) => reader,
        };
        if read_object(&obj, Ok(input), || signature, &mut asm, tx).is_err() {
            return;
        }
        done.push(Done {
            seq: work.seq,
            leaf: work.leaf,
            key: work.key,
            settled: work.settled,
        });
        if asm.is_full() || done.len() >= 256 {
            let chunk = asm.take();
            if tx
                .blocking_send(Msg::Chunk(chunk, std::mem::take(&mut done)))
                .is_err()
            {
                return;
            }
        }
    }
    let _ = tx.blocking_send(Msg::Chunk(asm.take(), done));
}

/// GET one object: its bytes (still compressed) — whole, or as a reader
/// over the download when it is large — and its digest signature.
async fn fetch(client: &Client, w: Work, stream_above: u64) -> Result<Fetched> {
    let failed = |reason: String| Error::Source {
        origin: format!("s3://{}/{}", w.bucket, w.key),
        reason,
    };
    let out = client
        .get_object()
        .bucket(&*w.bucket)
        .key(&w.key)
        .send()
        .await
        .map_err(|e| failed(aws_sdk_s3::error::DisplayErrorContext(&e).to_string()))?;
    let signature = out.metadata().and_then(|m| m.get("signature").cloned());
    let size = out.content_length().and_then(|n| u64::try_from(n).ok());
    if size.is_none_or(|n| n > stream_above) {
        // Read on a parser thread, blocking on this runtime.
        let reader = Box::pin(out.body.into_async_read());
        let reader = tokio_util::io::SyncIoBridge::new(reader);
        return Ok((w, Payload::Stream(Box::new(reader)), signature));
    }
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| failed(e.to_string()))?
        .into_bytes();
    Ok((w, Payload::Whole(body), signature))
}

/// Where a prefix sits in the CloudTrail layout, from its segments after
/// `AWSLogs/`.
#[derive(Debug)]
enum Level {
    /// List its children that pass the filter.
    Descend(fn(&str) -> bool),
    /// List everything below, flat.
    Leaf,
}

fn level(after_awslogs: &[&str]) -> Level {
    let is_trail = |s: &str| s.starts_with("CloudTrail");
    match after_awslogs.iter().position(|s| is_trail(s)) {
        Some(i) if after_awslogs.len() > i + 1 => Level::Leaf,
        Some(_) => Level::Descend(|_| true), // regions
        None => match after_awslogs.last() {
            // organisation ids (o-…) and account ids
            None => Level::Descend(|_| true),
            Some(s) if s.starts_with("o-") => Level::Descend(|_| true),
            // an account: only CloudTrail's folders, not other services' logs
            Some(_) => Level::Descend(|s| s.starts_with("CloudTrail")),
        },
    }
}

/// Immediate child names of `prefix` (which ends in `/` or is empty).
async fn children(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<String>> {
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .delimiter("/")
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| list_error(bucket, prefix, &e))?;
        for cp in page.common_prefixes() {
            if let Some(p) = cp.prefix() {
                let name = p[prefix.len()..].trim_end_matches('/');
                out.push(name.to_owned());
            }
        }
    }
    Ok(out)
}

fn list_error(bucket: &str, prefix: &str, e: &impl std::error::Error) -> Error {
    Error::Source {
        origin: format!("s3://{bucket}/{prefix}"),
        reason: format!("cannot list: {}", aws_sdk_s3::error::DisplayErrorContext(e)),
    }
}

/// The leaf prefixes below `prefix`.
async fn leaves(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<String>> {
    let segments: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
    let start = match segments.iter().position(|s| *s == "AWSLogs") {
        Some(i) => (prefix.to_owned(), segments.len() - i - 1),
        None if children(client, bucket, prefix)
            .await?
            .iter()
            .any(|c| c == "AWSLogs") =>
        {
            (format!("{prefix}AWSLogs/"), 0)
        }
        None => return Ok(vec![prefix.to_owned()]),
    };
    // Depth-first, in key order, so leaves come out sorted.
    let mut out = Vec::new();
    let mut stack = vec![start];
    while let Some((p, depth)) = stack.pop() {
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        match level(&segs[segs.len() - depth..]) {
            Level::Leaf => out.push(p),
            Level::Descend(keep) => {
                let mut kids = children(client, bucket, &p).await?;
                kids.retain(|k| keep(k));
                for k in kids.into_iter().rev() {
                    stack.push((format!("{p}{k}/"), depth + 1));
                }
            }
        }
    }
    Ok(out)
}

/// Is `leaf` an account/region prefix, under which keys start `YYYY/MM/DD/`?
fn is_region_leaf(leaf: &str) -> bool {
    let segs: Vec<&str> = leaf.split('/').filter(|s| !s.is_empty()).collect();
    segs.len() >= 2 && segs[segs.len() - 2].starts_with("CloudTrail")
}

/// What the lister needs.
#[derive(Debug)]
struct Walk<'a> {
    client: &'a Client,
    bucket: &'a str,
    prefix: &'a str,
    after: &'a BTreeMap<String, String>,
    since: Option<NaiveDate>,
    settle: Duration,
    work: &'a mpsc::Sender<Work>,
    /// Told which key ranges are skipped (for digest checks).
    msgs: &'a mpsc::Sender<Msg>,
}

async fn walk(w: Walk<'_>) -> Result<()> {
    let Walk {
        client,
        bucket,
        prefix,
        after,
        since,
        settle,
        work: tx,
        msgs,
    } = w;
    let bucket_name: Arc<str> = bucket.into();
    let mut seq = 0u64;
    for leaf in leaves(client, bucket, prefix).await? {
        let listed_at = SystemTime::now();
        let mut start_after = after.get(&leaf_id(bucket, &leaf)).cloned();
        if let Some(day) = since.filter(|_| is_region_leaf(&leaf)) {
            let first = format!(
                "{leaf}{:04}/{:02}/{:02}/",
                day.year(),
                day.month(),
                day.day()
            );
            start_after = start_after.max(Some(first));
        }
        tracing::debug!(leaf, start_after, "listing");
        if let Some(up_to) = &start_after {
            let skipped = Msg::Skipped {
                prefix: leaf.clone(),
                up_to: up_to.clone(),
            };
            if msgs.send(skipped).await.is_err() {
                return Ok(());
            }
        }
        let leaf_arc: Arc<str> = leaf.as_str().into();
        let mut pages = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(&leaf)
            .set_start_after(start_after)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| list_error(bucket, &leaf, &e))?;
            for o in page.contents() {
                let Some(key) = o.key() else { continue };
                let modified = o
                    .last_modified()
                    .and_then(|t| SystemTime::try_from(*t).ok())
                    .unwrap_or(listed_at);
                let settled = listed_at
                    .duration_since(modified)
                    .is_ok_and(|age| age >= settle);
                let w = Work {
                    seq,
                    bucket: bucket_name.clone(),
                    key: key.to_owned(),
                    leaf: Some(leaf_arc.clone()),
                    settled,
                };
                seq += 1;
                if tx.send(w).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl Source for S3Source {
    fn id(&self) -> &str {
        &self.id
    }

    async fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        let Some((mut chunk, done)) = self.collector.next().await? else {
            return Ok(None);
        };
        for d in done {
            self.finished.insert(d.seq, d);
        }
        let mut moved = BTreeMap::new();
        while let Some(d) = self.finished.remove(&self.next_seq) {
            self.next_seq += 1;
            let Some(leaf) = d.leaf else { continue };
            if !d.settled {
                self.frozen.insert(leaf);
            } else if !self.frozen.contains(&leaf) {
                moved.insert(leaf, d.key);
            }
        }
        chunk.checkpoints = moved
            .into_iter()
            .map(|(leaf, key)| Checkpoint {
                source: leaf_id(&self.bucket, &leaf),
                position: json!({ "after": key }),
            })
            .collect();
        Ok(Some(chunk))
    }

    fn stats(&self) -> SourceStats {
        self.collector.stats
    }

    fn unit(&self) -> &'static str {
        "objects"
    }

    fn integrity(&self) -> Option<IntegrityReport> {
        self.collector.integrity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_cloudtrail_layout() {
        assert!(matches!(level(&[]), Level::Descend(_)));
        assert!(matches!(level(&["o-abc123"]), Level::Descend(_)));
        let Level::Descend(account) = level(&["111122223333"]) else {
            panic!("an account is descended into")
        };
        assert!(account("CloudTrail") && account("CloudTrail-Digest"));
        assert!(!account("elasticloadbalancing"));
        assert!(matches!(
            level(&["o-abc", "1111", "CloudTrail"]),
            Level::Descend(_)
        ));
        assert!(matches!(
            level(&["1111", "CloudTrail", "us-east-1"]),
            Level::Leaf
        ));
        assert!(matches!(
            level(&["o-a", "1111", "CloudTrail", "eu-west-1"]),
            Level::Leaf
        ));
        assert!(is_region_leaf("t/AWSLogs/o-a/1111/CloudTrail/eu-west-1/"));
        assert!(!is_region_leaf("gateway/"));
    }

    #[test]
    fn urls() {
        assert_eq!(parse_url("s3://b").unwrap(), ("b".into(), "".into()));
        assert_eq!(
            parse_url("s3://b/p/q/").unwrap(),
            ("b".into(), "p/q/".into())
        );
        assert!(parse_url("s3:///x").is_err());
    }
}
