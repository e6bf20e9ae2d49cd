use std::sync::Arc;

use arrow::array::RecordBatch;
use keyledger_schemas::cloudtrail::{BatchBuilder, parse};
use keyledger_store::{Store, WriterOptions};
use object_store::memory::InMemory;

/// A CloudTrail record with the given id, on the given day.
pub(crate) fn record(id: &str, day: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.11","eventTime":"{day}T10:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","eventID":"{id}","recipientAccountId":"111122223333"}}"#
    )
}

/// A cloudtrail batch of records `(id, day)`.
pub(crate) fn batch(rows: &[(&str, &str)]) -> RecordBatch {
    let mut b = BatchBuilder::new();
    for (id, day) in rows {
        let raw = record(id, day);
        b.push(
            &parse(&raw).expect("test record parses"),
            &raw,
            Some("test"),
        );
    }
    b.finish()
}

pub(crate) fn memory_store() -> Store {
    Store::from_object_store(Arc::new(InMemory::new()), "memory://")
}

pub(crate) fn options(writer: &str) -> WriterOptions {
    WriterOptions {
        writer_id: writer.into(),
        ..Default::default()
    }
}
