//! HTML pages. Each handler reads through the query layer and renders an
//! askama template (HTML-escaped by default; charts are SVG built with
//! escaping in [`crate::svg`]).

pub(crate) mod events;
mod findings;
mod key_detail;
mod overview;
pub(crate) mod packs;
mod rds;
mod reports;
mod rotation;

use axum::{Router, response::Html, routing::get};
use keyledger_schemas::time;
use serde::Deserialize;

use crate::{AppError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/rotation", get(rotation::page))
        .route("/keys/{*key_arn}", get(key_detail::page))
        .route("/rds", get(rds::page))
        .route("/findings", get(findings::findings))
        .route("/anomalies", get(findings::anomalies))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::one))
        .route("/reports/{framework}", get(reports::page))
        .route(
            "/packs",
            get(packs::page).post(crate::api::packs::create_from_form),
        )
}

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub open_access: bool,
    pub sequence: u64,
    pub head: String,
}

impl Chrome {
    pub(crate) fn of(state: &AppState) -> Chrome {
        let ledger = state.ledger();
        let snap = ledger.snapshot();
        Chrome {
            open_access: state.open_access(),
            sequence: snap.sequence,
            head: snap
                .head_hash
                .clone()
                .unwrap_or_else(|| "(empty store)".into()),
        }
    }
}

pub(crate) fn render(t: &impl askama::Template) -> Result<Html<String>, AppError> {
    Ok(Html(t.render()?))
}

/// Percent-encode a value for a URL path segment or query value.
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The audit period and policy of a request; default the last twelve months.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PeriodParams {
    pub start: Option<String>,
    pub end: Option<String>,
    #[serde(default, deserialize_with = "crate::pages::number")]
    pub policy_days: Option<u32>,
}

pub(crate) struct Period {
    pub start: String,
    pub end: String,
    pub policy_days: u32,
}

impl PeriodParams {
    pub(crate) fn resolve(&self) -> Result<Period, AppError> {
        let today = chrono::Utc::now().date_naive();
        let check = |s: &Option<String>, default: chrono::NaiveDate| -> Result<String, AppError> {
            match s.as_deref().filter(|s| !s.is_empty()) {
                Some(v) if time::date32_from_str(v).is_some() => Ok(v.to_owned()),
                Some(v) => Err(AppError::BadRequest(format!(
                    "not a date (YYYY-MM-DD): {v:?}"
                ))),
                None => Ok(default.format("%Y-%m-%d").to_string()),
            }
        };
        let end = check(&self.end, today)?;
        let end_date = chrono::NaiveDate::parse_from_str(&end, "%Y-%m-%d").unwrap_or(today);
        let start = check(&self.start, end_date - chrono::Duration::days(364))?;
        if start > end {
            return Err(AppError::BadRequest(
                "the period starts after it ends".into(),
            ));
        }
        let policy_days = self.policy_days.unwrap_or(365);
        if policy_days == 0 {
            return Err(AppError::BadRequest(
                "policy_days must be at least 1".into(),
            ));
        }
        Ok(Period {
            start,
            end,
            policy_days,
        })
    }
}

/// Text of an optional JSON field.
pub(crate) fn s(row: &crate::rows::Row, k: &str) -> String {
    match row.get(k) {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        Some(v) => v.to_string(),
    }
}

/// A timestamp as `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn when(row: &crate::rows::Row, k: &str) -> String {
    s(row, k).replace('T', " ").trim_end_matches('Z').to_owned()
}

/// An optional number from a query string: empty means absent, and a clear
/// error otherwise (also inside `#[serde(flatten)]`, where the value arrives
/// as text).
pub(crate) fn number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("{t:?} is not a number: {e}"))),
    }
}
