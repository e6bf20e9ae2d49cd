//! Encoding result streams: JSON (one array), NDJSON, CSV, Parquet, OCSF.

use std::str::FromStr;

use arrow::array::RecordBatch;
use axum::{body::Body, http::header, response::Response};
use bytes::Bytes;
use datafusion::execution::SendableRecordBatchStream;
use futures::{StreamExt, stream};
use keyledger_query::OutputFormat;
use keyledger_query::format::ResultWriter;

use crate::AppError;

/// The formats of the export endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Ndjson,
    Csv,
    Parquet,
    Arrow,
    Ocsf,
}

impl FromStr for Format {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        Ok(match s {
            "" | "json" => Format::Json,
            "ndjson" => Format::Ndjson,
            "csv" => Format::Csv,
            "parquet" => Format::Parquet,
            "arrow" => Format::Arrow,
            "ocsf" => Format::Ocsf,
            other => {
                return Err(AppError::BadRequest(format!(
                    "unknown format {other:?} (json, ndjson, csv, parquet, arrow, ocsf)"
                )));
            }
        })
    }
}

fn content_type(f: Format) -> &'static str {
    match f {
        Format::Json => "application/json",
        Format::Ndjson | Format::Ocsf => "application/x-ndjson",
        Format::Csv => "text/csv; charset=utf-8",
        Format::Parquet => "application/vnd.apache.parquet",
        Format::Arrow => "application/vnd.apache.arrow.stream",
    }
}

/// Encode one batch alone (JSON rows without brackets, CSV without header
/// after the first, …) so that the response can stream.
fn encode_batch(format: Format, batch: &RecordBatch, first: bool) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    match format {
        Format::Json => {
            let mut w = arrow::json::LineDelimitedWriter::new(Vec::new());
            w.write(batch).map_err(AppError::internal)?;
            w.finish().map_err(AppError::internal)?;
            let lines = w.into_inner();
            for (i, line) in lines
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .enumerate()
            {
                if !(first && i == 0) {
                    out.push(b',');
                }
                out.extend_from_slice(line);
            }
        }
        Format::Ndjson => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut out);
            w.write(batch).map_err(AppError::internal)?;
            w.finish().map_err(AppError::internal)?;
        }
        Format::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(first)
                .build(&mut out);
            w.write(&keyledger_query::format::csv_ready(batch)?)
                .map_err(AppError::internal)?;
        }
        Format::Parquet | Format::Arrow | Format::Ocsf => unreachable!("encoded whole"),
    }
    Ok(out)
}

/// A streaming response of the stream's rows in `format`, at most `max_rows`.
pub(crate) fn respond(
    format: Format,
    stream: SendableRecordBatchStream,
    max_rows: usize,
) -> Result<Response, AppError> {
    let (opening, closing): (&'static [u8], &'static [u8]) = match format {
        Format::Json => (b"[", b"]\n"),
        _ => (b"", b""),
    };
    if matches!(format, Format::Parquet | Format::Arrow) {
        return Err(AppError::Internal(
            "binary formats are encoded whole".into(),
        ));
    }
    let state = (stream, true, 0usize);
    let body =
        stream::once(async move { Ok::<Bytes, std::io::Error>(Bytes::from_static(opening)) })
            .chain(stream::unfold(
                state,
                move |(mut s, first, sent)| async move {
                    if sent >= max_rows {
                        return None;
                    }
                    let batch = match s.next().await? {
                        Ok(b) => b,
                        Err(e) => {
                            tracing::error!(error = %e, "export stream failed");
                            return Some((
                                Err(std::io::Error::other("the export failed")),
                                (s, first, sent),
                            ));
                        }
                    };
                    let batch = if sent + batch.num_rows() > max_rows {
                        batch.slice(0, max_rows - sent)
                    } else {
                        batch
                    };
                    let n = batch.num_rows();
                    match encode_batch(format, &batch, first) {
                        Ok(bytes) => Some((Ok(Bytes::from(bytes)), (s, first && n == 0, sent + n))),
                        Err(e) => {
                            tracing::error!(error = %e, "encoding an export failed");
                            Some((
                                Err(std::io::Error::other("the export failed")),
                                (s, first, sent),
                            ))
                        }
                    }
                },
            ))
            .chain(stream::once(async move { Ok(Bytes::from_static(closing)) }));
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(format))
        .body(Body::from_stream(body))
        .map_err(AppError::internal)
}

/// A whole response for formats that need every row (Parquet, Arrow IPC).
pub(crate) fn respond_whole(
    format: Format,
    batches: &[RecordBatch],
    schema: arrow::datatypes::SchemaRef,
) -> Result<Response, AppError> {
    let mut out = Vec::new();
    match format {
        Format::Arrow => {
            let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &schema)
                .map_err(AppError::internal)?;
            for b in batches {
                w.write(b).map_err(AppError::internal)?;
            }
            w.finish().map_err(AppError::internal)?;
        }
        _ => {
            let mut w = ResultWriter::new(OutputFormat::Parquet, schema, &mut out)?;
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
    }
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(format))
        .body(Body::from(out))
        .map_err(AppError::internal)
}

/// NDJSON of already-shaped JSON values (OCSF).
pub(crate) fn respond_values(values: Vec<serde_json::Value>) -> Result<Response, AppError> {
    let mut out = Vec::new();
    for v in values {
        serde_json::to_writer(&mut out, &v).map_err(AppError::internal)?;
        out.push(b'\n');
    }
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(Format::Ocsf))
        .body(Body::from(out))
        .map_err(AppError::internal)
}
