//! `GET /rotation`, `/findings`, `/rds`, `/events`: the views and the
//! ledger as JSON, NDJSON, CSV, Parquet or OCSF, filtered by query
//! parameters, paged by cursor (`limit` and `cursor`; the next cursor is in
//! the `x-next-cursor` header), streamed when unpaged.

use axum::{
    extract::{Query, State},
    http::HeaderValue,
    response::Response,
};
use datafusion::prelude::{DataFrame, col, lit};
use serde::Deserialize;

use super::{
    encode::{Format, respond, respond_values, respond_whole},
    ocsf,
};
use crate::{AppError, AppState, pages::events::Filters, rows::to_rows};

fn df_err(e: datafusion::error::DataFusionError) -> AppError {
    match e {
        datafusion::error::DataFusionError::Plan(m) => AppError::BadRequest(m),
        other => AppError::Internal(other.to_string()),
    }
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct Common {
    #[serde(default)]
    format: String,
    #[serde(default, deserialize_with = "crate::pages::number")]
    limit: Option<usize>,
    #[serde(default)]
    cursor: String,
}

/// Page a frame ordered by `key` (ascending): rows after `cursor`, and the
/// cursor of the next page.
async fn page(
    state: &AppState,
    df: DataFrame,
    key: &str,
    common: &Common,
    ocsf_kind: Option<ocsf::Kind>,
) -> Result<Response, AppError> {
    let format: Format = common.format.parse()?;
    let mut df = df;
    if !common.cursor.is_empty() {
        df = df
            .filter(col(key).gt(lit(common.cursor.as_str())))
            .map_err(df_err)?;
    }
    df = df.sort(vec![col(key).sort(true, false)]).map_err(df_err)?;
    let max = state.config.query_max_rows;
    let limited = common.limit.map(|l| l.clamp(1, max));
    if let Some(l) = limited {
        df = df.limit(0, Some(l)).map_err(df_err)?;
    }
    // Paged, binary and OCSF results are collected (bounded by the page or
    // the row limit); the rest streams.
    if limited.is_some() || matches!(format, Format::Parquet | Format::Arrow | Format::Ocsf) {
        let df = if limited.is_none() {
            df.limit(0, Some(max)).map_err(df_err)?
        } else {
            df
        };
        let schema = df.schema().inner().clone();
        let batches = df.collect().await.map_err(df_err)?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let next = match limited {
            Some(l) if rows == l => to_rows(&batches)?
                .last()
                .and_then(|r| r.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            _ => None,
        };
        let mut resp = match (format, ocsf_kind) {
            (Format::Ocsf, Some(kind)) => respond_values(ocsf::convert(kind, &to_rows(&batches)?))?,
            (Format::Ocsf, None) => {
                return Err(AppError::BadRequest(
                    "OCSF is available for findings and events".into(),
                ));
            }
            (Format::Parquet | Format::Arrow, _) => respond_whole(format, &batches, schema)?,
            _ => {
                let stream = futures::stream::iter(batches.into_iter().map(Ok));
                let stream: datafusion::execution::SendableRecordBatchStream = Box::pin(
                    datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(
                        schema, stream,
                    ),
                );
                respond(format, stream, max)?
            }
        };
        if let Some(n) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
            resp.headers_mut().insert("x-next-cursor", n);
        }
        return Ok(resp);
    }
    respond(format, df.execute_stream().await.map_err(df_err)?, max)
}

fn eq_filters(
    mut df: DataFrame,
    filters: &[(&str, &Option<String>)],
) -> Result<DataFrame, AppError> {
    for (column, value) in filters {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            df = df.filter(col(*column).eq(lit(v))).map_err(df_err)?;
        }
    }
    Ok(df)
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RotationParams {
    #[serde(flatten)]
    common: Common,
    as_of: Option<String>,
    #[serde(default, deserialize_with = "crate::pages::number")]
    policy_days: Option<u32>,
    account: Option<String>,
    region: Option<String>,
    status: Option<String>,
}

pub(crate) async fn rotation(
    State(state): State<AppState>,
    Query(p): Query<RotationParams>,
) -> Result<Response, AppError> {
    let mut settings = Vec::new();
    if let Some(a) = p.as_of.as_deref().filter(|a| !a.is_empty()) {
        keyledger_query::views::parse_as_of(a).map_err(AppError::BadRequest)?;
        settings.push(("as_of", a.to_owned()));
    }
    if let Some(d) = p.policy_days {
        settings.push(("policy_days", d.max(1).to_string()));
    }
    let ledger = state.ledger().with_settings(&settings)?;
    let df = ledger
        .context()
        .table("rotation_compliance")
        .await
        .map_err(df_err)?;
    let df = eq_filters(
        df,
        &[
            ("account_id", &p.account),
            ("region", &p.region),
            ("status", &p.status),
        ],
    )?;
    page(&state, df, "key_arn", &p.common, None).await
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct FindingParams {
    #[serde(flatten)]
    common: Common,
    kind: Option<String>,
    severity: Option<String>,
    /// First seen at or after (RFC 3339 or date).
    since: Option<String>,
    until: Option<String>,
}

pub(crate) async fn findings(
    State(state): State<AppState>,
    Query(p): Query<FindingParams>,
) -> Result<Response, AppError> {
    let df = state
        .ledger()
        .context()
        .table("findings")
        .await
        .map_err(df_err)?;
    let mut df = eq_filters(df, &[("kind", &p.kind), ("severity", &p.severity)])?;
    let ts = |s: &str| -> Result<_, AppError> {
        let t = keyledger_schemas::time::parse_text(s)
            .ok_or_else(|| AppError::BadRequest(format!("not a time: {s:?}")))?;
        Ok(lit(datafusion::scalar::ScalarValue::TimestampMicrosecond(
            Some(t.timestamp_micros()),
            Some("UTC".into()),
        )))
    };
    if let Some(s) = p.since.as_deref().filter(|s| !s.is_empty()) {
        df = df.filter(col("first_seen").gt_eq(ts(s)?)).map_err(df_err)?;
    }
    if let Some(u) = p.until.as_deref().filter(|s| !s.is_empty()) {
        df = df.filter(col("first_seen").lt(ts(u)?)).map_err(df_err)?;
    }
    page(
        &state,
        df,
        "finding_id",
        &p.common,
        Some(ocsf::Kind::Finding),
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RdsParams {
    #[serde(flatten)]
    common: Common,
    as_of: Option<String>,
    account: Option<String>,
}

pub(crate) async fn rds(
    State(state): State<AppState>,
    Query(p): Query<RdsParams>,
) -> Result<Response, AppError> {
    let mut settings = Vec::new();
    if let Some(a) = p.as_of.as_deref().filter(|a| !a.is_empty()) {
        keyledger_query::views::parse_as_of(a).map_err(AppError::BadRequest)?;
        settings.push(("as_of", a.to_owned()));
    }
    let ledger = state.ledger().with_settings(&settings)?;
    let df = ledger.context().table("rds_keys").await.map_err(df_err)?;
    let df = eq_filters(df, &[("account_id", &p.account)])?;
    page(&state, df, "db_identifier", &p.common, None).await
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct EventParams {
    #[serde(flatten)]
    filters: Filters,
    #[serde(default)]
    format: String,
}

/// Events newest first, paged by the explorer's cursor (time and id).
pub(crate) async fn events(
    State(state): State<AppState>,
    Query(p): Query<EventParams>,
) -> Result<Response, AppError> {
    let format: Format = p.format.parse()?;
    let limit = p
        .filters
        .limit
        .map(|l| l.clamp(1, state.config.query_max_rows));
    let mut df = p.filters.dataframe(&state).await?;
    if let Some(l) = limit {
        df = df.limit(0, Some(l)).map_err(df_err)?;
    }
    if limit.is_none() && !matches!(format, Format::Ocsf | Format::Parquet | Format::Arrow) {
        return respond(
            format,
            df.execute_stream().await.map_err(df_err)?,
            state.config.query_max_rows,
        );
    }
    let df = df
        .limit(0, Some(limit.unwrap_or(state.config.query_max_rows)))
        .map_err(df_err)?;
    let schema = df.schema().inner().clone();
    let batches = df.collect().await.map_err(df_err)?;
    let rows = to_rows(&batches)?;
    let next = match limit {
        Some(l) if rows.len() == l => rows.last().map(|r| {
            let t = r
                .get("event_time")
                .and_then(|v| v.as_str())
                .and_then(keyledger_schemas::time::parse_text);
            format!(
                "{}_{}",
                t.map(|t| t.timestamp_micros()).unwrap_or_default(),
                r.get("event_id").and_then(|v| v.as_str()).unwrap_or("")
            )
        }),
        _ => None,
    };
    let mut resp = match format {
        Format::Ocsf => respond_values(ocsf::convert(ocsf::Kind::Event, &rows))?,
        Format::Parquet | Format::Arrow => respond_whole(format, &batches, schema)?,
        _ => {
            let stream = futures::stream::iter(batches.into_iter().map(Ok));
            respond(
                format,
                Box::pin(
                    datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(
                        schema, stream,
                    ),
                ),
                state.config.query_max_rows,
            )?
        }
    };
    if let Some(n) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        resp.headers_mut().insert("x-next-cursor", n);
    }
    Ok(resp)
}
