//! A stream of the store as a DataFusion table.
//!
//! The table is built from a store [`Snapshot`]: it scans exactly the
//! snapshot's live segments, never a directory listing, so a reader sees one
//! commit entirely and nothing else (no half-written or superseded file).

use std::{collections::HashSet, sync::Arc};

use arrow::{
    array::{ArrayRef, BooleanArray, Date32Array, TimestampMicrosecondArray, UInt64Array},
    datatypes::{Schema, SchemaRef},
};
use async_trait::async_trait;
use datafusion::{
    catalog::Session,
    common::{Column, DFSchema, ScalarValue, pruning::PruningStatistics},
    datasource::{
        TableType,
        listing::PartitionedFile,
        physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource},
        source::DataSourceExec,
        table_schema::TableSchema,
    },
    error::Result,
    execution::object_store::ObjectStoreUrl,
    logical_expr::{Expr, TableProviderFilterPushDown, utils::conjunction},
    physical_optimizer::pruning::PruningPredicateBuilder,
    physical_plan::{ExecutionPlan, empty::EmptyExec},
};
use keyledger_schemas::Stream;
use keyledger_store::{Snapshot, layout, manifest::SegmentMeta};

/// The table of one stream as of one snapshot.
#[derive(Debug)]
pub struct LedgerTable {
    stream: Stream,
    url: ObjectStoreUrl,
    segments: Vec<SegmentMeta>,
    file_schema: SchemaRef,
    schema: SchemaRef,
}

impl LedgerTable {
    pub fn new(stream: Stream, snapshot: &Snapshot, url: ObjectStoreUrl) -> Self {
        let file_schema = stream.file_schema();
        let mut fields: Vec<_> = file_schema.fields().iter().cloned().collect();
        fields.push(Stream::partition_field());
        LedgerTable {
            stream,
            url,
            segments: snapshot.stream_segments(stream).cloned().collect(),
            file_schema,
            schema: Arc::new(Schema::new(fields)),
        }
    }

    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// Segments the filters cannot rule out, judged by the manifest alone.
    fn prune(&self, state: &dyn Session, filters: &[Expr]) -> Result<Vec<&SegmentMeta>> {
        let Some(expr) = conjunction(filters.iter().cloned()) else {
            return Ok(self.segments.iter().collect());
        };
        let df_schema = DFSchema::try_from(self.schema.clone())?;
        let physical = state.create_physical_expr(expr, &df_schema)?;
        let builder = PruningPredicateBuilder::new().with_file_schema(self.schema.clone());
        let Some(predicate) = builder.build(physical) else {
            return Ok(self.segments.iter().collect());
        };
        let keep = predicate.prune(&SegmentStats(&self.segments))?;
        Ok(self
            .segments
            .iter()
            .zip(keep)
            .filter_map(|(s, k)| k.then_some(s))
            .collect())
    }
}

/// The manifest's per-segment facts, as pruning statistics: `event_time`
/// min/max and the `date` partition.
struct SegmentStats<'a>(&'a [SegmentMeta]);

impl SegmentStats<'_> {
    fn dates(&self) -> ArrayRef {
        Arc::new(Date32Array::from_iter(
            self.0.iter().map(|s| layout::partition_of(&s.path)),
        ))
    }
    fn times(&self, f: impl Fn(&SegmentMeta) -> i64) -> ArrayRef {
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(self.0.iter().map(f)).with_timezone("UTC"),
        )
    }
}

impl PruningStatistics for SegmentStats<'_> {
    fn min_values(&self, column: &Column) -> Option<ArrayRef> {
        match column.name.as_str() {
            "event_time" => Some(self.times(|s| s.min_event_time)),
            "date" => Some(self.dates()),
            _ => None,
        }
    }
    fn max_values(&self, column: &Column) -> Option<ArrayRef> {
        match column.name.as_str() {
            "event_time" => Some(self.times(|s| s.max_event_time)),
            "date" => Some(self.dates()),
            _ => None,
        }
    }
    fn num_containers(&self) -> usize {
        self.0.len()
    }
    fn null_counts(&self, column: &Column) -> Option<ArrayRef> {
        matches!(column.name.as_str(), "event_time" | "date")
            .then(|| Arc::new(UInt64Array::from(vec![0u64; self.0.len()])) as ArrayRef)
    }
    fn row_counts(&self) -> Option<ArrayRef> {
        Some(Arc::new(UInt64Array::from_iter_values(
            self.0.iter().map(|s| s.rows),
        )))
    }
    fn contained(&self, _column: &Column, _values: &HashSet<ScalarValue>) -> Option<BooleanArray> {
        None
    }
}

#[async_trait]
impl datafusion::catalog::TableProvider for LedgerTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // Segments are pruned here and row groups by the Parquet reader, but
        // rows are not filtered exactly: DataFusion keeps the filter above.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let segments = self.prune(state, filters)?;
        if segments.is_empty() {
            let projected = match projection {
                Some(p) => Arc::new(self.schema.project(p)?),
                None => self.schema.clone(),
            };
            return Ok(Arc::new(EmptyExec::new(projected)));
        }
        let target = state.config_options().execution.target_partitions.max(1);
        let mut groups: Vec<Vec<PartitionedFile>> = vec![Vec::new(); target.min(segments.len())];
        for (i, s) in segments.iter().enumerate() {
            let date = layout::partition_of(&s.path);
            let file = PartitionedFile::new(s.path.clone(), s.bytes)
                .with_partition_values(vec![ScalarValue::Date32(date)]);
            let n = groups.len();
            groups[i % n].push(file);
        }
        let table_schema = TableSchema::builder(self.file_schema.clone())
            .with_table_partition_cols(vec![Stream::partition_field()])
            .build();
        let source = Arc::new(ParquetSource::new(table_schema).with_enable_page_index(true));
        let config = FileScanConfigBuilder::new(self.url.clone(), source)
            .with_file_groups(groups.into_iter().map(FileGroup::new).collect())
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}
