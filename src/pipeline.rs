//! `keyledger ingest`: sources → store, with progress, and a summary.

use std::{
    collections::BTreeMap,
    io::IsTerminal,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use keyledger_ingest::{
    Source,
    digest::{IntegrityReport, load_public_keys},
    source::{
        file::{FileOptions, FileSource},
        kafka::{KafkaOptions, KafkaSource, Positions},
        kms::KmsSource,
        s3::{S3Options, S3Source},
    },
};
use keyledger_store::{QuarantineRecord, Snapshot, Store, Writer, WriterOptions};

use crate::{EXIT_TAMPERED, cli::IngestArgs, metrics::IngestMetrics};

pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// A spinner on a terminal; hidden otherwise (logs and CI stay clean).
pub fn progress_bar(prefix: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_prefix(prefix);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Totals of one ingest run.
#[derive(Debug, Default, Clone, Copy)]
pub struct IngestSummary {
    pub objects: u64,
    pub bytes: u64,
    pub records: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub skipped: u64,
    pub commits: u64,
    pub seconds: f64,
}

/// The store's checkpoints, for Kafka consumers positioning new partitions:
/// a snapshot kept up to date by reading only the commits after it.
#[derive(Debug)]
struct StorePositions {
    store: Store,
    snapshot: tokio::sync::Mutex<keyledger_store::Snapshot>,
}

#[async_trait::async_trait]
impl Positions for StorePositions {
    async fn load(&self) -> Result<BTreeMap<String, serde_json::Value>, String> {
        let mut snapshot = self.snapshot.lock().await;
        self.store
            .catch_up(&mut snapshot)
            .await
            .map_err(|e| e.to_string())?;
        Ok(snapshot.checkpoints.clone())
    }
}

/// Open a source from its command-line form.
/// `snapshot` is the store as the run starts (its checkpoints resume S3 and
/// Kafka sources).
async fn open_source(
    spec: &str,
    args: &IngestArgs,
    store: &Store,
    snapshot: &Snapshot,
) -> Result<Box<dyn Source>> {
    let public_keys = match &args.trail_public_keys {
        Some(p) => Some(load_public_keys(p)?),
        None => None,
    };
    let threads = args.threads.unwrap_or_else(default_threads);
    let r = &args.remote;
    let s3 = || S3Options {
        concurrency: r.concurrency,
        threads,
        public_keys: public_keys.clone(),
        gateway_format: args.gateway_format,
        since: r.since,
        settle: Duration::from_secs(r.settle_secs),
        max_attempts: args.aws_max_attempts,
        ..Default::default()
    };
    if let Some(region) = spec.strip_prefix("kms://") {
        return Ok(Box::new(
            KmsSource::connect(region.trim_end_matches('/'), args.aws_max_attempts).await?,
        ));
    }
    if spec.starts_with("s3://") {
        return Ok(Box::new(
            S3Source::open(spec, &snapshot.checkpoints, s3()).await?,
        ));
    }
    if let Some(path) = spec.strip_prefix("notifications:") {
        return Ok(Box::new(
            S3Source::from_notifications(Path::new(path), s3()).await?,
        ));
    }
    if spec.starts_with("kafka://") {
        let options = KafkaOptions {
            follow: r.follow,
            gateway_format: args.gateway_format,
            ..Default::default()
        };
        let positions = Arc::new(StorePositions {
            store: store.clone(),
            snapshot: tokio::sync::Mutex::new(snapshot.clone()),
        });
        return Ok(Box::new(KafkaSource::connect(spec, positions, options)?));
    }
    if let Some((scheme, _)) = spec.split_once("://") {
        bail!(
            "unsupported source scheme {scheme}:// in {spec:?}: give a path, s3://, notifications:, kafka:// or kms://"
        );
    }
    let options = FileOptions {
        threads,
        public_keys,
        gateway_format: args.gateway_format,
        ..Default::default()
    };
    Ok(Box::new(FileSource::open(Path::new(spec), options)?))
}

/// How a run commits, and what it reports to.
#[derive(Debug, Clone)]
struct RunOptions {
    /// Commit when this much is buffered.
    flush_bytes: usize,
    /// Commit at least this often while a source's checkpoints advance
    /// (S3, Kafka): they save re-reading after a crash.
    commit_interval: Duration,
    metrics: IngestMetrics,
}

/// Drain one source into the store: commit when the buffer is full or the
/// interval has passed, and at the end or on Ctrl-C.
async fn run_source(
    mut writer: Writer,
    source: &mut dyn Source,
    bar: &ProgressBar,
    run: &RunOptions,
) -> Result<IngestSummary> {
    let started = Instant::now();
    let mut summary = IngestSummary::default();
    let mut pending = Vec::new();
    let mut last_commit = Instant::now();
    let id = source.id().to_owned();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let next = tokio::select! {
            next = source.next_chunk() => next.with_context(|| format!("reading {id}"))?,
            _ = &mut interrupted => {
                tracing::info!(source = id, "interrupted: committing what was read");
                None
            }
        };
        let Some(chunk) = next else { break };
        for (stream, batch) in &chunk.batches {
            writer.append(*stream, batch)?;
        }
        for q in chunk.quarantine {
            writer.quarantine(QuarantineRecord::new(
                q.origin, q.position, q.reason, q.payload,
            ));
        }
        for ck in chunk.checkpoints {
            writer.checkpoint(&ck.source, ck.position.clone());
            pending.push(ck);
        }
        let due = !pending.is_empty() && last_commit.elapsed() >= run.commit_interval;
        if writer.should_flush() || due {
            commit(&mut writer, &mut summary, &mut pending, source, run).await?;
            last_commit = Instant::now();
        }
        report(source, started, bar, run);
    }
    commit(&mut writer, &mut summary, &mut pending, source, run).await?;
    report(source, started, bar, run);
    let s = source.stats();
    summary.objects = s.objects;
    summary.bytes = s.bytes;
    summary.records = s.records;
    summary.quarantined = s.quarantined;
    summary.skipped = s.skipped;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Commit what the writer holds, then tell the source which checkpoints
/// are durable (never before: a crash in between re-reads, never loses).
async fn commit(
    writer: &mut Writer,
    summary: &mut IngestSummary,
    pending: &mut Vec<keyledger_ingest::Checkpoint>,
    source: &mut dyn Source,
    run: &RunOptions,
) -> Result<()> {
    if let Some(done) = writer.flush().await? {
        summary.stored += done.stats.written;
        summary.duplicates += done.stats.duplicates;
        summary.commits += 1;
        tracing::info!(
            source = source.id(),
            sequence = done.sequence,
            stored = done.stats.written,
            duplicates = done.stats.duplicates,
            quarantined = done.stats.quarantined,
            conflicts = done.conflicts,
            "committed"
        );
        run.metrics.update(source.id(), |c| {
            c.events += done.stats.written;
            c.duplicates += done.stats.duplicates;
            c.commits += 1;
        });
    }
    source.committed(pending).await?;
    pending.clear();
    Ok(())
}

/// Progress on the terminal, and the source's gauges in the metrics.
fn report(source: &dyn Source, started: Instant, bar: &ProgressBar, run: &RunOptions) {
    let s = source.stats();
    let lag = source.lag();
    run.metrics.update(source.id(), |c| {
        c.objects = s.objects;
        c.bytes = s.bytes;
        c.quarantined = s.quarantined;
        c.lag = lag;
    });
    let secs = started.elapsed().as_secs_f64().max(0.001);
    bar.set_message(format!(
        "{} {}, {} events ({:.0}/s), {:.0} MB, {} quarantined{}",
        s.objects,
        source.unit(),
        s.records,
        s.records as f64 / secs,
        s.bytes as f64 / 1e6,
        s.quarantined,
        lag.map(|l| format!(", lag {l}")).unwrap_or_default()
    ));
}

fn print_integrity(report: &IntegrityReport) -> bool {
    eprintln!(
        "digests: {} checked, {} log files verified, {} signatures verified{}",
        report.digests,
        report.logs_verified,
        report.signatures_verified,
        match report.logs_outside_run {
            0 => String::new(),
            n =>
                format!(" ({n} listed log files were read by an earlier run or are before --since)"),
        }
    );
    for issue in &report.issues {
        let level = if issue.is_error() {
            "INTEGRITY ERROR"
        } else {
            "warning"
        };
        eprintln!("{level}: {issue}");
    }
    report.errors().next().is_none()
}

pub async fn ingest(args: IngestArgs) -> Result<u8> {
    let store = Store::open(&args.store.store)?;
    let r = &args.remote;
    let run = RunOptions {
        flush_bytes: r.flush_mb.max(1) << 20,
        commit_interval: Duration::from_secs(r.commit_interval_secs.max(1)),
        metrics: IngestMetrics::default(),
    };
    if let Some(addr) = r.metrics_listen {
        run.metrics.serve(addr).await?;
    }
    let mut code = 0;
    for spec in &args.sources {
        let options = WriterOptions {
            flush_bytes: run.flush_bytes,
            ..Default::default()
        };
        let writer = store.writer(options).await?;
        let mut source = open_source(spec, &args, &store, writer.snapshot()).await?;
        let bar = progress_bar("ingesting");
        let s = run_source(writer, source.as_mut(), &bar, &run).await?;
        bar.finish_and_clear();
        eprintln!(
            "{spec}: read {} {} ({:.1} MB) and {} records in {:.1}s ({:.0} records/s); stored {} new events, {} already stored, {} quarantined{}",
            s.objects,
            source.unit(),
            s.bytes as f64 / 1e6,
            s.records,
            s.seconds,
            s.records as f64 / s.seconds.max(0.001),
            s.stored,
            s.duplicates,
            s.quarantined,
            if s.skipped > 0 {
                format!(", {} non-log files skipped", s.skipped)
            } else {
                String::new()
            }
        );
        if s.quarantined > 0 {
            eprintln!(
                "quarantined input is kept, with reasons, under {}/quarantine/",
                store.url()
            );
        }
        if let Some(report) = source.integrity()
            && !print_integrity(&report)
        {
            code = EXIT_TAMPERED;
        }
    }
    Ok(code)
}
