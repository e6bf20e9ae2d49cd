//! `keyledger ingest`: sources → store, with progress, and a summary.

use std::{
    io::IsTerminal,
    path::Path,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use keyledger_ingest::{
    Source,
    digest::{IntegrityReport, load_public_keys},
    source::{
        file::{FileOptions, FileSource},
        kms::KmsSource,
    },
};
use keyledger_store::{QuarantineRecord, Store, WriterOptions};

use crate::{EXIT_TAMPERED, cli::IngestArgs};

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

/// Open a source from its command-line form.
async fn open_source(spec: &str, args: &IngestArgs) -> Result<Box<dyn Source>> {
    if let Some(region) = spec.strip_prefix("kms://") {
        return Ok(Box::new(
            KmsSource::connect(region.trim_end_matches('/'), args.aws_max_attempts).await?,
        ));
    }
    if let Some((scheme, _)) = spec.split_once("://") {
        bail!("unsupported source scheme {scheme}:// in {spec:?}: give a path or kms://REGION");
    }
    let public_keys = match &args.trail_public_keys {
        Some(p) => Some(load_public_keys(p)?),
        None => None,
    };
    let options = FileOptions {
        threads: args.threads.unwrap_or_else(default_threads),
        public_keys,
        gateway_format: args.gateway_format,
        ..Default::default()
    };
    Ok(Box::new(FileSource::open(Path::new(spec), options)?))
}

/// Commit what the writer holds, then tell the source which checkpoints
/// are durable (never before: a crash in between re-reads, never loses).
async fn flush(
    writer: &mut keyledger_store::Writer,
    summary: &mut IngestSummary,
    pending: &mut Vec<keyledger_ingest::Checkpoint>,
    source: &mut dyn Source,
) -> Result<()> {
    if let Some(done) = writer.flush().await? {
        summary.stored += done.stats.written;
        summary.duplicates += done.stats.duplicates;
        summary.commits += 1;
    }
    for ck in pending.drain(..) {
        source.committed(&ck).await?;
    }
    Ok(())
}

/// Drain one source into the store.
pub async fn run_source(
    store: &Store,
    source: &mut dyn Source,
    bar: &ProgressBar,
) -> Result<IngestSummary> {
    let started = Instant::now();
    let mut writer = store.writer(WriterOptions::default()).await?;
    let mut summary = IngestSummary::default();
    let mut pending = Vec::new();
    while let Some(chunk) = source
        .next_chunk()
        .await
        .with_context(|| format!("reading {}", source.id()))?
    {
        for (stream, batch) in &chunk.batches {
            writer.append(*stream, batch)?;
        }
        for q in chunk.quarantine {
            writer.quarantine(QuarantineRecord::new(
                q.origin, q.position, q.reason, q.payload,
            ));
        }
        if let Some(ck) = chunk.checkpoint {
            writer.checkpoint(&ck.source, ck.position.clone());
            pending.push(ck);
        }
        if writer.should_flush() {
            flush(&mut writer, &mut summary, &mut pending, source).await?;
        }
        let s = source.stats();
        let secs = started.elapsed().as_secs_f64().max(0.001);
        bar.set_message(format!(
            "{} {}, {} events ({:.0}/s), {:.0} MB, {} quarantined",
            s.objects,
            source.unit(),
            s.records,
            s.records as f64 / secs,
            s.bytes as f64 / 1e6,
            s.quarantined
        ));
    }
    flush(&mut writer, &mut summary, &mut pending, source).await?;
    let s = source.stats();
    summary.objects = s.objects;
    summary.bytes = s.bytes;
    summary.records = s.records;
    summary.quarantined = s.quarantined;
    summary.skipped = s.skipped;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn print_integrity(report: &IntegrityReport) -> bool {
    eprintln!(
        "digests: {} checked, {} log files verified, {} signatures verified",
        report.digests, report.logs_verified, report.signatures_verified
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
    let mut code = 0;
    for spec in &args.sources {
        let mut source = open_source(spec, &args).await?;
        let bar = progress_bar("ingesting");
        let s = run_source(&store, source.as_mut(), &bar).await?;
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
