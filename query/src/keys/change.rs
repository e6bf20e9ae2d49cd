use keyledger_schemas::{kms_inventory::InventoryRecord, time};
use serde::Deserialize;
use serde_json::Value;

/// What one event did to a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Created {
        spec: Option<String>,
        usage: Option<String>,
        origin: Option<String>,
        manager: Option<String>,
        custom_key_store: Option<String>,
        state: Option<String>,
        created_at: Option<i64>,
    },
    RotationEnabled {
        period_days: Option<i32>,
    },
    RotationDisabled,
    Rotated {
        on_demand: bool,
    },
    Disabled,
    Enabled,
    DeletionScheduled {
        deletion_date: Option<i64>,
    },
    DeletionCancelled,
    Deleted,
    MaterialImported,
    MaterialDeleted,
    AliasSet(String),
    AliasRemoved(String),
    PolicyChanged(String),
    Inventory(Box<InventoryRecord>),
}

/// One dated change of one key, with the event that is its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyEvent {
    pub key_arn: String,
    /// Microseconds since the epoch, UTC.
    pub time: i64,
    pub event_id: String,
    pub change: Change,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct KeyMetadata {
    key_spec: Option<String>,
    customer_master_key_spec: Option<String>,
    key_usage: Option<String>,
    origin: Option<String>,
    key_manager: Option<String>,
    custom_key_store_id: Option<String>,
    key_state: Option<String>,
    creation_date: Option<Value>,
}

fn json(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

fn str_field(v: &Value, name: &str) -> Option<String> {
    v.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// A timestamp as KMS writes them: ISO, epoch numbers, or locale dates
/// ("Aug 10, 2022, 10:38:27 PM").
fn timestamp(v: Option<&Value>) -> Option<i64> {
    let t = match v? {
        Value::String(s) => time::parse_text(s),
        Value::Number(n) => n.as_f64().and_then(time::from_epoch),
        _ => None,
    }?;
    Some(time::to_micros(t))
}

impl Change {
    /// The meaning of a successful CloudTrail KMS event, if it changes a key.
    pub fn from_cloudtrail(
        event_name: &str,
        request: Option<&str>,
        response: Option<&str>,
        details: Option<&str>,
    ) -> Option<Change> {
        let req = json(request);
        let resp = json(response);
        Some(match event_name {
            "CreateKey" => {
                let meta: KeyMetadata = resp
                    .get("keyMetadata")
                    .and_then(|m| serde_json::from_value(m.clone()).ok())
                    .unwrap_or_default();
                Change::Created {
                    spec: meta
                        .key_spec
                        .or(meta.customer_master_key_spec)
                        .or_else(|| str_field(&req, "keySpec"))
                        .or_else(|| str_field(&req, "customerMasterKeySpec"))
                        .or_else(|| Some("SYMMETRIC_DEFAULT".into())),
                    usage: meta.key_usage.or_else(|| str_field(&req, "keyUsage")),
                    origin: meta
                        .origin
                        .or_else(|| str_field(&req, "origin"))
                        .or_else(|| Some("AWS_KMS".into())),
                    // CreateKey always makes a customer managed key.
                    manager: meta.key_manager.or_else(|| Some("CUSTOMER".into())),
                    custom_key_store: meta
                        .custom_key_store_id
                        .or_else(|| str_field(&req, "customKeyStoreId")),
                    state: meta.key_state,
                    created_at: timestamp(meta.creation_date.as_ref()),
                }
            }
            "EnableKeyRotation" => Change::RotationEnabled {
                period_days: req
                    .get("rotationPeriodInDays")
                    .and_then(|v| {
                        v.as_i64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    })
                    .map(|d| d as i32),
            },
            "DisableKeyRotation" => Change::RotationDisabled,
            // The 2025 service event says which kind; the older one is automatic.
            "RotateKey" => Change::Rotated {
                on_demand: json(details).get("rotationType").and_then(Value::as_str)
                    == Some("ON_DEMAND"),
            },
            "RotateKeyOnDemand" => Change::Rotated { on_demand: true },
            "DisableKey" => Change::Disabled,
            "EnableKey" => Change::Enabled,
            "ScheduleKeyDeletion" => Change::DeletionScheduled {
                deletion_date: timestamp(resp.get("deletionDate")),
            },
            "CancelKeyDeletion" => Change::DeletionCancelled,
            "DeleteKey" => Change::Deleted,
            "ImportKeyMaterial" => Change::MaterialImported,
            "DeleteImportedKeyMaterial" | "DeleteExpiredKeyMaterial" => Change::MaterialDeleted,
            "CreateAlias" | "UpdateAlias" => Change::AliasSet(str_field(&req, "aliasName")?),
            "DeleteAlias" => Change::AliasRemoved(str_field(&req, "aliasName")?),
            "PutKeyPolicy" => Change::PolicyChanged(match req.get("policy")? {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            _ => return None,
        })
    }
}
