//! The events explorer: filters on the ledger, paginated on the server by
//! a cursor (time and id of the last row shown), never the whole result.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Html,
};
use datafusion::prelude::{col, lit};
use keyledger_schemas::time;
use serde::Deserialize;

use super::{Chrome, enc, render, s, when};
use crate::{AppError, AppState, rows::to_rows};

pub(crate) const PAGE: usize = 100;

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct Filters {
    pub from: String,
    pub to: String,
    pub account: String,
    pub event_name: String,
    pub principal: String,
    pub key: String,
    pub ip: String,
    /// `<micros>_<event id>` of the last row of the previous page.
    pub cursor: String,
    #[serde(deserialize_with = "crate::pages::number")]
    pub limit: Option<usize>,
}

impl Filters {
    /// The matching events, newest first, after the cursor.
    pub(crate) async fn dataframe(
        &self,
        state: &AppState,
    ) -> Result<datafusion::prelude::DataFrame, AppError> {
        let mut df = state
            .ledger()
            .context()
            .table("cloudtrail")
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let date = |s: &str| -> Result<i32, AppError> {
            time::date32_from_str(s)
                .ok_or_else(|| AppError::BadRequest(format!("not a date (YYYY-MM-DD): {s:?}")))
        };
        let df_err = |e: datafusion::error::DataFusionError| AppError::Internal(e.to_string());
        if !self.from.is_empty() {
            df = df
                .filter(
                    col("date").gt_eq(lit(datafusion::scalar::ScalarValue::Date32(Some(date(
                        &self.from,
                    )?)))),
                )
                .map_err(df_err)?;
        }
        if !self.to.is_empty() {
            df = df
                .filter(
                    col("date").lt_eq(lit(datafusion::scalar::ScalarValue::Date32(Some(date(
                        &self.to,
                    )?)))),
                )
                .map_err(df_err)?;
        }
        for (column, value) in [
            ("recipient_account_id", &self.account),
            ("event_name", &self.event_name),
            ("principal_arn", &self.principal),
            ("key_arn", &self.key),
            ("source_ip", &self.ip),
        ] {
            if !value.is_empty() {
                df = df
                    .filter(col(column).eq(lit(value.as_str())))
                    .map_err(df_err)?;
            }
        }
        if !self.cursor.is_empty() {
            let (t, id) = self
                .cursor
                .split_once('_')
                .and_then(|(t, id)| Some((t.parse::<i64>().ok()?, id.to_owned())))
                .ok_or_else(|| AppError::BadRequest("bad cursor".into()))?;
            let ts = lit(datafusion::scalar::ScalarValue::TimestampMicrosecond(
                Some(t),
                Some("UTC".into()),
            ));
            df = df
                .filter(
                    col("event_time")
                        .lt(ts.clone())
                        .or(col("event_time").eq(ts).and(col("event_id").lt(lit(id)))),
                )
                .map_err(df_err)?;
        }
        df.sort(vec![
            col("event_time").sort(false, false),
            col("event_id").sort(false, false),
        ])
        .map_err(df_err)
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit.unwrap_or(PAGE).clamp(1, 10_000)
    }

    /// The query string of these filters with another cursor.
    pub(crate) fn with_cursor(&self, cursor: &str) -> String {
        format!(
            "from={}&to={}&account={}&event_name={}&principal={}&key={}&ip={}&cursor={}",
            enc(&self.from),
            enc(&self.to),
            enc(&self.account),
            enc(&self.event_name),
            enc(&self.principal),
            enc(&self.key),
            enc(&self.ip),
            enc(cursor)
        )
    }
}

pub(crate) struct EventRow {
    pub time: String,
    pub source: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub principal: String,
    pub key: String,
    pub ip: String,
    pub error: String,
    pub id_path: String,
}

#[derive(Template)]
#[template(path = "events.html")]
pub(crate) struct EventsPage {
    pub chrome: Chrome,
    pub f: Filters,
    pub rows: Vec<EventRow>,
    pub next: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Query(f): Query<Filters>,
) -> Result<Html<String>, AppError> {
    let limit = f.limit().min(PAGE);
    let df = f
        .dataframe(&state)
        .await?
        .select_columns(&[
            "event_time",
            "event_id",
            "event_source",
            "event_name",
            "recipient_account_id",
            "aws_region",
            "principal_arn",
            "key_arn",
            "source_ip",
            "error_code",
        ])
        .and_then(|d| d.limit(0, Some(limit + 1)))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let batches = df
        .collect()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut rows = to_rows(&batches)?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|r| {
            let t = s(r, "event_time");
            let micros = time::parse_text(&t)
                .map(time::to_micros)
                .unwrap_or_default();
            format!(
                "/events?{}",
                f.with_cursor(&format!("{micros}_{}", s(r, "event_id")))
            )
        })
    } else {
        None
    };
    let rows = rows
        .iter()
        .map(|r| EventRow {
            time: when(r, "event_time"),
            source: s(r, "event_source")
                .trim_end_matches(".amazonaws.com")
                .to_owned(),
            name: s(r, "event_name"),
            account: s(r, "recipient_account_id"),
            region: s(r, "aws_region"),
            principal: s(r, "principal_arn"),
            key: s(r, "key_arn"),
            ip: s(r, "source_ip"),
            error: s(r, "error_code"),
            id_path: enc(&s(r, "event_id")),
        })
        .collect();
    render(&EventsPage {
        chrome: Chrome::of(&state),
        f,
        rows,
        next,
    })
}

#[derive(Template)]
#[template(path = "event.html")]
pub(crate) struct EventPage {
    pub chrome: Chrome,
    pub id: String,
    pub fields: Vec<(String, String)>,
    pub raw: String,
}

pub(crate) async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let df = state
        .ledger()
        .context()
        .table("cloudtrail")
        .await
        .and_then(|d| d.filter(col("event_id").eq(lit(id.as_str()))))
        .and_then(|d| d.limit(0, Some(1)))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let rows = to_rows(
        &df.collect()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?,
    )?;
    let Some(r) = rows.first() else {
        return Err(AppError::NotFound);
    };
    let raw = s(r, "raw");
    let pretty = serde_json::from_str::<serde_json::Value>(&raw)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(raw);
    let fields = [
        "event_time",
        "event_source",
        "event_name",
        "recipient_account_id",
        "aws_region",
        "principal_type",
        "principal_arn",
        "session_arn",
        "invoked_by",
        "source_ip",
        "user_agent",
        "key_arn",
        "error_code",
        "error_message",
        "source",
    ]
    .iter()
    .map(|k| ((*k).to_owned(), s(r, k)))
    .filter(|(_, v)| !v.is_empty())
    .collect();
    render(&EventPage {
        chrome: Chrome::of(&state),
        id,
        fields,
        raw: pretty,
    })
}
