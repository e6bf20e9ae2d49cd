//! Bursts of failures: denied KMS calls, and gateway authentication failures
//! followed by key use from the same address.

use std::collections::BTreeMap;

use arrow::{
    array::{Array, AsArray},
    datatypes::TimestampMicrosecondType,
};
use datafusion::prelude::SessionContext;

use super::{AnomalyConfig, MINUTE, usage_filter};
use crate::{
    Result,
    findings::{Finding, Severity, finding_id},
};

/// One timed event of a group.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub time: i64,
    pub id: String,
    pub key: Option<String>,
    pub other: Option<String>,
}

/// Maximal runs of at least `count` hits where every `count` consecutive
/// hits fall within `window` (hits sorted by time).
pub(crate) fn bursts(hits: &[Hit], count: usize, window: i64) -> Vec<&[Hit]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + count <= hits.len() {
        if hits[i + count - 1].time - hits[i].time > window {
            i += 1;
            continue;
        }
        // Extend while the run stays dense.
        let mut end = i + count - 1;
        while end + 1 < hits.len() && hits[end + 1].time - hits[end + 2 - count].time <= window {
            end += 1;
        }
        out.push(&hits[i..=end]);
        i = end + 1;
    }
    out
}

async fn grouped(ctx: &SessionContext, sql: &str) -> Result<BTreeMap<String, Vec<Hit>>> {
    let mut groups: BTreeMap<String, Vec<Hit>> = BTreeMap::new();
    for b in ctx.sql(sql).await?.collect().await? {
        // Text columns may come back as Utf8View from literals: normalise.
        let text = |i: usize| arrow::compute::cast(b.column(i), &arrow::datatypes::DataType::Utf8);
        let (g, id, k, o) = (text(0)?, text(2)?, text(3)?, text(4)?);
        let (g, id, k, o) = (
            g.as_string::<i32>(),
            id.as_string::<i32>(),
            k.as_string::<i32>(),
            o.as_string::<i32>(),
        );
        let t = b.column(1).as_primitive::<TimestampMicrosecondType>();
        for row in 0..b.num_rows() {
            if g.is_null(row) {
                continue;
            }
            groups
                .entry(g.value(row).to_owned())
                .or_default()
                .push(Hit {
                    time: t.value(row),
                    id: id.value(row).to_owned(),
                    key: k.is_valid(row).then(|| k.value(row).to_owned()),
                    other: o.is_valid(row).then(|| o.value(row).to_owned()),
                });
        }
    }
    Ok(groups)
}

pub(super) async fn access_denied(
    ctx: &SessionContext,
    cfg: &AnomalyConfig,
) -> Result<Vec<Finding>> {
    let sql = "SELECT principal_arn, event_time, event_id, key_arn, source_ip FROM cloudtrail \
               WHERE event_source = 'kms.amazonaws.com' AND error_code LIKE 'AccessDenied%' \
               AND principal_arn IS NOT NULL ORDER BY principal_arn, event_time, event_id";
    let mut out = Vec::new();
    for (principal, hits) in grouped(ctx, sql).await? {
        for run in bursts(
            &hits,
            cfg.burst_count as usize,
            i64::from(cfg.burst_minutes) * MINUTE,
        ) {
            let key = run.iter().find_map(|h| h.key.clone());
            let evidence: Vec<String> = run.iter().take(100).map(|h| h.id.clone()).collect();
            out.push(Finding {
                finding_id: finding_id("access_denied_burst", &[run[0].id.clone()]),
                kind: "access_denied_burst",
                severity: Severity::High,
                title: format!("Burst of denied KMS calls by {principal}"),
                key_arn: key.clone(),
                principal_arn: Some(principal.clone()),
                resource_arn: None,
                account_id: super::arn_account(key.as_deref()),
                region: super::arn_region(key.as_deref()),
                source_ip: run.iter().find_map(|h| h.other.clone()),
                first_seen: run[0].time,
                last_seen: run[run.len() - 1].time,
                event_count: run.len() as u64,
                evidence,
                controls: vec![
                    "PCI-DSS-4.0.1:10.2.1.4",
                    "PCI-DSS-4.0.1:10.4.1",
                    "SOC2:CC7.2",
                    "SOC2:CC7.3",
                ],
                detail: format!(
                    "{} AccessDenied errors in {} minutes (threshold {} in {})",
                    run.len(),
                    ((run[run.len() - 1].time - run[0].time) / MINUTE).max(1),
                    cfg.burst_count,
                    cfg.burst_minutes
                ),
                observed: Some(run.len() as i64),
                expected: None,
                score: None,
            });
        }
    }
    Ok(out)
}

pub(super) async fn gateway_then_kms(
    ctx: &SessionContext,
    cfg: &AnomalyConfig,
) -> Result<Vec<Finding>> {
    let sql = "SELECT client_ip, event_time, event_id, CAST(NULL AS VARCHAR), gateway FROM gateway \
               WHERE status IN (401, 403) AND client_ip IS NOT NULL ORDER BY client_ip, event_time, event_id";
    let window = i64::from(cfg.gateway_window_minutes) * MINUTE;
    let mut out = Vec::new();
    for (ip, hits) in grouped(ctx, sql).await? {
        for run in bursts(
            &hits,
            cfg.burst_count as usize,
            i64::from(cfg.burst_minutes) * MINUTE,
        ) {
            let (start, end) = (run[0].time, run[run.len() - 1].time);
            let kms = format!(
                "SELECT principal_arn, event_time, event_id, key_arn, event_name FROM cloudtrail \
                 WHERE {} AND source_ip = '{}' AND event_time >= to_timestamp_micros({start}) \
                 AND event_time <= to_timestamp_micros({}) ORDER BY principal_arn, event_time, event_id",
                usage_filter(),
                ip.replace('\'', "''"),
                end + window
            );
            for (principal, uses) in grouped(ctx, &kms).await? {
                let key = uses.iter().find_map(|h| h.key.clone());
                let mut evidence: Vec<String> = run.iter().take(50).map(|h| h.id.clone()).collect();
                evidence.extend(uses.iter().take(50).map(|h| h.id.clone()));
                out.push(Finding {
                    finding_id: finding_id("gateway_auth_failures_then_decrypt", &[run[0].id.clone(), principal.clone()]),
                    kind: "gateway_auth_failures_then_decrypt",
                    severity: Severity::Critical,
                    title: format!("Authentication failures at a gateway, then key use from the same address {ip}"),
                    key_arn: key.clone(),
                    principal_arn: Some(principal.clone()),
                    resource_arn: None,
                    account_id: super::arn_account(key.as_deref()),
                    region: super::arn_region(key.as_deref()),
                    source_ip: Some(ip.clone()),
                    first_seen: start,
                    last_seen: uses[uses.len() - 1].time,
                    event_count: (run.len() + uses.len()) as u64,
                    evidence,
                    controls: vec!["PCI-DSS-4.0.1:8.3.4", "PCI-DSS-4.0.1:10.4.1", "SOC2:CC6.1", "SOC2:CC7.2", "SOC2:CC7.3"],
                    detail: format!(
                        "{} authentication failures at {} within {} minutes, then {} KMS calls by {principal} from the same address",
                        run.len(),
                        run[0].other.as_deref().unwrap_or("a gateway"),
                        ((end - start) / MINUTE).max(1),
                        uses.len()
                    ),
                    observed: Some(uses.len() as i64),
                    expected: Some(0.0),
                    score: None,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(minutes: &[i64]) -> Vec<Hit> {
        minutes
            .iter()
            .map(|m| Hit {
                time: m * MINUTE,
                id: m.to_string(),
                key: None,
                other: None,
            })
            .collect()
    }

    #[test]
    fn dense_runs_only() {
        let h = hits(&[0, 1, 2, 3, 60, 61, 62, 120]);
        let b = bursts(&h, 3, 5 * MINUTE);
        assert_eq!(b.iter().map(|r| r.len()).collect::<Vec<_>>(), vec![4, 3]);
        assert!(bursts(&hits(&[0, 10, 20, 30]), 2, 5 * MINUTE).is_empty());
    }
}
