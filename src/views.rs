//! `keyledger rotation`, `rds` and `findings`: the query layer's views,
//! printed. They run the same SQL views ad-hoc queries and reports use.

use std::io::Write;

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use keyledger_query::{Ledger, OutputFormat, format::ResultWriter, views::parse_as_of};
use keyledger_store::Store;

use crate::cli::{FindingsArgs, RotationArgs, ViewArgs};

async fn open(store: &str) -> Result<Ledger> {
    let store = Store::open(store)?;
    Ok(Ledger::open(&store).await?)
}

/// Run `sql` and print it in `format` on standard output.
pub async fn print(ledger: &Ledger, sql: &str, format: OutputFormat) -> Result<()> {
    if format == OutputFormat::Parquet {
        bail!(
            "--format parquet: use `keyledger query --format parquet --out FILE` with the view's SQL"
        );
    }
    let mut stream = ledger.stream(sql).await?;
    let mut writer = ResultWriter::new(format, stream.schema(), std::io::stdout())?;
    while let Some(batch) = stream.next().await {
        writer.write(&batch?)?;
    }
    writer.finish()?;
    std::io::stdout().flush()?;
    Ok(())
}

fn set_as_of(ledger: &Ledger, as_of: Option<&str>) -> Result<()> {
    if let Some(a) = as_of {
        parse_as_of(a).map_err(anyhow::Error::msg)?;
        ledger.set("as_of", a)?;
    }
    Ok(())
}

/// Table output shows what fits a terminal; the other formats every column.
fn columns(format: OutputFormat, short: &str) -> &str {
    if format == OutputFormat::Table {
        short
    } else {
        "*"
    }
}

pub async fn rotation(args: RotationArgs) -> Result<u8> {
    let ledger = open(&args.view.store.store).await?;
    set_as_of(&ledger, args.view.as_of.as_deref())?;
    ledger.set("policy_days", &args.policy_days.to_string())?;
    let cols = columns(
        args.view.format,
        "status, reason, account_id, region, key_id, array_to_string(aliases, ' ') AS aliases, key_spec, origin, \
         key_state, rotation_enabled AS rotation, rotation_period_days AS period, \
         CAST(last_rotation AS DATE) AS last_rotation, material_age_days AS age_days",
    );
    let sql = format!(
        "SELECT {cols} FROM rotation_compliance ORDER BY \
         CASE status WHEN 'NON_COMPLIANT' THEN 0 WHEN 'UNKNOWN' THEN 1 WHEN 'COMPLIANT' THEN 2 ELSE 3 END, account_id, region, key_arn"
    );
    print(&ledger, &sql, args.view.format)
        .await
        .context("rotation")?;
    Ok(0)
}

pub async fn rds(args: ViewArgs) -> Result<u8> {
    let ledger = open(&args.store.store).await?;
    set_as_of(&ledger, args.as_of.as_deref())?;
    let db_cols = columns(
        args.format,
        "db_identifier, db_kind, account_id, region, engine, storage_encrypted AS encrypted, key_arn, key_status, active, \
         CAST(created_at AS DATE) AS created, previous_key_arn, CAST(rekeyed_at AS DATE) AS rekeyed",
    );
    let sql = format!(
        "SELECT {db_cols} FROM rds_keys ORDER BY account_id, region, db_identifier, created_at"
    );
    if args.format != OutputFormat::Table {
        print(&ledger, &sql, args.format).await?;
        return Ok(0);
    }
    println!("Databases");
    print(&ledger, &sql, args.format).await?;
    println!("\nSnapshots encrypted with a retired or non-compliant key, or shared");
    print(
        &ledger,
        "SELECT snapshot_identifier, account_id, region, source_database, key_arn, key_status, key_state, \
         array_to_string(shared_with, ' ') AS shared_with, CAST(created_at AS DATE) AS created FROM rds_snapshots \
         WHERE needs_attention OR cardinality(shared_with) > 0 ORDER BY created_at",
        args.format,
    )
    .await?;
    Ok(0)
}

pub async fn findings(args: FindingsArgs) -> Result<u8> {
    let ledger = open(&args.store.store).await?;
    let mut filters = Vec::new();
    if let Some(since) = &args.since {
        // A date as the lower bound means the start of that day.
        let t = parse_as_of(since).map_err(anyhow::Error::msg)?;
        let t = if keyledger_schemas::time::date32_from_str(since.trim()).is_some() {
            t - 86_400_000_000
        } else {
            t
        };
        filters.push(format!("first_seen >= to_timestamp_micros({t})"));
    }
    if let Some(until) = &args.until {
        let t = parse_as_of(until).map_err(anyhow::Error::msg)?;
        filters.push(format!("first_seen < to_timestamp_micros({t})"));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    let cols = columns(
        args.format,
        "severity, kind, first_seen, title, principal_arn, account_id, region, event_count AS events, \
         array_to_string(controls, ' ') AS controls",
    );
    let sql = format!(
        "SELECT {cols} FROM findings {filter} ORDER BY \
         CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, first_seen DESC"
    );
    print(&ledger, &sql, args.format).await?;
    Ok(0)
}
