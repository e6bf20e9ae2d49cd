//! `POST /api/v1/query`: read-only SQL over the ledger and its views,
//! sandboxed (see `keyledger_query::sandbox`): one SELECT/WITH/EXPLAIN,
//! a memory limit, a timeout and a row limit.

use std::{sync::atomic::Ordering, time::Duration};

use axum::{Json, extract::State, response::Response};
use futures::StreamExt;
use serde::Deserialize;

use super::encode::{Format, respond_whole};
use crate::{AppError, AppState};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueryRequest {
    sql: String,
    #[serde(default)]
    format: String,
}

pub(crate) async fn run(
    State(state): State<AppState>,
    Json(req): Json<QueryRequest>,
) -> Result<Response, AppError> {
    let format: Format = req.format.parse()?;
    if format == Format::Ocsf {
        return Err(AppError::BadRequest(
            "OCSF is for /findings and /events; use json, ndjson, csv, arrow or parquet".into(),
        ));
    }
    if let Err(refused) = keyledger_query::sandbox::check(&req.sql) {
        state
            .metrics
            .queries_refused
            .fetch_add(1, Ordering::Relaxed);
        return Err(AppError::BadRequest(refused.to_string()));
    }
    state.metrics.queries.fetch_add(1, Ordering::Relaxed);
    let limits = &state.config;
    let ctx = state.ledger().sandboxed(limits.query_memory_mib << 20)?;
    let max_rows = limits.query_max_rows;
    let timeout = Duration::from_secs(limits.query_timeout_seconds);
    let work = async {
        let df = ctx
            .sql_with_options(&req.sql, keyledger_query::sandbox::options())
            .await
            .map_err(keyledger_query::Error::from)?;
        let schema = df.schema().inner().clone();
        let mut stream = df
            .execute_stream()
            .await
            .map_err(keyledger_query::Error::from)?;
        let mut batches = Vec::new();
        let mut rows = 0;
        while let Some(b) = stream.next().await {
            let b = b.map_err(keyledger_query::Error::from)?;
            rows += b.num_rows();
            if rows > max_rows {
                return Err(AppError::TooLarge(max_rows));
            }
            batches.push(b);
        }
        Ok::<_, AppError>((schema, batches))
    };
    let (schema, batches) = tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| AppError::Timeout(limits.query_timeout_seconds))??;
    match format {
        Format::Parquet | Format::Arrow => respond_whole(format, &batches, schema),
        _ => {
            let stream = futures::stream::iter(batches.into_iter().map(Ok));
            super::encode::respond(
                format,
                Box::pin(
                    datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(
                        schema, stream,
                    ),
                ),
                max_rows,
            )
        }
    }
}
