//! The `kms_inventory` stream: what the KMS API said about a key at a moment
//! (one row per key per snapshot). It folds into the same key state as the
//! CloudTrail events, as configuration evidence with a timestamp.

use std::sync::{Arc, LazyLock};

use arrow::{
    array::{
        ArrayRef, BooleanArray, Int32Array, ListBuilder, RecordBatch, StringArray, StringBuilder,
        TimestampMicrosecondArray,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of [`schema`].
pub const SCHEMA_VERSION: u32 = 1;

/// One key as the KMS API described it at `snapshot_time`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRecord {
    /// Microseconds since the epoch, UTC: when the API was asked.
    pub snapshot_time: i64,
    pub key_arn: String,
    pub key_id: String,
    pub account_id: String,
    pub region: String,
    pub key_manager: Option<String>,
    pub key_spec: Option<String>,
    pub key_usage: Option<String>,
    pub origin: Option<String>,
    pub key_state: Option<String>,
    pub creation_date: Option<i64>,
    pub deletion_date: Option<i64>,
    pub custom_key_store_id: Option<String>,
    pub multi_region: Option<bool>,
    pub description: Option<String>,
    pub rotation_enabled: Option<bool>,
    pub rotation_period_days: Option<i32>,
    pub next_rotation_date: Option<i64>,
    /// The latest rotation ListKeyRotations reported, and its type.
    pub last_rotation: Option<i64>,
    pub last_rotation_type: Option<String>,
    /// ListKeyRotations as JSON (`[{"date": …, "type": …}]`).
    pub rotations: Option<String>,
    pub aliases: Vec<String>,
    /// The key policy (JSON text).
    pub policy: Option<String>,
    /// API calls that failed for this key, as JSON (`[{"api", "code", "message"}]`).
    /// A key whose configuration could not be read is evidence of a gap, not a failure.
    pub errors: Option<String>,
}

impl InventoryRecord {
    /// Deterministic: the same key at the same snapshot time is one event.
    pub fn event_id(&self) -> String {
        let h = Sha256::digest(format!("{}|{}", self.key_arn, self.snapshot_time).as_bytes());
        format!("kms-inventory:{}", hex::encode(&h[..16]))
    }
}

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |n: &str| Field::new(n, DataType::Utf8, true);
    let time = |n: &str, null: bool| {
        Field::new(
            n,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            null,
        )
    };
    Arc::new(Schema::new(vec![
        time("event_time", false),
        Field::new("event_id", DataType::Utf8, false),
        Field::new("key_arn", DataType::Utf8, false),
        Field::new("key_id", DataType::Utf8, false),
        Field::new("account_id", DataType::Utf8, false),
        Field::new("region", DataType::Utf8, false),
        text("key_manager"),
        text("key_spec"),
        text("key_usage"),
        text("origin"),
        text("key_state"),
        time("creation_date", true),
        time("deletion_date", true),
        text("custom_key_store_id"),
        Field::new("multi_region", DataType::Boolean, true),
        text("description"),
        Field::new("rotation_enabled", DataType::Boolean, true),
        Field::new("rotation_period_days", DataType::Int32, true),
        time("next_rotation_date", true),
        time("last_rotation", true),
        text("last_rotation_type"),
        text("rotations"),
        Field::new(
            "aliases",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        text("policy"),
        text("errors"),
        Field::new("raw", DataType::Utf8, false),
        text("source"),
    ]))
});

pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Records as one batch of [`schema`]; `raw` is each record's JSON.
pub fn to_batch(records: &[InventoryRecord], source: &str) -> RecordBatch {
    let ts = |f: &dyn Fn(&InventoryRecord) -> Option<i64>| -> ArrayRef {
        Arc::new(
            TimestampMicrosecondArray::from(records.iter().map(f).collect::<Vec<_>>())
                .with_timezone("UTC"),
        )
    };
    let text = |f: &dyn Fn(&InventoryRecord) -> Option<&str>| -> ArrayRef {
        Arc::new(StringArray::from(records.iter().map(f).collect::<Vec<_>>()))
    };
    let mut aliases = ListBuilder::new(StringBuilder::new());
    for r in records {
        for a in &r.aliases {
            aliases.values().append_value(a);
        }
        aliases.append(true);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(records.iter().map(|r| r.snapshot_time))
                .with_timezone("UTC"),
        ),
        Arc::new(StringArray::from_iter_values(
            records.iter().map(InventoryRecord::event_id),
        )),
        text(&|r| Some(&r.key_arn)),
        text(&|r| Some(&r.key_id)),
        text(&|r| Some(&r.account_id)),
        text(&|r| Some(&r.region)),
        text(&|r| r.key_manager.as_deref()),
        text(&|r| r.key_spec.as_deref()),
        text(&|r| r.key_usage.as_deref()),
        text(&|r| r.origin.as_deref()),
        text(&|r| r.key_state.as_deref()),
        ts(&|r| r.creation_date),
        ts(&|r| r.deletion_date),
        text(&|r| r.custom_key_store_id.as_deref()),
        Arc::new(BooleanArray::from(
            records.iter().map(|r| r.multi_region).collect::<Vec<_>>(),
        )),
        text(&|r| r.description.as_deref()),
        Arc::new(BooleanArray::from(
            records
                .iter()
                .map(|r| r.rotation_enabled)
                .collect::<Vec<_>>(),
        )),
        Arc::new(Int32Array::from(
            records
                .iter()
                .map(|r| r.rotation_period_days)
                .collect::<Vec<_>>(),
        )),
        ts(&|r| r.next_rotation_date),
        ts(&|r| r.last_rotation),
        text(&|r| r.last_rotation_type.as_deref()),
        text(&|r| r.rotations.as_deref()),
        Arc::new(aliases.finish()),
        text(&|r| r.policy.as_deref()),
        text(&|r| r.errors.as_deref()),
        Arc::new(StringArray::from_iter_values(
            records
                .iter()
                .map(|r| serde_json::to_string(r).unwrap_or_default()),
        )),
        Arc::new(StringArray::from(vec![Some(source); records.len()])),
    ];
    // Built column by column to match `schema()`.
    RecordBatch::try_new(schema(), cols).expect("kms_inventory batch matches its schema")
}
