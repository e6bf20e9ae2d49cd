//! Firsts: a principal new to a key, an address new to a principal.

use std::collections::HashMap;

use arrow::{
    array::{Array, AsArray, RecordBatch},
    datatypes::{Int64Type, TimestampMicrosecondType},
};
use datafusion::prelude::SessionContext;

use super::{AnomalyConfig, DAY, usage_filter};
use crate::{
    Result,
    findings::{Finding, Severity, finding_id},
};

fn text(b: &RecordBatch, i: usize, row: usize) -> Option<String> {
    let a = b.column(i).as_string::<i32>();
    a.is_valid(row).then(|| a.value(row).to_owned())
}

/// Addresses that are AWS itself, not a network location.
fn is_service_address(ip: &str) -> bool {
    ip.ends_with(".amazonaws.com")
        || ip == "AWS Internal"
        || !ip.chars().any(|c| c.is_ascii_digit())
}

struct First {
    a: String,
    b: String,
    first: i64,
    last: i64,
    n: i64,
    event: String,
}

/// First and last use, count and first event id per (a, b) group.
async fn firsts(ctx: &SessionContext, a: &str, b: &str, filter: &str) -> Result<Vec<First>> {
    let sql = format!(
        "SELECT {a}, {b}, min(event_time), max(event_time), count(*), first_value(event_id ORDER BY event_time, event_id) \
         FROM cloudtrail WHERE {} AND error_code IS NULL {filter} GROUP BY 1, 2",
        usage_filter()
    );
    let mut out = Vec::new();
    for batch in ctx.sql(&sql).await?.collect().await? {
        let (min, max) = (
            batch.column(2).as_primitive::<TimestampMicrosecondType>(),
            batch.column(3).as_primitive::<TimestampMicrosecondType>(),
        );
        let n = batch.column(4).as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            let (Some(x), Some(y), Some(ev)) = (
                text(&batch, 0, row),
                text(&batch, 1, row),
                text(&batch, 5, row),
            ) else {
                continue;
            };
            out.push(First {
                a: x,
                b: y,
                first: min.value(row),
                last: max.value(row),
                n: n.value(row),
                event: ev,
            });
        }
    }
    Ok(out)
}

pub(super) async fn new_pairs(ctx: &SessionContext, cfg: &AnomalyConfig) -> Result<Vec<Finding>> {
    let pairs = firsts(ctx, "principal_arn", "key_arn", "").await?;
    let mut key_first: HashMap<&str, i64> = HashMap::new();
    for p in &pairs {
        let e = key_first.entry(p.b.as_str()).or_insert(p.first);
        *e = (*e).min(p.first);
    }
    let learning = i64::from(cfg.learning_days) * DAY;
    Ok(pairs
        .iter()
        .filter(|p| p.first - key_first[p.b.as_str()] >= learning)
        .map(|p| {
            let service = p.a.ends_with(".amazonaws.com") || p.a == "AWS Internal";
            Finding {
                finding_id: finding_id("new_principal_key_pair", std::slice::from_ref(&p.event)),
                kind: "new_principal_key_pair",
                severity: if service {
                    Severity::Low
                } else {
                    Severity::Medium
                },
                title: format!("{} used a key it had never used", p.a),
                key_arn: Some(p.b.clone()),
                principal_arn: Some(p.a.clone()),
                resource_arn: None,
                account_id: super::arn_account(Some(&p.b)),
                region: super::arn_region(Some(&p.b)),
                source_ip: None,
                first_seen: p.first,
                last_seen: p.last,
                event_count: p.n as u64,
                evidence: vec![p.event.clone()],
                controls: vec![
                    "PCI-DSS-4.0.1:3.6.1",
                    "PCI-DSS-4.0.1:10.4.1",
                    "SOC2:CC6.1",
                    "SOC2:CC7.2",
                ],
                detail: format!(
                    "first use {} days after the key was first used by others; {} calls since",
                    (p.first - key_first[p.b.as_str()]) / DAY,
                    p.n
                ),
                observed: Some(p.n),
                expected: Some(0.0),
                score: None,
            }
        })
        .collect())
}

pub(super) async fn new_addresses(
    ctx: &SessionContext,
    cfg: &AnomalyConfig,
) -> Result<Vec<Finding>> {
    let by_ip = firsts(
        ctx,
        "principal_arn",
        "source_ip",
        "AND source_ip IS NOT NULL AND principal_type IS DISTINCT FROM 'AWSService'",
    )
    .await?;
    let mut principal_first: HashMap<&str, i64> = HashMap::new();
    for p in &by_ip {
        let e = principal_first.entry(p.a.as_str()).or_insert(p.first);
        *e = (*e).min(p.first);
    }
    let learning = i64::from(cfg.learning_days) * DAY;
    let fresh: Vec<&First> = by_ip
        .iter()
        .filter(|p| {
            !is_service_address(&p.b) && p.first - principal_first[p.a.as_str()] >= learning
        })
        .collect();
    let mut out = Vec::new();
    for p in fresh {
        // The key(s) used from the new address.
        let sql = format!(
            "SELECT key_arn, event_id FROM cloudtrail WHERE {} AND error_code IS NULL AND principal_arn = '{}' AND source_ip = '{}' \
             ORDER BY event_time, event_id LIMIT 50",
            usage_filter(),
            p.a.replace('\'', "''"),
            p.b.replace('\'', "''")
        );
        let mut key = None;
        let mut evidence = Vec::new();
        for b in ctx.sql(&sql).await?.collect().await? {
            for row in 0..b.num_rows() {
                key = key.or_else(|| text(&b, 0, row));
                evidence.extend(text(&b, 1, row));
            }
        }
        out.push(Finding {
            finding_id: finding_id("new_source_ip", &[p.a.clone(), p.b.clone()]),
            kind: "new_source_ip",
            severity: Severity::Medium,
            title: format!("{} used a key from a new address {}", p.a, p.b),
            key_arn: key.clone(),
            principal_arn: Some(p.a.clone()),
            resource_arn: None,
            account_id: super::arn_account(key.as_deref()),
            region: super::arn_region(key.as_deref()),
            source_ip: Some(p.b.clone()),
            first_seen: p.first,
            last_seen: p.last,
            event_count: p.n as u64,
            evidence,
            controls: vec!["PCI-DSS-4.0.1:10.4.1", "SOC2:CC6.1", "SOC2:CC7.2"],
            detail: format!(
                "{} calls from an address this principal never used before",
                p.n
            ),
            observed: Some(p.n),
            expected: Some(0.0),
            score: None,
        });
    }
    Ok(out)
}
