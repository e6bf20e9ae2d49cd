//! The stream schemas are a contract with every reader of the store (this
//! code, DuckDB, Athena…). A change shows up here for review, and must come
//! with a bump of the stream's schema version (named in the snapshot).

// Tests fail loudly by design.
#![allow(clippy::unwrap_used)]

mod gateway;

use keyledger_schemas::Stream;

fn describe(stream: Stream) -> String {
    let mut out = format!(
        "stream {} schema version {}\n",
        stream.name(),
        stream.schema_version()
    );
    for f in stream.file_schema().fields() {
        out.push_str(&format!(
            "{}: {} {}\n",
            f.name(),
            f.data_type(),
            if f.is_nullable() { "null" } else { "not null" }
        ));
    }
    let p = Stream::partition_field();
    out.push_str(&format!("(partition) {}: {}\n", p.name(), p.data_type()));
    out
}

#[test]
fn cloudtrail_schema() {
    insta::assert_snapshot!(describe(Stream::CloudTrail));
}

#[test]
fn kms_inventory_schema() {
    insta::assert_snapshot!(describe(Stream::KmsInventory));
}

#[test]
fn every_stream_has_the_columns_the_store_relies_on() {
    for stream in Stream::ALL {
        let schema = stream.file_schema();
        let time = schema.field(0);
        assert_eq!(time.name(), "event_time");
        assert!(!time.is_nullable());
        let id = schema.field(1);
        assert_eq!(id.name(), "event_id");
        assert!(!id.is_nullable());
        assert!(schema.field_with_name("raw").is_ok());
        assert_eq!(stream.name().parse::<Stream>().unwrap(), stream);
    }
}
