//! `keyledger demo`: the embedded default. Generate a sample organisation,
//! ingest it into a local store, and show what is there.

use anyhow::Result;
use keyledger_query::{Ledger, OutputFormat};
use keyledger_store::Store;

use crate::{
    cli::{DemoArgs, FindingsArgs, RotationArgs, StoreArg, ViewArgs},
    generate,
    pipeline::{self, progress_bar},
    views,
};

const QUERIES: &[(&str, &str)] = &[
    (
        "Events by source",
        "SELECT event_source, count(*) AS events FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 8",
    ),
    (
        "KMS key use by principal",
        "SELECT principal_arn, event_name, count(*) AS calls, count(DISTINCT key_arn) AS keys \
         FROM cloudtrail WHERE event_source = 'kms.amazonaws.com' AND key_arn IS NOT NULL \
         GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10",
    ),
];

pub async fn run(args: DemoArgs) -> Result<u8> {
    let sample = args.data.join("sample");
    let store_dir = args.data.join("store");
    if !sample.exists() {
        let opts = generate::Options {
            out: sample.clone(),
            days: args.days,
            scale: args.scale,
            seed: args.seed,
            end: chrono::Utc::now().date_naive(),
            threads: pipeline::default_threads(),
            anomalies: args.days >= 14,
        };
        let bar = progress_bar("generating");
        let s = generate::generate(&opts, &|n| bar.set_message(format!("{n} events")))?;
        bar.finish_and_clear();
        eprintln!(
            "generated {} events ({} log files, {} digests) in {}",
            s.events,
            s.log_files,
            s.digest_files,
            sample.display()
        );
    }
    let store = Store::open(&store_dir.to_string_lossy())?;
    let code = pipeline::ingest(crate::cli::IngestArgs {
        store: crate::cli::StoreArg {
            store: store_dir.to_string_lossy().into_owned(),
        },
        trail_public_keys: Some(sample.join(generate::PUBLIC_KEY_FILE)),
        threads: None,
        aws_max_attempts: 10,
        gateway_format: None,
        remote: Default::default(),
        sources: vec![sample.to_string_lossy().into_owned()],
    })
    .await?;
    let ledger = Ledger::open(&store).await?;
    for (title, sql) in QUERIES {
        println!("\n== {title}\n{sql}\n");
        views::print(&ledger, sql, OutputFormat::Table).await?;
    }
    let store_arg = || StoreArg {
        store: store_dir.to_string_lossy().into_owned(),
    };
    let view = || ViewArgs {
        store: store_arg(),
        as_of: None,
        format: OutputFormat::Table,
    };
    println!("\n== Key rotation compliance (keyledger rotation, 365-day policy)\n");
    views::rotation(RotationArgs {
        view: view(),
        policy_days: 365,
    })
    .await?;
    println!("\n== Findings (keyledger findings)\n");
    views::findings(FindingsArgs {
        store: store_arg(),
        since: None,
        until: None,
        format: OutputFormat::Table,
    })
    .await?;
    println!("\n== Databases and their keys (keyledger rds)\n");
    views::rds(view()).await?;
    println!(
        "\nStore: {} ({} commits, {} events). Try:\n  keyledger query --store {} \"SELECT event_name, count(*) FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC\"\n  keyledger verify --store {}",
        store_dir.display(),
        ledger.snapshot().sequence,
        ledger
            .snapshot()
            .rows(keyledger_schemas::Stream::CloudTrail),
        store_dir.display(),
        store_dir.display()
    );
    if !args.no_serve {
        // Open the web UI with the same snapshot; Ctrl-C stops it.
        let addr: std::net::SocketAddr = args.listen.parse()?;
        anyhow::ensure!(
            addr.ip().is_loopback(),
            "the demo serves without authentication: --listen must be a loopback address"
        );
        // A signing key kept with the demo data, so packs can be made from the UI.
        let key_file = args.data.join("pack-signing.key");
        if !key_file.exists() {
            let key = keyledger_web::pack::new_signing_key().map_err(anyhow::Error::msg)?;
            std::fs::write(&key_file, format!("{}\n", hex::encode(key.to_bytes())))?;
        }
        let packs = keyledger_web::pack::PackSettings {
            key: Some(
                keyledger_web::pack::load_signing_key(&key_file).map_err(anyhow::Error::msg)?,
            ),
            schedules: Vec::new(),
        };
        let state = keyledger_web::AppState::new(
            ledger,
            keyledger_web::Auth::Off,
            keyledger_web::WebConfig::default(),
        )
        .with_packs(packs);
        return crate::serve::serve(state, addr, 0).await;
    }
    Ok(code)
}
