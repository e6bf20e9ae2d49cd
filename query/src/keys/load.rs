//! Reading the events that make up key timelines out of the store.

use std::collections::BTreeMap;

use arrow::{
    array::{Array, AsArray, RecordBatch},
    datatypes::{Date32Type, Int64Type, TimestampMicrosecondType},
};
use datafusion::prelude::SessionContext;
use keyledger_schemas::kms_inventory::InventoryRecord;

use super::{Change, KeyEvent, KeyTimeline};
use crate::Result;

/// KMS events that change a key's configuration or state.
pub const MANAGEMENT_EVENTS: &[&str] = &[
    "CreateKey",
    "EnableKeyRotation",
    "DisableKeyRotation",
    "RotateKey",
    "RotateKeyOnDemand",
    "DisableKey",
    "EnableKey",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "DeleteKey",
    "ImportKeyMaterial",
    "DeleteImportedKeyMaterial",
    "DeleteExpiredKeyMaterial",
    "CreateAlias",
    "UpdateAlias",
    "DeleteAlias",
    "PutKeyPolicy",
];

fn text(b: &RecordBatch, col: &str, row: usize) -> Option<String> {
    let a = b.column_by_name(col)?.as_string::<i32>();
    a.is_valid(row).then(|| a.value(row).to_owned())
}

fn micros(b: &RecordBatch, col: &str, row: usize) -> Option<i64> {
    let a = b
        .column_by_name(col)?
        .as_primitive::<TimestampMicrosecondType>();
    a.is_valid(row).then(|| a.value(row))
}

pub(crate) fn sql_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|e| format!("'{e}'"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Every key's timeline: its successful configuration events from CloudTrail
/// (only successful calls change state), its inventory snapshots, and how
/// often anything named it, per day.
pub async fn load_timelines(ctx: &SessionContext) -> Result<Vec<KeyTimeline>> {
    let mut by_key: BTreeMap<String, KeyTimeline> = BTreeMap::new();
    let sql = format!(
        "SELECT key_arn, event_time, event_id, event_name, request_parameters, response_elements, service_event_details \
         FROM cloudtrail WHERE key_arn IS NOT NULL AND error_code IS NULL \
         AND event_source = 'kms.amazonaws.com' AND event_name IN ({})",
        sql_list(MANAGEMENT_EVENTS)
    );
    for b in ctx.sql(&sql).await?.collect().await? {
        for row in 0..b.num_rows() {
            let (Some(key), Some(time), Some(id), Some(name)) = (
                text(&b, "key_arn", row),
                micros(&b, "event_time", row),
                text(&b, "event_id", row),
                text(&b, "event_name", row),
            ) else {
                continue;
            };
            let change = Change::from_cloudtrail(
                &name,
                text(&b, "request_parameters", row).as_deref(),
                text(&b, "response_elements", row).as_deref(),
                text(&b, "service_event_details", row).as_deref(),
            );
            if let Some(change) = change {
                let t = by_key.entry(key.clone()).or_insert_with(|| KeyTimeline {
                    key_arn: key.clone(),
                    ..Default::default()
                });
                t.events.push(KeyEvent {
                    key_arn: key,
                    time,
                    event_id: id,
                    change,
                });
            }
        }
    }
    for b in ctx
        .sql("SELECT event_time, event_id, raw FROM kms_inventory")
        .await?
        .collect()
        .await?
    {
        for row in 0..b.num_rows() {
            let (Some(time), Some(id), Some(raw)) = (
                micros(&b, "event_time", row),
                text(&b, "event_id", row),
                text(&b, "raw", row),
            ) else {
                continue;
            };
            let Ok(record) = serde_json::from_str::<InventoryRecord>(&raw) else {
                continue;
            };
            let key = record.key_arn.clone();
            let t = by_key.entry(key.clone()).or_insert_with(|| KeyTimeline {
                key_arn: key.clone(),
                ..Default::default()
            });
            t.events.push(KeyEvent {
                key_arn: key,
                time,
                event_id: id,
                change: Change::Inventory(Box::new(record)),
            });
        }
    }
    // The `date` partition is the UTC day: no timestamp arithmetic needed.
    let usage = "SELECT key_arn, date, count(*) AS n FROM cloudtrail WHERE key_arn IS NOT NULL GROUP BY 1, 2";
    for b in ctx.sql(usage).await?.collect().await? {
        let days = b.column(1).as_primitive::<Date32Type>();
        let counts = b.column(2).as_primitive::<Int64Type>();
        for row in 0..b.num_rows() {
            let Some(key) = text(&b, "key_arn", row) else {
                continue;
            };
            let t = by_key.entry(key.clone()).or_insert_with(|| KeyTimeline {
                key_arn: key,
                ..Default::default()
            });
            t.usage_by_day.push((
                i64::from(days.value(row)) * 86_400_000_000,
                counts.value(row) as u64,
            ));
        }
    }
    let mut out: Vec<KeyTimeline> = by_key.into_values().collect();
    for t in &mut out {
        t.events.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then_with(|| a.event_id.cmp(&b.event_id))
        });
        t.usage_by_day.sort_unstable();
    }
    Ok(out)
}
