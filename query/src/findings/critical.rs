//! Critical key and trail events: single successful events an auditor must
//! see (a key scheduled for deletion, a trail stopped, a snapshot made
//! public). A failed call changes nothing and is not a finding here.

use arrow::{
    array::{Array, AsArray, RecordBatch},
    datatypes::TimestampMicrosecondType,
};
use datafusion::prelude::SessionContext;
use serde_json::Value;

use super::{Finding, Severity, finding_id, policy::public_statements};
use crate::{Result, keys::load::sql_list};

const EVENTS: &[&str] = &[
    "ScheduleKeyDeletion",
    "DisableKey",
    "DisableKeyRotation",
    "DeleteImportedKeyMaterial",
    "PutKeyPolicy",
    "CreateKey",
    "StopLogging",
    "DeleteTrail",
    "PutEventSelectors",
    "CreateDBInstance",
    "CreateDBCluster",
    "ModifyDBSnapshotAttribute",
    "ModifyDBClusterSnapshotAttribute",
];

struct Row {
    time: i64,
    id: String,
    name: String,
    key_arn: Option<String>,
    principal: Option<String>,
    account: Option<String>,
    region: Option<String>,
    ip: Option<String>,
    req: Value,
    resp: Value,
}

fn text(b: &RecordBatch, col: &str, row: usize) -> Option<String> {
    let a = b.column_by_name(col)?.as_string::<i32>();
    a.is_valid(row).then(|| a.value(row).to_owned())
}

fn field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// Selectors that switch off the evidence keyledger depends on: KMS events
/// excluded, or management events not recorded at all.
fn excludes_kms(req: &Value) -> Option<String> {
    for sel in req
        .get("eventSelectors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let excluded = sel
            .get("excludeManagementEventSources")
            .and_then(Value::as_array);
        if excluded.is_some_and(|a| a.iter().any(|s| s.as_str() == Some("kms.amazonaws.com"))) {
            return Some("event selectors exclude kms.amazonaws.com management events".into());
        }
        if sel.get("includeManagementEvents").and_then(Value::as_bool) == Some(false) {
            return Some("event selectors stop recording management events".into());
        }
    }
    for sel in req
        .get("advancedEventSelectors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for f in sel
            .get("fieldSelectors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = f.get("field").and_then(Value::as_str);
            let not_equals = f.get("notEquals").and_then(Value::as_array);
            if name == Some("eventSource")
                && not_equals
                    .is_some_and(|a| a.iter().any(|s| s.as_str() == Some("kms.amazonaws.com")))
            {
                return Some("advanced event selectors exclude kms.amazonaws.com".into());
            }
        }
    }
    None
}

fn encrypted(req: &Value, resp: &Value) -> Option<bool> {
    let get = |v: &Value| {
        v.get("storageEncrypted").and_then(|x| {
            x.as_bool()
                .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
        })
    };
    get(resp).or_else(|| get(req))
}

impl Row {
    fn finding(
        &self,
        kind: &'static str,
        severity: Severity,
        title: String,
        controls: &[&'static str],
        detail: String,
    ) -> Finding {
        let evidence = vec![self.id.clone()];
        Finding {
            finding_id: finding_id(kind, &evidence),
            kind,
            severity,
            title,
            key_arn: self.key_arn.clone(),
            principal_arn: self.principal.clone(),
            resource_arn: None,
            account_id: self.account.clone(),
            region: self.region.clone(),
            source_ip: self.ip.clone(),
            first_seen: self.time,
            last_seen: self.time,
            event_count: 1,
            evidence,
            controls: controls.to_vec(),
            detail,
            observed: None,
            expected: None,
            score: None,
        }
    }

    fn detect(&self) -> Option<Finding> {
        let key = self.key_arn.clone().unwrap_or_else(|| "a key".into());
        let (req, resp) = (&self.req, &self.resp);
        Some(match self.name.as_str() {
            "ScheduleKeyDeletion" => self.finding(
                "key_deletion_scheduled",
                Severity::Critical,
                format!("Key scheduled for deletion: {key}"),
                &["PCI-DSS-4.0.1:3.6.1", "PCI-DSS-4.0.1:3.7.5", "SOC2:CC6.1", "SOC2:CC7.2"],
                format!(
                    "deletion after a {} day waiting period; data encrypted under the key becomes unrecoverable",
                    req.get("pendingWindowInDays").map_or("default".into(), |v| v.to_string())
                ),
            ),
            "DisableKey" => self.finding(
                "key_disabled",
                Severity::High,
                format!("Key disabled: {key}"),
                &["PCI-DSS-4.0.1:3.7.5", "SOC2:CC6.1", "SOC2:CC7.2"],
                "the key can no longer encrypt or decrypt until re-enabled".into(),
            ),
            "DisableKeyRotation" => self.finding(
                "key_rotation_disabled",
                Severity::High,
                format!("Automatic rotation disabled: {key}"),
                &["PCI-DSS-4.0.1:3.7.4", "SOC2:CC6.1"],
                "the key's material will age past its cryptoperiod unless rotated by other means".into(),
            ),
            "DeleteImportedKeyMaterial" => self.finding(
                "key_material_deleted",
                Severity::High,
                format!("Imported key material deleted: {key}"),
                &["PCI-DSS-4.0.1:3.7.5", "SOC2:CC6.1"],
                "the key is unusable until material is imported again".into(),
            ),
            "PutKeyPolicy" | "CreateKey" => {
                let policy = match req.get("policy")? {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let open = public_statements(&policy);
                if open.is_empty() {
                    return None;
                }
                self.finding(
                    "key_policy_public",
                    Severity::Critical,
                    format!("Key policy allows any principal: {key}"),
                    &["PCI-DSS-4.0.1:3.6.1", "PCI-DSS-4.0.1:7.2.1", "SOC2:CC6.1", "SOC2:CC6.3"],
                    format!("statements granting to \"*\" without a restricting condition: {}", open.join(", ")),
                )
            }
            "StopLogging" | "DeleteTrail" => {
                let trail = field(req, "name").unwrap_or_else(|| "a trail".into());
                let mut f = self.finding(
                    "trail_stopped",
                    Severity::Critical,
                    format!("CloudTrail logging {}: {trail}", if self.name == "DeleteTrail" { "deleted" } else { "stopped" }),
                    &["PCI-DSS-4.0.1:10.2.1", "PCI-DSS-4.0.1:10.7.2", "SOC2:CC7.2"],
                    "audit evidence is not recorded while the trail is stopped".into(),
                );
                f.resource_arn = Some(trail);
                f
            }
            "PutEventSelectors" => {
                let why = excludes_kms(req)?;
                let mut f = self.finding(
                    "kms_events_excluded",
                    Severity::High,
                    "Trail no longer records KMS events".into(),
                    &["PCI-DSS-4.0.1:10.2.1", "SOC2:CC7.2"],
                    why,
                );
                f.resource_arn = field(req, "trailName");
                f
            }
            "CreateDBInstance" | "CreateDBCluster" => {
                // Instances in a cluster take their storage from the cluster.
                if self.name == "CreateDBInstance" && field(req, "dBClusterIdentifier").is_some() {
                    return None;
                }
                if encrypted(req, resp)? {
                    return None;
                }
                let db = field(req, "dBInstanceIdentifier").or_else(|| field(req, "dBClusterIdentifier"))?;
                let mut f = self.finding(
                    "rds_unencrypted",
                    Severity::High,
                    format!("Database created without storage encryption: {db}"),
                    &["PCI-DSS-4.0.1:3.5.1", "SOC2:CC6.1", "SOC2:CC6.7"],
                    "storage, backups and snapshots of this database are not encrypted with KMS".into(),
                );
                f.resource_arn = field(resp, "dBInstanceArn").or_else(|| field(resp, "dBClusterArn")).or(Some(db));
                f
            }
            "ModifyDBSnapshotAttribute" | "ModifyDBClusterSnapshotAttribute" => {
                if field(req, "attributeName").as_deref() != Some("restore") {
                    return None;
                }
                let added: Vec<String> = req
                    .get("valuesToAdd")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                if added.is_empty() {
                    return None;
                }
                let snap = field(req, "dBSnapshotIdentifier").or_else(|| field(req, "dBClusterSnapshotIdentifier"))?;
                let mut f = if added.iter().any(|a| a == "all") {
                    self.finding(
                        "rds_snapshot_public",
                        Severity::Critical,
                        format!("Database snapshot made public: {snap}"),
                        &["PCI-DSS-4.0.1:3.5.1", "PCI-DSS-4.0.1:7.2.1", "SOC2:CC6.1", "SOC2:CC6.7"],
                        "any AWS account can restore this snapshot".into(),
                    )
                } else {
                    self.finding(
                        "rds_snapshot_shared",
                        Severity::Medium,
                        format!("Database snapshot shared with another account: {snap}"),
                        &["PCI-DSS-4.0.1:7.2.1", "SOC2:CC6.7"],
                        format!("shared with {}", added.join(", ")),
                    )
                };
                f.resource_arn = Some(snap);
                f
            }
            _ => return None,
        })
    }
}

pub async fn detect(ctx: &SessionContext) -> Result<Vec<Finding>> {
    let sql = format!(
        "SELECT event_time, event_id, event_name, key_arn, principal_arn, recipient_account_id, aws_region, source_ip, \
         request_parameters, response_elements FROM cloudtrail \
         WHERE error_code IS NULL AND event_name IN ({}) ORDER BY event_time, event_id",
        sql_list(EVENTS)
    );
    let mut out = Vec::new();
    for b in ctx.sql(&sql).await?.collect().await? {
        let times = b.column(0).as_primitive::<TimestampMicrosecondType>();
        for row in 0..b.num_rows() {
            let json = |c: &str| {
                text(&b, c, row)
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or(Value::Null)
            };
            let r = Row {
                time: times.value(row),
                id: text(&b, "event_id", row).unwrap_or_default(),
                name: text(&b, "event_name", row).unwrap_or_default(),
                key_arn: text(&b, "key_arn", row),
                principal: text(&b, "principal_arn", row),
                account: text(&b, "recipient_account_id", row),
                region: text(&b, "aws_region", row),
                ip: text(&b, "source_ip", row),
                req: json("request_parameters"),
                resp: json("response_elements"),
            };
            out.extend(r.detect());
        }
    }
    Ok(out)
}
