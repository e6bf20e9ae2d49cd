//! `decrypt_spike`: hourly use far above the principal's own baseline.

use std::collections::HashMap;

use arrow::{
    array::{Array, AsArray},
    datatypes::Int64Type,
};
use datafusion::prelude::SessionContext;

use super::{AnomalyConfig, DAY, HOUR, usage_filter};
use crate::{
    Result,
    findings::{Finding, Severity, finding_id},
};

/// Median and median absolute deviation.
fn median_mad(xs: &mut [f64]) -> (f64, f64) {
    let med = median(xs);
    let mut dev: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
    (med, median(&mut dev))
}

fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn weekend(hour: i64) -> bool {
    // 1970-01-01 was a Thursday: day 0 → Thursday, (day + 3) % 7 → Monday = 0.
    (hour.div_euclid(DAY) + 3).rem_euclid(7) >= 5
}

/// The expected count for `hour` from a series' history, and its spread:
/// the same hour on earlier days of the same kind (weekday or weekend) in
/// the last two weeks, and the same hour of the same weekday in the last
/// weeks. The larger of the two expectations wins, so a nightly batch (seen
/// every day) and a weekly job (seen every Sunday) are both normal.
pub(crate) fn baseline(
    series: &HashMap<i64, u64>,
    first: i64,
    hour: i64,
    days: u32,
) -> Option<(f64, f64)> {
    let at = |d: i64| {
        let h = hour - d * DAY;
        (h >= first).then(|| *series.get(&h).unwrap_or(&0) as f64)
    };
    let mut daily: Vec<f64> = (1..=14.min(i64::from(days)))
        .filter(|d| weekend(hour - d * DAY) == weekend(hour))
        .filter_map(at)
        .collect();
    let mut weekly: Vec<f64> = (1..=i64::from(days) / 7)
        .filter_map(|w| at(7 * w))
        .collect();
    if daily.len() < 3 {
        return None;
    }
    let (d_med, d_mad) = median_mad(&mut daily);
    let (w_med, w_mad) = if weekly.len() >= 2 {
        median_mad(&mut weekly)
    } else {
        (0.0, 0.0)
    };
    Some(if w_med > d_med {
        (w_med, w_mad)
    } else {
        (d_med, d_mad)
    })
}

/// How unusual `x` is against (expected, MAD): a robust z-score with a
/// Poisson floor, so that a baseline of zeros does not make every call a spike.
pub(crate) fn score(x: f64, expected: f64, mad: f64) -> f64 {
    (x - expected) / (1.4826 * mad + expected.sqrt() + 1.0)
}

pub(super) async fn detect(ctx: &SessionContext, cfg: &AnomalyConfig) -> Result<Vec<Finding>> {
    let sql = format!(
        "SELECT principal_arn, key_arn, to_unixtime(date_trunc('hour', event_time)) AS hour, count(*) AS n \
         FROM cloudtrail WHERE {} AND error_code IS NULL GROUP BY 1, 2, 3",
        usage_filter()
    );
    let mut series: HashMap<(String, String), HashMap<i64, u64>> = HashMap::new();
    for b in ctx.sql(&sql).await?.collect().await? {
        let (p, k) = (
            b.column(0).as_string::<i32>(),
            b.column(1).as_string::<i32>(),
        );
        let (h, n) = (
            b.column(2).as_primitive::<Int64Type>(),
            b.column(3).as_primitive::<Int64Type>(),
        );
        for i in 0..b.num_rows() {
            if p.is_null(i) || k.is_null(i) {
                continue;
            }
            series
                .entry((p.value(i).to_owned(), k.value(i).to_owned()))
                .or_default()
                .insert(h.value(i) * 1_000_000, n.value(i) as u64);
        }
    }
    let mut out = Vec::new();
    for ((principal, key), s) in &series {
        let first = *s.keys().min().unwrap_or(&0);
        let mut flagged: Vec<(i64, u64, f64, f64)> = Vec::new();
        for (&hour, &n) in s {
            if n < cfg.spike_min_count || hour - first < i64::from(cfg.learning_days) * DAY {
                continue;
            }
            let Some((expected, mad)) = baseline(s, first, hour, cfg.baseline_days) else {
                continue;
            };
            let z = score(n as f64, expected, mad);
            if z >= cfg.spike_threshold && n as f64 >= cfg.spike_ratio * expected.max(1.0) {
                flagged.push((hour, n, expected, z));
            }
        }
        flagged.sort_by_key(|f| f.0);
        // Consecutive anomalous hours are one spike.
        let mut i = 0;
        while i < flagged.len() {
            let mut j = i;
            while j + 1 < flagged.len() && flagged[j + 1].0 == flagged[j].0 + HOUR {
                j += 1;
            }
            let run = &flagged[i..=j];
            let observed: u64 = run.iter().map(|f| f.1).sum();
            let expected: f64 = run.iter().map(|f| f.2).sum();
            let z = run.iter().map(|f| f.3).fold(f64::MIN, f64::max);
            out.push(spike_finding(
                principal,
                key,
                run[0].0,
                run[j - i].0 + HOUR - 1,
                observed,
                expected,
                z,
            ));
            i = j + 1;
        }
    }
    attach_evidence(ctx, &mut out).await?;
    Ok(out)
}

fn spike_finding(
    principal: &str,
    key: &str,
    start: i64,
    end: i64,
    observed: u64,
    expected: f64,
    z: f64,
) -> Finding {
    Finding {
        finding_id: finding_id(
            "decrypt_spike",
            &[principal.into(), key.into(), start.to_string()],
        ),
        kind: "decrypt_spike",
        severity: Severity::High,
        title: format!("Unusual volume of key use by {principal}"),
        key_arn: Some(key.into()),
        principal_arn: Some(principal.into()),
        resource_arn: None,
        account_id: super::arn_account(Some(key)),
        region: super::arn_region(Some(key)),
        source_ip: None,
        first_seen: start,
        last_seen: end,
        event_count: observed,
        evidence: Vec::new(),
        controls: vec!["PCI-DSS-4.0.1:10.4.1", "SOC2:CC7.2", "SOC2:CC7.3"],
        detail: format!(
            "{observed} calls where about {expected:.0} are usual for this principal, key and time (score {z:.1})"
        ),
        observed: Some(observed as i64),
        expected: Some(expected),
        score: Some(z),
    }
}

/// Up to 50 event ids of each spike, as its evidence (and its main source address).
async fn attach_evidence(ctx: &SessionContext, findings: &mut [Finding]) -> Result<()> {
    for f in findings.iter_mut() {
        let sql = format!(
            "SELECT event_id, source_ip FROM cloudtrail WHERE {} AND error_code IS NULL AND principal_arn = '{}' AND key_arn = '{}' \
             AND event_time >= to_timestamp_micros({}) AND event_time <= to_timestamp_micros({}) ORDER BY event_time, event_id LIMIT 50",
            usage_filter(),
            f.principal_arn.as_deref().unwrap_or("").replace('\'', "''"),
            f.key_arn.as_deref().unwrap_or("").replace('\'', "''"),
            f.first_seen,
            f.last_seen
        );
        for b in ctx.sql(&sql).await?.collect().await? {
            let ids = b.column(0).as_string::<i32>();
            let ips = b.column(1).as_string::<i32>();
            for i in 0..b.num_rows() {
                f.evidence.push(ids.value(i).to_owned());
                if f.source_ip.is_none() && ips.is_valid(i) {
                    f.source_ip = Some(ips.value(i).to_owned());
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nightly_and_weekly_rhythms_are_normal() {
        // Day 0 is a Monday here (hour offsets are relative to an epoch Monday).
        let monday = 4 * DAY; // 1970-01-05
        let mut s = HashMap::new();
        for d in 0..28 {
            s.insert(monday + d * DAY + 2 * HOUR, 500); // nightly batch at 02:00
            s.insert(monday + d * DAY + 14 * HOUR, 40); // daytime use
            if d % 7 == 6 {
                s.insert(monday + d * DAY + 5 * HOUR, 900); // Sunday job
            }
        }
        let first = monday;
        let (e, m) = baseline(&s, first, monday + 27 * DAY + 2 * HOUR, 28).unwrap();
        assert!(score(500.0, e, m) < 1.0);
        let (e, m) = baseline(&s, first, monday + 27 * DAY + 5 * HOUR, 28).unwrap();
        assert!(score(900.0, e, m) < 1.0, "weekly job flagged: expected {e}");
        let (e, m) = baseline(&s, first, monday + 23 * DAY + 14 * HOUR, 28).unwrap();
        assert!(
            score(400.0, e, m) > 20.0,
            "a 10x daytime spike is not flagged"
        );
        assert!(weekend(monday + 5 * DAY) && !weekend(monday + 4 * DAY));
    }
}
