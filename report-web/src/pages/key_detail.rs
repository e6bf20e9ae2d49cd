use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::{Path, State},
    response::Html,
};
use keyledger_schemas::time;

use super::{Chrome, enc, render, s, when};
use crate::{
    AppError, AppState,
    rows::{lit, rows},
    svg,
};

pub(crate) struct TimelineRow {
    pub time: String,
    pub name: String,
    pub who: String,
    pub id: String,
    pub id_path: String,
}

pub(crate) struct FindingRow {
    pub first_seen: String,
    pub severity: String,
    pub title: String,
    pub detail: String,
    pub evidence: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "key.html")]
pub(crate) struct KeyPage {
    pub chrome: Chrome,
    pub key_arn: String,
    pub key_arn_query: String,
    pub facts: Vec<(String, String)>,
    pub chart: String,
    pub timeline: Vec<TimelineRow>,
    pub findings: Vec<FindingRow>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Path(key_arn): Path<String>,
) -> Result<Html<String>, AppError> {
    let ledger = state.ledger();
    let ledger = &*ledger;
    let k = lit(&key_arn);
    let facts = rows(
        ledger,
        &format!("SELECT * FROM key_state WHERE key_arn = {k}"),
    )
    .await?;
    let Some(f) = facts.first() else {
        return Err(AppError::NotFound);
    };
    let verdict = rows(
        ledger,
        &format!("SELECT status, reason, detail FROM rotation_compliance WHERE key_arn = {k}"),
    )
    .await?;
    let mut shown: Vec<(String, String)> = Vec::new();
    if let Some(v) = verdict.first() {
        shown.push((
            "Rotation verdict".into(),
            format!(
                "{} — {} ({})",
                s(v, "status"),
                s(v, "detail"),
                s(v, "reason")
            ),
        ));
    }
    for (label, col) in [
        ("Aliases", "aliases"),
        ("Account", "account_id"),
        ("Region", "region"),
        ("Manager", "key_manager"),
        ("Spec", "key_spec"),
        ("Usage", "key_usage"),
        ("Origin", "origin"),
        ("Custom key store", "custom_key_store_id"),
        ("State", "key_state"),
        ("Created", "created_at"),
        ("Automatic rotation", "rotation_enabled"),
        ("Rotation period (days)", "rotation_period_days"),
        ("Last automatic rotation", "last_automatic_rotation"),
        ("Last on-demand rotation", "last_on_demand_rotation"),
        ("Deletion date", "deletion_date"),
        ("First seen", "first_seen"),
        ("Last seen", "last_seen"),
        ("Events naming the key", "events"),
        ("Last inventory snapshot", "last_inventory"),
        ("Inventory errors", "inventory_errors"),
        ("Key policy", "policy"),
    ] {
        let v = s(f, col);
        if !v.is_empty() {
            shown.push((label.into(), v));
        }
    }
    let timeline = rows(
        ledger,
        &format!(
            "SELECT event_time, event_name, principal_arn, event_id, error_code FROM cloudtrail WHERE key_arn = {k} \
             AND event_name IN ({}) ORDER BY event_time",
            keyledger_query::keys::MANAGEMENT_EVENTS.iter().map(|e| lit(e)).collect::<Vec<_>>().join(",")
        ),
    )
    .await?
    .iter()
    .map(|r| TimelineRow {
        time: when(r, "event_time"),
        name: if s(r, "error_code").is_empty() { s(r, "event_name") } else { format!("{} (failed: {})", s(r, "event_name"), s(r, "error_code")) },
        who: s(r, "principal_arn"),
        id_path: enc(&s(r, "event_id")),
        id: s(r, "event_id"),
    })
    .collect();
    // Daily use per principal, the top five by volume and the rest together.
    let usage = rows(
        ledger,
        &format!(
            "SELECT CAST(date AS VARCHAR) AS day, principal_arn, count(*) AS n FROM cloudtrail WHERE key_arn = {k} \
             AND event_name IN ({}) GROUP BY 1, 2 ORDER BY 1",
            keyledger_schemas::cloudtrail::KEY_USAGE_EVENTS.iter().map(|e| lit(e)).collect::<Vec<_>>().join(",")
        ),
    )
    .await?;
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for r in &usage {
        *totals.entry(s(r, "principal_arn")).or_default() +=
            r.get("n").and_then(|v| v.as_i64()).unwrap_or(0);
    }
    let mut top: Vec<(String, i64)> = totals.into_iter().collect();
    top.sort_by_key(|t| std::cmp::Reverse(t.1));
    let top: Vec<String> = top.into_iter().take(5).map(|(p, _)| p).collect();
    let mut days: BTreeMap<i32, BTreeMap<String, i64>> = BTreeMap::new();
    for r in &usage {
        let Some(day) = time::date32_from_str(&s(r, "day")) else {
            continue;
        };
        let p = s(r, "principal_arn");
        let series = if top.contains(&p) { p } else { "others".into() };
        *days.entry(day).or_default().entry(series).or_default() +=
            r.get("n").and_then(|v| v.as_i64()).unwrap_or(0);
    }
    let findings_rows = rows(
        ledger,
        &format!("SELECT * FROM findings WHERE key_arn = {k} ORDER BY first_seen"),
    )
    .await?;
    let marks: Vec<i32> = findings_rows
        .iter()
        .filter_map(|r| {
            time::date32_from_str(&s(r, "first_seen").chars().take(10).collect::<String>())
        })
        .collect();
    let findings = findings_rows
        .iter()
        .map(|r| FindingRow {
            first_seen: when(r, "first_seen"),
            severity: s(r, "severity"),
            title: s(r, "title"),
            detail: s(r, "detail"),
            evidence: r
                .get("evidence")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .take(5)
                        .filter_map(|x| x.as_str())
                        .map(|id| (id.to_owned(), enc(id)))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    render(&KeyPage {
        chrome: Chrome::of(&state),
        key_arn_query: enc(&key_arn),
        chart: svg::daily_usage(&days, &marks),
        key_arn,
        facts: shown,
        timeline,
        findings,
    })
}
