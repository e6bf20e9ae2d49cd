//! Command-line arguments. Flags fall back to `KEYLEDGER_*` environment
//! variables; AWS settings come from the standard AWS environment.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use keyledger_query::OutputFormat;

#[derive(Debug, Parser)]
#[command(
    name = "keyledger",
    version,
    about = "Audit evidence for AWS KMS key hygiene: ingest CloudTrail into a verifiable ledger, and ask it questions."
)]
pub struct Cli {
    /// Log filter (e.g. `info`, `keyledger=debug`).
    #[arg(
        long,
        global = true,
        env = "KEYLEDGER_LOG",
        default_value = "warn,keyledger::access=info"
    )]
    pub log: String,
    /// Log lines as text, or as JSON objects (for log collectors).
    #[arg(
        long,
        global = true,
        env = "KEYLEDGER_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a sample organisation, ingest it, and show what is there.
    Demo(DemoArgs),
    /// Write a realistic synthetic organisation's CloudTrail in the S3 delivery layout.
    Generate(GenerateArgs),
    /// Read events from sources into the store.
    Ingest(IngestArgs),
    /// Run SQL over the store.
    Query(QueryArgs),
    /// Recheck every hash of the store and its commit chain (exit 3 on tampering).
    Verify(VerifyArgs),
    /// Cryptoperiod compliance of every key (PCI DSS v4.0.1 3.7.4).
    Rotation(RotationArgs),
    /// Databases, their keys, and their re-key history.
    Rds(ViewArgs),
    /// Critical key and trail events, and anomalies.
    Findings(FindingsArgs),
    /// Serve the web reports and the API.
    Serve(ServeArgs),
    /// Make an API token for the config file.
    Token(TokenArgs),
    /// Write a compliance report: a PDF, or a signed pack (zip).
    Report(ReportArgs),
    /// Check a pack offline: every file's hash, and the signature.
    VerifyPack(VerifyPackArgs),
    /// Print the public key that signs packs (and make the key with --generate).
    PackKey(PackKeyArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// pci-dss or soc2.
    #[arg(long)]
    pub framework: String,
    /// First day of the audit period (YYYY-MM-DD).
    #[arg(long)]
    pub period_start: String,
    /// Last day of the audit period (YYYY-MM-DD, inclusive).
    #[arg(long)]
    pub period_end: String,
    #[arg(long, default_value_t = 365)]
    pub policy_days: u32,
    /// pdf (the report) or pack (zip: PDF, evidence CSV and Parquet, signed manifest).
    #[arg(long, default_value = "pdf")]
    pub format: String,
    #[arg(long)]
    pub out: PathBuf,
    /// Config file: organisation name and [packs] signing_key.
    #[arg(long, env = "KEYLEDGER_CONFIG")]
    pub config: Option<PathBuf>,
    /// The signing key file (overrides the config).
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyPackArgs {
    pub pack: PathBuf,
    /// The public key (hex) the pack must be signed by, as `keyledger pack-key` prints it.
    #[arg(long)]
    pub public_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct PackKeyArgs {
    /// The key file (hex Ed25519 seed); default: [packs] signing_key of --config.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    #[arg(long, env = "KEYLEDGER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Make the key file when it does not exist yet.
    #[arg(long)]
    pub generate: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "KEYLEDGER_LISTEN")]
    pub listen: Option<String>,
    /// Config file (TOML): tokens, limits, organisation.
    #[arg(long, env = "KEYLEDGER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Serve without authentication (refused unless the address is loopback).
    #[arg(long)]
    pub no_auth: bool,
    /// Look for new commits this often (0: never).
    #[arg(long, default_value_t = 30)]
    pub refresh_seconds: u64,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Who the token is for (logged with every request).
    #[arg(long)]
    pub name: String,
    /// auditor (pages, read API), siem (read API, SQL) or admin (everything).
    #[arg(long)]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct ViewArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The instant to describe: a date (end of that day, UTC) or an RFC 3339 time. Default: now.
    #[arg(long)]
    pub as_of: Option<String>,
    #[arg(long, default_value = "table")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct RotationArgs {
    #[command(flatten)]
    pub view: ViewArgs,
    /// Cryptoperiod policy in days (90, 180 and 365 are common).
    #[arg(long, default_value_t = 365)]
    pub policy_days: u32,
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Only findings first seen at or after this (date or RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Only findings first seen before this (a date means the end of that day).
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long, default_value = "table")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct StoreArg {
    /// Store location: a directory or s3://bucket/prefix (AWS settings from
    /// the standard environment: AWS_ENDPOINT_URL, AWS_REGION, credentials).
    #[arg(long, env = "KEYLEDGER_STORE")]
    pub store: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The head hash recorded earlier (e.g. in a report): fail if the chain
    /// no longer ends there (commits removed or rewritten).
    #[arg(long)]
    pub expect_head: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo keeps its sample corpus and store.
    #[arg(long, default_value = "keyledger-data")]
    pub data: PathBuf,
    /// Days of traffic to generate.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Events per day.
    #[arg(long, default_value_t = 20_000)]
    pub scale: u64,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Where the web UI listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Print what is there and stop, without serving the web UI.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Days of full traffic (key histories reach further back).
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Events per day (approximate).
    #[arg(long, default_value_t = 20_000)]
    pub scale: u64,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Last day of the corpus is the day before this date (YYYY-MM-DD); default today (UTC).
    #[arg(long)]
    pub end: Option<chrono::NaiveDate>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Inject labelled anomalies of every kind (labels in anomaly-labels.csv); needs --days 14 or more.
    #[arg(long)]
    pub anomalies: bool,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// CloudTrail public keys (ListPublicKeys JSON, or PEM): check digest signatures.
    #[arg(long)]
    pub trail_public_keys: Option<PathBuf>,
    /// Files read in parallel (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Read files as gateway access logs of this format (aws-apigateway, kong,
    /// apipark, nginx, envoy, litellm); default: detected per file.
    #[arg(long)]
    pub gateway_format: Option<keyledger_schemas::gateway::Format>,
    /// Attempts per AWS API call (throttling and transient errors are retried with backoff).
    #[arg(long, env = "AWS_MAX_ATTEMPTS", default_value_t = 10)]
    pub aws_max_attempts: u32,
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Where events come from: a file or folder of CloudTrail logs;
    /// s3://bucket/prefix (a CloudTrail bucket, organisation trails included);
    /// notifications:FILE (the objects named by S3/SNS/SQS notifications);
    /// kafka://host:port/topic[,topic]?group=NAME; kms://REGION for a
    /// snapshot of the region's KMS keys.
    #[arg(required = true)]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Options for S3, Kafka and long-running ingest.
#[derive(Debug, Args)]
pub struct RemoteArgs {
    /// S3: skip CloudTrail days before this date (YYYY-MM-DD) without listing them.
    #[arg(long)]
    pub since: Option<chrono::NaiveDate>,
    /// S3: objects fetched at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// S3: objects modified this recently (seconds) are read but do not move
    /// the checkpoint (an earlier key may still be landing).
    #[arg(long, default_value_t = 900)]
    pub settle_secs: u64,
    /// Kafka: keep consuming at the end of the topics (until interrupted).
    #[arg(long)]
    pub follow: bool,
    /// Commit when this many MiB of events are buffered.
    #[arg(long, default_value_t = 128)]
    pub flush_mb: usize,
    /// S3 and Kafka: commit at least this often (seconds) while events arrive.
    #[arg(long, default_value_t = 5)]
    pub commit_interval_secs: u64,
    /// Serve Prometheus metrics on this address while ingesting (GET /metrics).
    #[arg(long)]
    pub metrics_listen: Option<std::net::SocketAddr>,
}

impl Default for RemoteArgs {
    fn default() -> Self {
        RemoteArgs {
            since: None,
            concurrency: 16,
            settle_secs: 900,
            follow: false,
            flush_mb: 128,
            commit_interval_secs: 5,
            metrics_listen: None,
        }
    }
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub store: StoreArg,
    #[arg(long, default_value = "table")]
    pub format: OutputFormat,
    /// Write the result here instead of standard output (required for parquet).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The SQL statement. Tables: cloudtrail.
    pub sql: String,
}
