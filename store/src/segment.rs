//! Segments: immutable zstd Parquet files, one stream and one date each.

use std::sync::Arc;

use arrow::{
    array::{Array, AsArray, RecordBatch},
    compute::{SortOptions, concat_batches, sort_to_indices, take_record_batch},
    datatypes::TimestampMicrosecondType,
};
use futures::TryStreamExt;
use object_store::{ObjectStore, path::Path};
use parquet::{
    arrow::{ArrowWriter, ParquetRecordBatchStreamBuilder, ProjectionMask},
    basic::{Compression, ZstdLevel},
    file::properties::{EnabledStatistics, WriterProperties},
};

#[allow(deprecated)]
use parquet::arrow::async_reader::ParquetObjectReader;

use crate::{Error, Result};

/// Rows per row group: small enough for `event_time` pruning inside a day,
/// large enough for good compression.
pub const ROW_GROUP_ROWS: usize = 32 * 1024;

/// Sort rows by `event_time` (pruning and readers both like it).
pub fn sort_by_time(batch: &RecordBatch) -> Result<RecordBatch> {
    let idx = sort_to_indices(batch.column(0), Some(SortOptions::default()), None)?;
    Ok(take_record_batch(batch, &idx)?)
}

/// Encode batches as one Parquet file.
pub fn encode(batches: &[RecordBatch]) -> Result<Vec<u8>> {
    let Some(first) = batches.first() else {
        return Ok(Vec::new());
    };
    let schema = first.schema();
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("keyledger {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut out = Vec::new();
    let perr = |source| Error::Parquet {
        path: "(new segment)".into(),
        source,
    };
    let mut w = ArrowWriter::try_new(&mut out, schema.clone(), Some(props)).map_err(perr)?;
    let batch = concat_batches(&schema, batches)?;
    w.write(&sort_by_time(&batch)?).map_err(perr)?;
    w.close().map_err(perr)?;
    Ok(out)
}

/// Min and max of the `event_time` column (column 0).
pub fn time_range(batch: &RecordBatch) -> Option<(i64, i64)> {
    let t = batch.column(0).as_primitive::<TimestampMicrosecondType>();
    let min = arrow::compute::min(t)?;
    let max = arrow::compute::max(t)?;
    Some((min, max))
}

fn is_not_found(e: &parquet::errors::ParquetError) -> bool {
    matches!(e, parquet::errors::ParquetError::External(inner)
        if inner.downcast_ref::<object_store::Error>().is_some_and(|e| matches!(e, object_store::Error::NotFound { .. })))
}

/// Read one string column of a committed segment (e.g. every `event_id`).
/// A segment whose writer has committed but not yet moved it out of
/// `_staging/` is read from there.
pub async fn read_string_column(
    os: Arc<dyn ObjectStore>,
    path: &str,
    column: &str,
    mut each: impl FnMut(&str),
) -> Result<()> {
    let staged = crate::layout::staging_path(path);
    // The writer may move the file between two attempts: look in both
    // places, and in the final one again.
    let places = [path, staged.as_ref(), path];
    let mut last = Ok(());
    for place in places {
        last = read_column_at(os.clone(), place, column, &mut each).await;
        match &last {
            Err(Error::Parquet { source, .. }) if is_not_found(source) => continue,
            _ => break,
        }
    }
    last
}

async fn read_column_at(
    os: Arc<dyn ObjectStore>,
    path: &str,
    column: &str,
    each: &mut impl FnMut(&str),
) -> Result<()> {
    let perr = |source| Error::Parquet {
        path: path.to_owned(),
        source,
    };
    // Fetches only the footer and the one column chunk. (Deprecated in
    // parquet 59 in favour of hand-written readers; it still does exactly
    // this job.)
    #[allow(deprecated)]
    let reader = ParquetObjectReader::new(os, Path::from(path));
    let builder = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .map_err(perr)?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), [column]);
    let mut stream = builder
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(perr)?;
    while let Some(batch) = stream.try_next().await.map_err(perr)? {
        let col = batch.column(0).as_string::<i32>();
        for i in 0..col.len() {
            if col.is_valid(i) {
                each(col.value(i));
            }
        }
    }
    Ok(())
}
