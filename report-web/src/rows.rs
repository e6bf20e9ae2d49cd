//! Query results as rows for templates and JSON.

use arrow::array::RecordBatch;
use keyledger_query::Ledger;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::AppError;

pub(crate) type Row = Map<String, Value>;

/// A SQL string literal (quotes doubled): for values that end up in SQL text.
pub(crate) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(crate) fn to_rows(batches: &[RecordBatch]) -> Result<Vec<Row>, AppError> {
    let mut w = arrow::json::ArrayWriter::new(Vec::new());
    for b in batches {
        w.write(b).map_err(AppError::internal)?;
    }
    w.finish().map_err(AppError::internal)?;
    let bytes = w.into_inner();
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(&bytes).map_err(AppError::internal)
}

pub(crate) async fn rows(ledger: &Ledger, sql: &str) -> Result<Vec<Row>, AppError> {
    to_rows(&ledger.query(sql).await?)
}

pub(crate) async fn typed<T: DeserializeOwned>(
    ledger: &Ledger,
    sql: &str,
) -> Result<Vec<T>, AppError> {
    rows(ledger, sql)
        .await?
        .into_iter()
        .map(|r| serde_json::from_value(Value::Object(r)).map_err(AppError::internal))
        .collect()
}

/// One number of a one-row result.
pub(crate) async fn count(ledger: &Ledger, sql: &str) -> Result<i64, AppError> {
    let rows = rows(ledger, sql).await?;
    Ok(rows
        .first()
        .and_then(|r| r.values().next())
        .and_then(Value::as_i64)
        .unwrap_or(0))
}
