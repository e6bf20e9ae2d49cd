//! `keyledger generate`: a realistic organisation's CloudTrail, in the S3
//! delivery layout, with signed digest files.
//!
//! Seeded and deterministic: the same `--seed`, `--days`, `--scale` and
//! `--end` give the same bytes. Days are generated in parallel, each from
//! its own seeded stream, so the output does not depend on thread timing.

mod anomalies;
mod events;
mod gateway;
mod org;
mod rng;

use std::{
    collections::BTreeMap,
    fs,
    io::Write,
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
};

use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use flate2::{Compression, write::GzEncoder};
use keyledger_ingest::digest::{DigestFile, DigestSigner};
use serde_json::json;
use sha2::{Digest, Sha256};

use events::Generated;
pub use org::Org;
use org::{KeyState, ORG_ID, Pattern, REGIONS, TRAIL_BUCKET, TRAIL_NAME};
use rng::Rng;

/// Name of the PEM file, next to the corpus, with the public key that
/// verifies its digests (pass it to `ingest --trail-public-keys`).
pub const PUBLIC_KEY_FILE: &str = "trail-public-keys.pem";

#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    /// Days of full traffic before `end`.
    pub days: u32,
    /// Events per day (approximate).
    pub scale: u64,
    pub seed: u64,
    /// The corpus ends at 00:00 UTC of this day.
    pub end: NaiveDate,
    pub threads: usize,
    /// Inject labelled anomalies (needs at least 14 days).
    pub anomalies: bool,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub log_files: u64,
    pub digest_files: u64,
    pub events: u64,
    pub bytes: u64,
    /// Gateway access-log lines (under `gateway/`).
    pub gateway_lines: u64,
}

/// A delivered log file, as its digest lists it.
#[derive(Debug, Clone)]
struct LogFile {
    account: usize,
    region: &'static str,
    delivered: DateTime<Utc>,
    key: String,
    sha256: String,
    oldest: DateTime<Utc>,
    newest: DateTime<Utc>,
}

/// The labels of injected anomalies, next to the corpus (CSV: not read as logs).
pub const LABELS_FILE: &str = "anomaly-labels.csv";

/// What one day produced.
#[derive(Debug, Default)]
struct Day {
    events: Vec<Generated>,
    lines: Vec<gateway::Line>,
    labels: Vec<anomalies::Label>,
}

struct Ctx<'a> {
    org: &'a Org,
    opts: &'a Options,
    end: DateTime<Utc>,
    /// Sum of all flow and noise weights, to turn shares into rates.
    total_weight: f64,
    events: AtomicU64,
    bytes: AtomicU64,
    files: AtomicU64,
    gateway_lines: AtomicU64,
}

fn prefix(org: &Org, account: usize) -> String {
    let a = &org.accounts[account];
    if a.org_path {
        format!("AWSLogs/{ORG_ID}/{}", a.id)
    } else {
        format!("AWSLogs/{}", a.id)
    }
}

/// Mean of a pattern's weight over a week, to normalise rates.
fn pattern_mean(p: Pattern) -> f64 {
    let total: f64 = (0..7)
        .flat_map(|d| (0..24).map(move |h| p.weight(h, d)))
        .sum();
    total / 168.0
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 6), Compression::fast());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

impl Ctx<'_> {
    fn at(&self, days_before_end: f64) -> DateTime<Utc> {
        self.end - Duration::milliseconds((days_before_end * 86_400_000.0) as i64)
    }

    fn days_before_end(&self, t: DateTime<Utc>) -> f64 {
        (self.end - t).num_milliseconds() as f64 / 86_400_000.0
    }

    /// Every event of one day (UTC), traffic and management.
    fn day_events(&self, day: NaiveDate, with_traffic: bool) -> Day {
        let start = Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default());
        let mut rng = Rng::new(self.opts.seed, day.num_days_from_ce() as u64);
        let mut out = Vec::new();
        for (at, m) in &self.org.mgmt {
            let t = self.at(*at);
            if t >= start && t < start + Duration::days(1) {
                out.extend(events::management(self.org, &mut rng, t, m));
            }
        }
        if !with_traffic {
            return Day {
                events: out,
                ..Default::default()
            };
        }
        let weekday = day.weekday().num_days_from_monday();
        let scale = self.opts.scale as f64;
        for hour in 0..24 {
            let hour_start = start + Duration::hours(i64::from(hour));
            for (account, flows) in self.org.flows.iter().enumerate() {
                for flow in flows {
                    let rate = flow.pattern.weight(hour, weekday) / pattern_mean(flow.pattern);
                    let lambda = scale * flow.weight / self.total_weight / 24.0 * rate;
                    for _ in 0..rng.poisson(lambda) {
                        let t = hour_start + Duration::milliseconds(rng.below(3_600_000) as i64);
                        let key = &self.org.keys[flow.key];
                        let error = match key.state_at(self.days_before_end(t)) {
                            KeyState::NotYetCreated => continue,
                            KeyState::Disabled => Some("DisabledException"),
                            KeyState::PendingDeletion | KeyState::PendingImport => {
                                Some("KMSInvalidStateException")
                            }
                            KeyState::Enabled => {
                                flow.error.filter(|(_, p)| rng.chance(*p)).map(|(c, _)| c)
                            }
                        };
                        let op = *rng.pick(flow.ops);
                        out.push(events::kms_use(self.org, &mut rng, t, flow, op, error));
                    }
                }
                let noise_rate =
                    Pattern::Diurnal.weight(hour, weekday) / pattern_mean(Pattern::Diurnal);
                for region in REGIONS {
                    let lambda =
                        scale * self.org.noise_weight / 2.0 / self.total_weight / 24.0 * noise_rate;
                    for _ in 0..rng.poisson(lambda) {
                        let t = hour_start + Duration::milliseconds(rng.below(3_600_000) as i64);
                        out.push(events::noise(self.org, &mut rng, t, account, region));
                    }
                }
            }
        }
        // Gateways and anomalies draw from streams of their own, so that
        // adding them leaves the CloudTrail traffic of a seed unchanged.
        let mut grng = Rng::new(self.opts.seed ^ 0x6A7E, day.num_days_from_ce() as u64);
        let mut lines = gateway::day(&mut grng, start, weekday, scale * 0.2);
        let mut labels = Vec::new();
        if self.opts.anomalies {
            let mut arng = Rng::new(self.opts.seed ^ 0xA407, day.num_days_from_ce() as u64);
            let before_end = (self.end - start).num_days();
            let inj = anomalies::inject(
                self.org,
                &mut arng,
                start,
                before_end,
                scale,
                self.total_weight,
            );
            out.extend(inj.events);
            lines.extend(inj.lines);
            labels = inj.labels;
        }
        Day {
            events: out,
            lines,
            labels,
        }
    }

    /// Gateway lines into their files (each file belongs to one day).
    fn write_gateway(&self, mut lines: Vec<gateway::Line>) -> Result<()> {
        self.gateway_lines
            .fetch_add(lines.len() as u64, Ordering::Relaxed);
        lines.sort_by(|a, b| (&a.file, a.time).cmp(&(&b.file, b.time)));
        let mut i = 0;
        while i < lines.len() {
            let file = &lines[i].file;
            let mut body = String::new();
            while i < lines.len() && &lines[i].file == file {
                body.push_str(&lines[i].text);
                body.push('\n');
                i += 1;
            }
            write_file(&self.opts.out.join("gateway").join(file), body.as_bytes())?;
        }
        Ok(())
    }

    /// Group a day's events into 5-minute delivery files and write them.
    fn write_day(&self, day: NaiveDate, mut evs: Vec<Generated>) -> Result<Vec<LogFile>> {
        evs.sort_by(|a, b| (a.account, a.region, a.time).cmp(&(b.account, b.region, b.time)));
        let mut rng = Rng::new(self.opts.seed ^ 0xF11E, day.num_days_from_ce() as u64);
        let mut files = Vec::new();
        let mut groups: BTreeMap<(usize, &'static str, i64), Vec<&Generated>> = BTreeMap::new();
        for e in &evs {
            groups
                .entry((e.account, e.region, e.time.timestamp() / 300))
                .or_default()
                .push(e);
        }
        for ((account, region, slot), group) in groups {
            let delivered = Utc
                .timestamp_opt((slot + 1) * 300 + 120 + rng.below(180) as i64, 0)
                .single()
                .unwrap_or_default();
            let acc = &self.org.accounts[account].id;
            let key = format!(
                "{}/CloudTrail/{region}/{}/{acc}_CloudTrail_{region}_{}_{}.json.gz",
                prefix(self.org, account),
                delivered.format("%Y/%m/%d"),
                delivered.format("%Y%m%dT%H%MZ"),
                rng.token(16)
            );
            let mut body =
                Vec::with_capacity(group.iter().map(|g| g.json.len() + 1).sum::<usize>() + 16);
            body.extend_from_slice(b"{\"Records\":[");
            for (i, g) in group.iter().enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(g.json.as_bytes());
            }
            body.extend_from_slice(b"]}");
            write_file(&self.opts.out.join(&key), &gzip(&body)?)?;
            self.events.fetch_add(group.len() as u64, Ordering::Relaxed);
            self.files.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
            files.push(LogFile {
                account,
                region,
                delivered,
                key,
                sha256: hex::encode(Sha256::digest(&body)),
                oldest: group[0].time,
                newest: group[group.len() - 1].time,
            });
        }
        Ok(files)
    }

    /// Hourly digest files for the traffic window, chained and signed.
    fn write_digests(&self, mut logs: Vec<LogFile>) -> Result<u64> {
        logs.sort_by(|a, b| {
            (a.account, a.region, a.delivered).cmp(&(b.account, b.region, b.delivered))
        });
        let signer = DigestSigner::demo();
        let fingerprint = hex::encode(&Sha256::digest(signer.public_key_der())[..16]);
        let window_start = self.end - Duration::days(i64::from(self.opts.days));
        let mut written = 0;
        for account in 0..self.org.accounts.len() {
            for region in REGIONS {
                let mine: Vec<&LogFile> = logs
                    .iter()
                    .filter(|l| l.account == account && l.region == region)
                    .collect();
                let mut previous: Option<(String, String, String)> = None; // key, sha256, signature
                let mut hour = window_start;
                while hour < self.end {
                    let next = hour + Duration::hours(1);
                    let in_hour: Vec<&&LogFile> = mine
                        .iter()
                        .filter(|l| l.delivered >= hour && l.delivered < next)
                        .collect();
                    let acc = &self.org.accounts[account].id;
                    let key = format!(
                        "{}/CloudTrail-Digest/{region}/{}/{acc}_CloudTrail-Digest_{region}_{TRAIL_NAME}_{}_{}.json.gz",
                        prefix(self.org, account),
                        next.format("%Y/%m/%d"),
                        REGIONS[0],
                        next.format("%Y%m%dT%H%M%SZ")
                    );
                    let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
                    let digest = json!({
                        "awsAccountId": acc,
                        "digestStartTime": iso(hour),
                        "digestEndTime": iso(next),
                        "digestS3Bucket": TRAIL_BUCKET,
                        "digestS3Object": key,
                        "digestPublicKeyFingerprint": fingerprint,
                        "digestSignatureAlgorithm": "SHA256withRSA",
                        "newestEventTime": in_hour.last().map(|l| iso(l.newest)),
                        "oldestEventTime": in_hour.first().map(|l| iso(l.oldest)),
                        "previousDigestS3Bucket": previous.as_ref().map(|_| TRAIL_BUCKET),
                        "previousDigestS3Object": previous.as_ref().map(|p| p.0.clone()),
                        "previousDigestHashValue": previous.as_ref().map(|p| p.1.clone()),
                        "previousDigestHashAlgorithm": previous.as_ref().map(|_| "SHA-256"),
                        "previousDigestSignature": previous.as_ref().map(|p| p.2.clone()),
                        "logFiles": in_hour.iter().map(|l| json!({
                            "s3Bucket": TRAIL_BUCKET, "s3Object": l.key, "hashValue": l.sha256,
                            "hashAlgorithm": "SHA-256", "newestEventTime": iso(l.newest), "oldestEventTime": iso(l.oldest)
                        })).collect::<Vec<_>>()
                    });
                    let body = serde_json::to_vec(&digest)?;
                    let parsed: DigestFile = serde_json::from_slice(&body)?;
                    let sha = hex::encode(Sha256::digest(&body));
                    let signature = signer.sign(&parsed, &sha);
                    let path = self.opts.out.join(&key);
                    write_file(&path, &gzip(&body)?)?;
                    // What `x-amz-meta-signature` carries on S3, kept beside a local copy.
                    write_file(
                        &PathBuf::from(format!("{}.signature", path.display())),
                        signature.as_bytes(),
                    )?;
                    previous = Some((key, sha, signature));
                    written += 1;
                    hour = next;
                }
            }
        }
        write_file(
            &self.opts.out.join(PUBLIC_KEY_FILE),
            signer.public_key_pem().as_bytes(),
        )?;
        Ok(written)
    }
}

/// Generate the corpus. `progress` is called with the events written so far.
pub fn generate(opts: &Options, progress: &(dyn Fn(u64) + Sync)) -> Result<Summary> {
    if opts.anomalies && opts.days < 14 {
        anyhow::bail!(
            "--anomalies needs --days 14 or more: detectors learn from a week of history first"
        );
    }
    let org = Org::new(opts.seed);
    let end = Utc.from_utc_datetime(&opts.end.and_hms_opt(0, 0, 0).unwrap_or_default());
    let total_weight = org.flows.iter().flatten().map(|f| f.weight).sum::<f64>()
        + org.noise_weight * org.accounts.len() as f64;
    let ctx = Ctx {
        org: &org,
        opts,
        end,
        total_weight,
        events: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        files: AtomicU64::new(0),
        gateway_lines: AtomicU64::new(0),
    };

    // Full traffic for the window; before it, only the days with management events.
    let mut days: Vec<(NaiveDate, bool)> = (1..=opts.days)
        .map(|d| ((end - Duration::days(i64::from(d))).date_naive(), true))
        .collect();
    let window_start = end - Duration::days(i64::from(opts.days));
    let mut history: Vec<NaiveDate> = org
        .mgmt
        .iter()
        .map(|(at, _)| ctx.at(*at))
        .filter(|t| *t < window_start)
        .map(|t| t.date_naive())
        .collect();
    history.dedup();
    days.extend(history.into_iter().map(|d| (d, false)));

    let next = AtomicUsize::new(0);
    let logs = Mutex::new(Vec::new());
    let labels = Mutex::new(Vec::new());
    let failure = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..opts.threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((day, traffic)) = days.get(i) else {
                        break;
                    };
                    let Day {
                        events,
                        lines,
                        labels: found,
                    } = ctx.day_events(*day, *traffic);
                    if let Ok(mut l) = labels.lock() {
                        l.extend(found);
                    }
                    let written = ctx
                        .write_gateway(lines)
                        .and_then(|()| ctx.write_day(*day, events));
                    match written {
                        Ok(files) => {
                            let in_window: Vec<_> = files
                                .into_iter()
                                .filter(|f| f.delivered >= window_start)
                                .collect();
                            if let Ok(mut l) = logs.lock() {
                                l.extend(in_window);
                            }
                        }
                        Err(e) => {
                            if let Ok(mut f) = failure.lock() {
                                *f = Some(e);
                            }
                            break;
                        }
                    }
                    progress(ctx.events.load(Ordering::Relaxed));
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    let logs = logs.into_inner().unwrap_or_default();
    let digest_files = ctx.write_digests(logs)?;
    let mut labels = labels.into_inner().unwrap_or_default();
    if opts.anomalies {
        labels.sort_by_key(|l: &anomalies::Label| l.start);
        let mut csv = format!("{}\n", anomalies::Label::CSV_HEADER);
        for l in &labels {
            csv.push_str(&l.csv());
            csv.push('\n');
        }
        write_file(&opts.out.join(LABELS_FILE), csv.as_bytes())?;
    }
    Ok(Summary {
        log_files: ctx.files.load(Ordering::Relaxed),
        digest_files,
        events: ctx.events.load(Ordering::Relaxed),
        bytes: ctx.bytes.load(Ordering::Relaxed),
        gateway_lines: ctx.gateway_lines.load(Ordering::Relaxed),
    })
}
