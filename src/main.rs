//! keyledger: the command-line tool. It wires sources into the store and
//! runs queries; the libraries do the work.

// The binary is the one place that talks to the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]
// Nothing here is a library: `pub` only marks what sibling modules use.
#![allow(unreachable_pub)]

mod cli;
mod demo;
mod generate;
mod metrics;
mod packs;
mod pipeline;
mod serve;
mod views;

use std::{io::Write, process::ExitCode};

use anyhow::{Context, Result};
use clap::Parser;
use cli::{Cli, Command, QueryArgs};
use futures::StreamExt;
use keyledger_query::{Ledger, OutputFormat, format::ResultWriter};
use keyledger_store::Store;

/// `verify` found tampering.
pub const EXIT_TAMPERED: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_default())
        .with_writer(std::io::stderr);
    match cli.log_format {
        cli::LogFormat::Text => logs.init(),
        cli::LogFormat::Json => logs.json().init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<u8> {
    match command {
        Command::Demo(args) => demo::run(args).await,
        Command::Generate(args) => generate_cmd(args),
        Command::Ingest(args) => pipeline::ingest(args).await,
        Command::Query(args) => query(args).await,
        Command::Verify(args) => verify(&args).await,
        Command::Rotation(args) => views::rotation(args).await,
        Command::Rds(args) => views::rds(args).await,
        Command::Findings(args) => views::findings(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Token(args) => token(&args),
        Command::Report(args) => packs::report(args).await,
        Command::VerifyPack(args) => packs::verify_pack(&args),
        Command::PackKey(args) => packs::pack_key(&args),
    }
}

fn generate_cmd(args: cli::GenerateArgs) -> Result<u8> {
    let opts = generate::Options {
        out: args.out,
        days: args.days,
        scale: args.scale,
        seed: args.seed,
        end: args.end.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        threads: args.threads.unwrap_or_else(pipeline::default_threads),
        anomalies: args.anomalies,
    };
    let bar = pipeline::progress_bar("generating");
    let summary = generate::generate(&opts, &|n| bar.set_message(format!("{n} events")))?;
    bar.finish_and_clear();
    eprintln!(
        "wrote {} events in {} log files and {} digest files ({:.1} MB uncompressed), and {} gateway log lines, to {}",
        summary.events,
        summary.log_files,
        summary.digest_files,
        summary.bytes as f64 / 1e6,
        summary.gateway_lines,
        opts.out.display()
    );
    eprintln!(
        "digests are signed; verify them with: keyledger ingest --trail-public-keys {} …",
        opts.out.join(generate::PUBLIC_KEY_FILE).display()
    );
    Ok(0)
}

fn token(args: &cli::TokenArgs) -> Result<u8> {
    let role: keyledger_web::Role =
        serde_json::from_value(serde_json::Value::String(args.role.clone()))
            .map_err(|_| anyhow::anyhow!("--role must be auditor, siem or admin"))?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let token = format!("kl_{}", hex::encode(bytes));
    println!(
        "token (give it to {}; it is not stored anywhere): {token}\n",
        args.name
    );
    println!(
        "[[web.tokens]]\nname = {:?}\nrole = {:?}\nsha256 = {:?}",
        args.name,
        role.as_str(),
        keyledger_web::hash_token(&token)
    );
    Ok(0)
}

async fn query(args: QueryArgs) -> Result<u8> {
    let store = Store::open(&args.store.store)?;
    let ledger = Ledger::open(&store).await?;
    let mut stream = ledger.stream(&args.sql).await?;
    let out: Box<dyn Write + Send> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None if args.format == OutputFormat::Parquet => {
            anyhow::bail!("--format parquet writes a file: add --out FILE")
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let mut writer = ResultWriter::new(args.format, stream.schema(), out)?;
    while let Some(batch) = stream.next().await {
        writer.write(&batch?)?;
    }
    writer.finish()?;
    Ok(0)
}

async fn verify(args: &cli::VerifyArgs) -> Result<u8> {
    let store = Store::open(&args.store.store)?;
    let report = store.verify().await?;
    let mut out = std::io::stdout().lock();
    if let Some(expected) = &args.expect_head
        && report.head_hash.as_deref() != Some(expected.as_str())
    {
        writeln!(
            out,
            "TAMPERED: the chain ends at {}, not at the recorded head {expected} (commits removed or rewritten)",
            report.head_hash.as_deref().unwrap_or("(nothing)")
        )?;
        return Ok(EXIT_TAMPERED);
    }
    if report.is_ok() {
        writeln!(
            out,
            "ok: {} commits, {} files ({:.1} MB), {} rows; head {}",
            report.commits,
            report.files_checked,
            report.bytes_checked as f64 / 1e6,
            report.rows,
            report.head_hash.as_deref().unwrap_or("(empty store)")
        )?;
        return Ok(0);
    }
    for p in &report.problems {
        writeln!(out, "TAMPERED: {p}")?;
    }
    writeln!(
        out,
        "{} problem(s); the first is: {}",
        report.problems.len(),
        report.problems[0]
    )?;
    Ok(EXIT_TAMPERED)
}
