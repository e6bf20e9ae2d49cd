//! Building result batches column by column, for the computed views.

use std::sync::Arc;

use arrow::{
    array::{
        ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, ListBuilder, RecordBatch,
        StringArray, StringBuilder, TimestampMicrosecondArray,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit},
};

/// A column of a computed view.
pub(crate) enum Col {
    Text(Vec<Option<String>>),
    Time(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
    Int32(Vec<Option<i32>>),
    Int64(Vec<Option<i64>>),
    Float64(Vec<Option<f64>>),
    List(Vec<Vec<String>>),
}

impl Col {
    fn data_type(&self) -> DataType {
        match self {
            Col::Text(_) => DataType::Utf8,
            Col::Time(_) => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Col::Bool(_) => DataType::Boolean,
            Col::Int32(_) => DataType::Int32,
            Col::Int64(_) => DataType::Int64,
            Col::Float64(_) => DataType::Float64,
            Col::List(_) => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        }
    }

    fn array(self) -> ArrayRef {
        match self {
            Col::Text(v) => Arc::new(StringArray::from(v)),
            Col::Time(v) => Arc::new(TimestampMicrosecondArray::from(v).with_timezone("UTC")),
            Col::Bool(v) => Arc::new(BooleanArray::from(v)),
            Col::Int32(v) => Arc::new(Int32Array::from(v)),
            Col::Int64(v) => Arc::new(Int64Array::from(v)),
            Col::Float64(v) => Arc::new(Float64Array::from(v)),
            Col::List(v) => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for items in v {
                    for i in items {
                        b.values().append_value(i);
                    }
                    b.append(true);
                }
                Arc::new(b.finish())
            }
        }
    }
}

/// Named columns → a batch. Every column must have the same length.
pub(crate) fn batch(cols: Vec<(&str, Col)>) -> RecordBatch {
    let schema: SchemaRef = Arc::new(Schema::new(
        cols.iter()
            .map(|(n, c)| Field::new(*n, c.data_type(), true))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = cols.into_iter().map(|(_, c)| c.array()).collect();
    // Columns are built from rows of one slice: lengths agree by construction.
    RecordBatch::try_new(schema, arrays).expect("computed view columns agree")
}
