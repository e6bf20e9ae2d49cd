//! Writing query results: table, CSV, JSON (one array), NDJSON, Parquet.
//! Shared by the CLI and the HTTP API so both print the same bytes.

use std::{io::Write, str::FromStr};

use arrow::{
    array::RecordBatch,
    datatypes::SchemaRef,
    json::{ArrayWriter, LineDelimitedWriter},
};
use parquet::arrow::ArrowWriter;

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Csv,
    Json,
    Ndjson,
    Parquet,
}

impl FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "table" => OutputFormat::Table,
            "csv" => OutputFormat::Csv,
            "json" => OutputFormat::Json,
            "ndjson" => OutputFormat::Ndjson,
            "parquet" => OutputFormat::Parquet,
            other => {
                return Err(format!(
                    "unknown format {other:?} (table, csv, json, ndjson, parquet)"
                ));
            }
        })
    }
}

impl OutputFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Table => "text/plain; charset=utf-8",
            OutputFormat::Csv => "text/csv; charset=utf-8",
            OutputFormat::Json => "application/json",
            OutputFormat::Ndjson => "application/x-ndjson",
            OutputFormat::Parquet => "application/vnd.apache.parquet",
        }
    }
}

/// Writes batches in one format as they come.
pub enum ResultWriter<W: Write + Send> {
    /// Pretty tables need every row to size the columns.
    Table(W, Vec<RecordBatch>),
    Csv(arrow::csv::Writer<W>),
    Json(ArrayWriter<W>),
    Ndjson(LineDelimitedWriter<W>),
    Parquet(ArrowWriter<W>),
}

impl<W: Write + Send> std::fmt::Debug for ResultWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResultWriter")
    }
}

impl<W: Write + Send> ResultWriter<W> {
    pub fn new(format: OutputFormat, schema: SchemaRef, out: W) -> Result<Self> {
        Ok(match format {
            OutputFormat::Table => ResultWriter::Table(out, Vec::new()),
            OutputFormat::Csv => ResultWriter::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(out),
            ),
            OutputFormat::Json => ResultWriter::Json(ArrayWriter::new(out)),
            OutputFormat::Ndjson => ResultWriter::Ndjson(LineDelimitedWriter::new(out)),
            OutputFormat::Parquet => ResultWriter::Parquet(
                ArrowWriter::try_new(out, schema, None)
                    .map_err(|e| Error::Output(e.to_string()))?,
            ),
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            ResultWriter::Table(_, all) => all.push(batch.clone()),
            ResultWriter::Csv(w) => w.write(&csv_ready(batch)?)?,
            ResultWriter::Json(w) => w.write(batch)?,
            ResultWriter::Ndjson(w) => w.write(batch)?,
            ResultWriter::Parquet(w) => w.write(batch).map_err(|e| Error::Output(e.to_string()))?,
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        match self {
            ResultWriter::Table(mut out, all) => {
                let table = arrow::util::pretty::pretty_format_batches(&all)?;
                writeln!(out, "{table}").map_err(|e| Error::Output(e.to_string()))?;
            }
            ResultWriter::Csv(w) => {
                w.into_inner()
                    .flush()
                    .map_err(|e| Error::Output(e.to_string()))?;
            }
            ResultWriter::Json(mut w) => w.finish()?,
            ResultWriter::Ndjson(mut w) => w.finish()?,
            ResultWriter::Parquet(w) => {
                w.close().map_err(|e| Error::Output(e.to_string()))?;
            }
        }
        Ok(())
    }
}

/// CSV cannot hold lists or structs: such columns become their text
/// (`[a, b]`); everything else is left as it is.
pub fn csv_ready(batch: &RecordBatch) -> Result<RecordBatch> {
    use std::sync::Arc;

    use arrow::{
        array::{ArrayRef, StringArray},
        datatypes::{DataType, Field, Schema},
        util::display::{ArrayFormatter, FormatOptions},
    };
    let nested = |t: &DataType| t.is_nested();
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| nested(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let options = FormatOptions::default();
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if nested(field.data_type()) {
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
            let text: StringArray = (0..column.len())
                .map(|i| column.is_valid(i).then(|| formatter.value(i).to_string()))
                .collect();
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(Arc::new(text));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(column.clone());
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
