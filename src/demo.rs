//! `keyledger demo`: the embedded default. Generate a sample organisation,
//! ingest it into a local store, and show what is there.

use anyhow::Result;
use keyledger_query::{Ledger, OutputFormat, format::ResultWriter};
use keyledger_store::Store;

use crate::{
    cli::DemoArgs,
    generate,
    pipeline::{self, progress_bar},
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
    (
        "Key management events",
        "SELECT event_time, event_name, key_arn, principal_arn FROM cloudtrail \
         WHERE event_name IN ('DisableKeyRotation','ScheduleKeyDeletion','CancelKeyDeletion','DisableKey',\
         'EnableKey','RotateKeyOnDemand','PutKeyPolicy','StopLogging','PutEventSelectors') \
         ORDER BY event_time DESC LIMIT 12",
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
        sources: vec![sample.to_string_lossy().into_owned()],
    })
    .await?;
    let ledger = Ledger::open(&store).await?;
    for (title, sql) in QUERIES {
        println!("\n== {title}\n{sql}\n");
        let batches = ledger.query(sql).await?;
        let mut w = ResultWriter::new(OutputFormat::Table, batches[0].schema(), std::io::stdout())?;
        for b in &batches {
            w.write(b)?;
        }
        w.finish()?;
    }
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
    Ok(code)
}
