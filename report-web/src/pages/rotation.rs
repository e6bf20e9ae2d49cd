use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Html,
};
use keyledger_schemas::time;
use serde::Deserialize;

use super::{Chrome, PeriodParams, enc, render};
use crate::{AppError, AppState};

#[derive(Debug, Deserialize, Default)]
pub(crate) struct Params {
    #[serde(flatten)]
    period: PeriodParams,
    as_of: Option<String>,
    account: Option<String>,
    region: Option<String>,
    status: Option<String>,
}

pub(crate) struct KeyRow {
    pub status: String,
    pub reason: String,
    pub detail: String,
    pub key_arn_path: String,
    pub label: String,
    pub key_id: String,
    pub account_id: String,
    pub region: String,
    pub spec: String,
    pub origin: String,
    pub state: String,
    pub period: String,
    pub last_rotation: String,
    pub age: String,
    pub databases: String,
    pub out_days: i32,
    pub out_spans: String,
}

#[derive(Template)]
#[template(path = "rotation.html")]
pub(crate) struct Rotation {
    pub chrome: Chrome,
    pub as_of: String,
    pub policy_days: u32,
    pub start: String,
    pub end: String,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub statuses: Vec<String>,
    pub account: String,
    pub region: String,
    pub status: String,
    pub keys: Vec<KeyRow>,
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Html<String>, AppError> {
    let period = p.period.resolve()?;
    let as_of = match p.as_of.as_deref().filter(|s| !s.is_empty()) {
        Some(a) if time::date32_from_str(a).is_some() => a.to_owned(),
        Some(a) => return Err(AppError::BadRequest(format!("as_of is not a date: {a:?}"))),
        None => period.end.clone(),
    };
    let ev = state
        .evidence(&period.start, &as_of, period.policy_days)
        .await?;
    let mut dbs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in ev.databases.iter().filter(|d| d.active) {
        if let Some(k) = &d.key_arn {
            dbs.entry(k.clone())
                .or_default()
                .push(d.db_identifier.clone());
        }
    }
    let spans: BTreeMap<&str, &Vec<keyledger_query::keys::history::Span>> = ev
        .out_of_compliance
        .iter()
        .map(|(k, s)| (k.as_str(), s))
        .collect();
    let (account, region, status) = (opt(&p.account), opt(&p.region), opt(&p.status));
    let keep = |v: &str, want: &str| want.is_empty() || v == want;
    let keys = ev
        .rotation
        .iter()
        .filter(|r| {
            keep(&r.account_id, &account) && keep(&r.region, &region) && keep(&r.status, &status)
        })
        .map(|r| {
            let out = spans.get(r.key_arn.as_str());
            KeyRow {
                status: r.status.clone(),
                reason: r.reason.clone(),
                detail: r.detail.clone(),
                key_arn_path: enc(&r.key_arn),
                label: r
                    .aliases
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "(no alias)".into()),
                key_id: r.key_arn.rsplit('/').next().unwrap_or_default().to_owned(),
                account_id: r.account_id.clone(),
                region: r.region.clone(),
                spec: r.key_spec.clone().unwrap_or_default(),
                origin: r.origin.clone().unwrap_or_default(),
                state: r.key_state.clone().unwrap_or_default(),
                period: r
                    .rotation_period_days
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                last_rotation: r
                    .last_rotation
                    .as_deref()
                    .map(|t| t.chars().take(10).collect())
                    .unwrap_or_default(),
                age: r
                    .material_age_days
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                databases: dbs
                    .get(&r.key_arn)
                    .map(|v| v.join(", "))
                    .unwrap_or_default(),
                out_days: out.map_or(0, |s| s.iter().map(|x| x.days()).sum()),
                out_spans: out
                    .map(|s| {
                        s.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    let set = |f: &dyn Fn(&crate::report::evidence::RotationRow) -> String| -> Vec<String> {
        ev.rotation
            .iter()
            .map(f)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    render(&Rotation {
        chrome: Chrome::of(&state),
        accounts: set(&|r| r.account_id.clone()),
        regions: set(&|r| r.region.clone()),
        statuses: ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "UNKNOWN"]
            .map(str::to_owned)
            .to_vec(),
        account,
        region,
        status,
        keys,
        as_of,
        policy_days: period.policy_days,
        start: period.start,
        end: period.end,
    })
}
