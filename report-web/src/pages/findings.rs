use askama::Template;
use axum::{
    extract::{Query, State},
    response::Html,
};
use serde::Deserialize;

use super::{Chrome, enc, overview::ANOMALY_KINDS, render, s, when};
use crate::{AppError, AppState, rows::rows};

const PAGE: usize = 100;

#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct Params {
    severity: Option<String>,
    kind: Option<String>,
    principal: Option<String>,
    sort: Option<String>,
    #[serde(default, deserialize_with = "crate::pages::number")]
    offset: Option<usize>,
}

pub(crate) struct Row {
    pub severity: String,
    pub kind: String,
    pub first_seen: String,
    pub last_seen: String,
    pub title: String,
    pub detail: String,
    pub principal: String,
    pub key: String,
    pub key_path: String,
    pub source_ip: String,
    pub events: String,
    pub observed: String,
    pub controls: String,
    pub evidence: Vec<(String, String)>,
    pub more: usize,
}

#[derive(Template)]
#[template(path = "findings.html")]
pub(crate) struct FindingsPage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub path: &'static str,
    pub severities: Vec<String>,
    pub kinds: Vec<String>,
    pub sorts: Vec<String>,
    pub severity: String,
    pub kind: String,
    pub principal: String,
    pub sort: String,
    pub rows: Vec<Row>,
    pub shown: usize,
    pub total: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

pub(crate) async fn findings(
    state: State<AppState>,
    p: Query<Params>,
) -> Result<Html<String>, AppError> {
    page(state, p, false).await
}

pub(crate) async fn anomalies(
    state: State<AppState>,
    p: Query<Params>,
) -> Result<Html<String>, AppError> {
    page(state, p, true).await
}

fn rank(sev: &str) -> u8 {
    match sev {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        _ => 4,
    }
}

async fn page(
    State(state): State<AppState>,
    Query(p): Query<Params>,
    only_anomalies: bool,
) -> Result<Html<String>, AppError> {
    let all = rows(&state.ledger(), "SELECT * FROM findings").await?;
    let mut kinds: Vec<String> = all.iter().map(|r| s(r, "kind")).collect();
    kinds.sort();
    kinds.dedup();
    let want = |v: &Option<String>| v.clone().filter(|x| !x.is_empty());
    let (severity, kind, principal) = (want(&p.severity), want(&p.kind), want(&p.principal));
    let mut list: Vec<_> = all
        .into_iter()
        .filter(|r| ANOMALY_KINDS.contains(&s(r, "kind").as_str()) == only_anomalies)
        .filter(|r| severity.as_ref().is_none_or(|x| &s(r, "severity") == x))
        .filter(|r| kind.as_ref().is_none_or(|x| &s(r, "kind") == x))
        .filter(|r| {
            principal
                .as_ref()
                .is_none_or(|x| s(r, "principal_arn").contains(x.as_str()))
        })
        .collect();
    let sort = p.sort.clone().unwrap_or_else(|| "severity".into());
    match sort.as_str() {
        "oldest" => list.sort_by_key(|r| s(r, "first_seen")),
        "newest" => list.sort_by_key(|r| std::cmp::Reverse(s(r, "first_seen"))),
        _ => list.sort_by_key(|r| {
            (
                rank(&s(r, "severity")),
                std::cmp::Reverse(s(r, "first_seen")),
            )
        }),
    }
    let total = list.len();
    let offset = p.offset.unwrap_or(0).min(total);
    let path = if only_anomalies {
        "/anomalies"
    } else {
        "/findings"
    };
    let link = |off: usize| {
        format!(
            "{path}?severity={}&kind={}&principal={}&sort={}&offset={off}",
            enc(severity.as_deref().unwrap_or("")),
            enc(kind.as_deref().unwrap_or("")),
            enc(principal.as_deref().unwrap_or("")),
            enc(&sort)
        )
    };
    let rows: Vec<Row> = list
        .iter()
        .skip(offset)
        .take(PAGE)
        .map(|r| {
            let evidence: Vec<String> = r
                .get("evidence")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let observed = match (
                r.get("observed").and_then(|v| v.as_i64()),
                r.get("expected").and_then(|v| v.as_f64()),
            ) {
                (Some(o), Some(e)) => format!("{o} / {e:.0}"),
                (Some(o), None) => o.to_string(),
                _ => String::new(),
            };
            Row {
                severity: s(r, "severity"),
                kind: s(r, "kind"),
                first_seen: when(r, "first_seen"),
                last_seen: when(r, "last_seen"),
                title: s(r, "title"),
                detail: s(r, "detail"),
                principal: s(r, "principal_arn"),
                key_path: enc(&s(r, "key_arn")),
                key: s(r, "key_arn"),
                source_ip: s(r, "source_ip"),
                events: s(r, "event_count"),
                observed,
                controls: s(r, "controls"),
                more: evidence.len().saturating_sub(3),
                evidence: evidence
                    .iter()
                    .take(3)
                    .map(|id| (id.clone(), enc(id)))
                    .collect(),
            }
        })
        .collect();
    render(&FindingsPage {
        chrome: Chrome::of(&state),
        heading: if only_anomalies {
            "Anomalous key use"
        } else {
            "Findings"
        },
        path,
        severities: ["critical", "high", "medium", "low", "info"]
            .map(str::to_owned)
            .to_vec(),
        kinds: kinds
            .into_iter()
            .filter(|k| ANOMALY_KINDS.contains(&k.as_str()) == only_anomalies)
            .collect(),
        sorts: ["severity", "newest", "oldest"].map(str::to_owned).to_vec(),
        severity: severity.clone().unwrap_or_default(),
        kind: kind.clone().unwrap_or_default(),
        principal: principal.clone().unwrap_or_default(),
        shown: rows.len(),
        total,
        prev: (offset > 0).then(|| link(offset.saturating_sub(PAGE))),
        next: (offset + PAGE < total).then(|| link(offset + PAGE)),
        sort,
        rows,
    })
}
