use askama::Template;
use axum::{
    extract::{Query, State},
    response::Html,
};

use super::{Chrome, PeriodParams, render};
use crate::{AppError, AppState, state::Integrity, svg};

pub(crate) struct CoverageRow {
    pub account: String,
    pub region: String,
    pub days: usize,
    pub missing: Vec<String>,
    pub missing_text: String,
}

pub(crate) struct Latest {
    pub first_seen: String,
    pub severity: String,
    pub title: String,
    pub principal: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub(crate) struct Overview {
    pub chrome: Chrome,
    pub start: String,
    pub end: String,
    pub policy_days: u32,
    pub verdicts: Vec<(String, usize)>,
    pub verdict_chart: String,
    pub critical: usize,
    pub anomalies: usize,
    pub events: i64,
    pub period_days: usize,
    pub coverage: Vec<CoverageRow>,
    pub latest: Vec<Latest>,
    pub integrity: Option<Integrity>,
}

pub(crate) const ANOMALY_KINDS: &[&str] = &[
    "decrypt_spike",
    "new_principal_key_pair",
    "new_source_ip",
    "access_denied_burst",
    "gateway_auth_failures_then_decrypt",
];

pub(crate) async fn page(
    State(state): State<AppState>,
    Query(p): Query<PeriodParams>,
) -> Result<Html<String>, AppError> {
    let period = p.resolve()?;
    let ev = state
        .evidence(&period.start, &period.end, period.policy_days)
        .await?;
    let verdicts = ev.verdict_counts();
    let coverage = ev
        .coverage
        .iter()
        .map(|c| CoverageRow {
            account: c.account_id.clone(),
            region: c.region.clone(),
            days: c.days,
            missing: c.missing.clone(),
            missing_text: summarise_days(&c.missing),
        })
        .collect();
    let latest = ev
        .findings
        .iter()
        .rev()
        .filter(|f| f.severity == "critical")
        .take(10)
        .map(|f| Latest {
            first_seen: f.first_seen.replace('T', " "),
            severity: f.severity.clone(),
            title: f.title.clone(),
            principal: f.principal_arn.clone().unwrap_or_default(),
        })
        .collect();
    render(&Overview {
        chrome: Chrome::of(&state),
        verdict_chart: svg::verdict_bar(&verdicts),
        critical: ev
            .findings
            .iter()
            .filter(|f| f.severity == "critical")
            .count(),
        anomalies: ev.findings_of(ANOMALY_KINDS).count(),
        events: ev.events_in_period,
        period_days: ev.period_days,
        verdicts,
        coverage,
        latest,
        integrity: state.integrity.read().await.clone(),
        start: period.start,
        end: period.end,
        policy_days: period.policy_days,
    })
}

/// "2026-01-03..2026-01-05, 2026-02-01" from sorted days.
pub(crate) fn summarise_days(days: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < days.len() && out.len() < 8 {
        let mut j = i;
        let d = |k: usize| keyledger_schemas::time::date32_from_str(&days[k]).unwrap_or_default();
        while j + 1 < days.len() && d(j + 1) == d(j) + 1 {
            j += 1;
        }
        out.push(if i == j {
            days[i].clone()
        } else {
            format!("{}..{}", days[i], days[j])
        });
        i = j + 1;
    }
    if i < days.len() {
        out.push("…".into());
    }
    out.join(", ")
}
