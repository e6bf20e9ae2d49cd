//! RDS key lineage: which database is on which key, as of any time, and
//! the manual re-key chain (snapshot → copy to a new key → restore).

use arrow::{
    array::{Array, AsArray, RecordBatch},
    datatypes::TimestampMicrosecondType,
};
use datafusion::prelude::SessionContext;
use keyledger_schemas::cloudtrail::key_ref_to_arn;
use serde_json::Value;

use crate::{Result, keys::load::sql_list};

pub const RDS_EVENTS: &[&str] = &[
    "CreateDBInstance",
    "CreateDBCluster",
    "RestoreDBInstanceFromDBSnapshot",
    "RestoreDBClusterFromSnapshot",
    "CreateDBSnapshot",
    "CreateDBClusterSnapshot",
    "CopyDBSnapshot",
    "CopyDBClusterSnapshot",
    "DeleteDBInstance",
    "DeleteDBCluster",
    "ModifyDBSnapshotAttribute",
    "ModifyDBClusterSnapshotAttribute",
];

/// A database (instance or cluster) and its key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Database {
    pub identifier: String,
    pub arn: Option<String>,
    /// `instance` or `cluster`.
    pub kind: &'static str,
    pub account_id: String,
    pub region: String,
    pub engine: Option<String>,
    pub storage_encrypted: Option<bool>,
    pub key_arn: Option<String>,
    pub created_at: i64,
    pub deleted_at: Option<i64>,
    pub restored_from_snapshot: Option<String>,
    /// Set when the database was restored from a copy encrypted with a
    /// different key than its source: a manual rotation.
    pub previous_key_arn: Option<String>,
    pub previous_database: Option<String>,
    pub rekeyed_at: Option<i64>,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub identifier: String,
    pub arn: Option<String>,
    pub account_id: String,
    pub region: String,
    pub source_database: Option<String>,
    pub source_snapshot: Option<String>,
    /// Where the source snapshot lives (a copy may cross regions).
    pub source_account: String,
    pub source_region: String,
    pub key_arn: Option<String>,
    pub created_at: i64,
    /// Accounts the snapshot is shared with; `all` means public.
    pub shared_with: Vec<String>,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RdsModel {
    pub databases: Vec<Database>,
    pub snapshots: Vec<Snapshot>,
}

/// One successful RDS lifecycle event.
#[derive(Debug, Clone)]
pub struct Event {
    time: i64,
    id: String,
    name: String,
    account: String,
    region: String,
    req: Value,
    resp: Value,
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn b(v: &Value, k: &str) -> Option<bool> {
    v.get(k).and_then(|x| {
        x.as_bool()
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
    })
}

/// `arn:aws:rds:REGION:ACCOUNT:snapshot:NAME` or `NAME` → `NAME`.
fn short(id: &str) -> String {
    id.rsplit(':').next().unwrap_or(id).to_owned()
}

/// Where an identifier lives: an ARN names its account and region, a bare
/// name is in the event's own.
fn place(id: &str, e: &Event) -> (String, String) {
    let parts: Vec<&str> = id.split(':').collect();
    if id.starts_with("arn:") && parts.len() >= 5 {
        (parts[4].to_owned(), parts[3].to_owned())
    } else {
        (e.account.clone(), e.region.clone())
    }
}

impl Event {
    fn key(&self, v: &Value) -> Option<String> {
        s(v, "kmsKeyId").and_then(|k| key_ref_to_arn(&k, Some(&self.region), Some(&self.account)))
    }
}

impl RdsModel {
    fn database(&mut self, account: &str, region: &str, id: &str) -> Option<&mut Database> {
        self.databases.iter_mut().rev().find(|d| {
            d.identifier == id
                && d.account_id == account
                && d.region == region
                && d.deleted_at.is_none()
        })
    }

    fn snapshot(&self, account: &str, region: &str, id: &str) -> Option<&Snapshot> {
        self.snapshots
            .iter()
            .rev()
            .find(|s| s.identifier == id && s.account_id == account && s.region == region)
    }

    fn apply(&mut self, e: &Event) {
        let (req, resp) = (&e.req, &e.resp);
        match e.name.as_str() {
            "CreateDBInstance" | "CreateDBCluster" => {
                let cluster = e.name == "CreateDBCluster";
                let id_key = if cluster {
                    "dBClusterIdentifier"
                } else {
                    "dBInstanceIdentifier"
                };
                let Some(id) = s(req, id_key).or_else(|| s(resp, id_key)) else {
                    return;
                };
                // An instance inside a cluster gets its storage from the cluster.
                if !cluster && s(req, "dBClusterIdentifier").is_some() {
                    return;
                }
                self.databases.push(Database {
                    identifier: id,
                    arn: s(
                        resp,
                        if cluster {
                            "dBClusterArn"
                        } else {
                            "dBInstanceArn"
                        },
                    ),
                    kind: if cluster { "cluster" } else { "instance" },
                    account_id: e.account.clone(),
                    region: e.region.clone(),
                    engine: s(req, "engine").or_else(|| s(resp, "engine")),
                    storage_encrypted: b(resp, "storageEncrypted")
                        .or_else(|| b(req, "storageEncrypted")),
                    key_arn: e.key(resp).or_else(|| e.key(req)),
                    created_at: e.time,
                    evidence: vec![e.id.clone()],
                    ..Default::default()
                });
            }
            "RestoreDBInstanceFromDBSnapshot" | "RestoreDBClusterFromSnapshot" => {
                let cluster = e.name == "RestoreDBClusterFromSnapshot";
                let id_key = if cluster {
                    "dBClusterIdentifier"
                } else {
                    "dBInstanceIdentifier"
                };
                let Some(id) = s(req, id_key) else { return };
                let snap_ref =
                    s(req, "dBSnapshotIdentifier").or_else(|| s(req, "snapshotIdentifier"));
                let snap_id = snap_ref.as_deref().map(short);
                let snap = snap_ref.as_deref().and_then(|x| {
                    let (acc, reg) = place(x, e);
                    self.snapshot(&acc, &reg, &short(x)).cloned()
                });
                let key = e
                    .key(resp)
                    .or_else(|| e.key(req))
                    .or_else(|| snap.as_ref().and_then(|x| x.key_arn.clone()));
                // Where did the snapshot's data come from, and on which key?
                let origin = snap.as_ref().and_then(|x| {
                    let base = match &x.source_snapshot {
                        Some(src) => self
                            .snapshot(&x.source_account, &x.source_region, src)
                            .cloned()
                            .unwrap_or_else(|| x.clone()),
                        None => x.clone(),
                    };
                    let db = base.source_database.clone()?;
                    let old_key = self
                        .databases
                        .iter()
                        .rev()
                        .find(|d| {
                            d.identifier == db
                                && d.account_id == base.account_id
                                && d.region == base.region
                        })
                        .and_then(|d| d.key_arn.clone())
                        .or(base.key_arn.clone());
                    Some((db, old_key))
                });
                let mut d = Database {
                    identifier: id,
                    arn: s(
                        resp,
                        if cluster {
                            "dBClusterArn"
                        } else {
                            "dBInstanceArn"
                        },
                    ),
                    kind: if cluster { "cluster" } else { "instance" },
                    account_id: e.account.clone(),
                    region: e.region.clone(),
                    engine: s(resp, "engine").or_else(|| s(req, "engine")),
                    storage_encrypted: b(resp, "storageEncrypted").or(Some(key.is_some())),
                    key_arn: key.clone(),
                    created_at: e.time,
                    restored_from_snapshot: snap_id,
                    evidence: vec![e.id.clone()],
                    ..Default::default()
                };
                if let Some((db, old_key)) = origin {
                    if old_key.is_some() && old_key != key {
                        d.previous_key_arn = old_key;
                        d.rekeyed_at = Some(e.time);
                    }
                    d.previous_database = Some(db);
                }
                if let Some(x) = &snap {
                    d.evidence.extend(x.evidence.iter().cloned());
                }
                self.databases.push(d);
            }
            "CreateDBSnapshot" | "CreateDBClusterSnapshot" => {
                let cluster = e.name == "CreateDBClusterSnapshot";
                let (snap_key, db_key) = if cluster {
                    ("dBClusterSnapshotIdentifier", "dBClusterIdentifier")
                } else {
                    ("dBSnapshotIdentifier", "dBInstanceIdentifier")
                };
                let Some(id) = s(req, snap_key) else { return };
                let db = s(req, db_key);
                let (acc, reg) = (e.account.clone(), e.region.clone());
                let key = e.key(resp).or_else(|| {
                    db.as_deref()
                        .and_then(|d| self.database(&acc, &reg, d))
                        .and_then(|d| d.key_arn.clone())
                });
                self.snapshots.push(Snapshot {
                    identifier: id,
                    arn: s(
                        resp,
                        if cluster {
                            "dBClusterSnapshotArn"
                        } else {
                            "dBSnapshotArn"
                        },
                    ),
                    account_id: e.account.clone(),
                    region: e.region.clone(),
                    source_database: db,
                    key_arn: key,
                    created_at: e.time,
                    evidence: vec![e.id.clone()],
                    ..Default::default()
                });
            }
            "CopyDBSnapshot" | "CopyDBClusterSnapshot" => {
                let cluster = e.name == "CopyDBClusterSnapshot";
                let (src_key, dst_key) = if cluster {
                    (
                        "sourceDBClusterSnapshotIdentifier",
                        "targetDBClusterSnapshotIdentifier",
                    )
                } else {
                    ("sourceDBSnapshotIdentifier", "targetDBSnapshotIdentifier")
                };
                let (Some(src_ref), Some(dst)) = (s(req, src_key), s(req, dst_key)) else {
                    return;
                };
                let (src_account, src_region) = place(&src_ref, e);
                let src = short(&src_ref);
                let source = self.snapshot(&src_account, &src_region, &src).cloned();
                let key = e
                    .key(req)
                    .or_else(|| e.key(resp))
                    .or_else(|| source.as_ref().and_then(|x| x.key_arn.clone()));
                let mut evidence = vec![e.id.clone()];
                if let Some(x) = &source {
                    evidence.extend(x.evidence.iter().cloned());
                }
                self.snapshots.push(Snapshot {
                    identifier: dst,
                    arn: s(
                        resp,
                        if cluster {
                            "dBClusterSnapshotArn"
                        } else {
                            "dBSnapshotArn"
                        },
                    ),
                    account_id: e.account.clone(),
                    region: e.region.clone(),
                    source_database: source.as_ref().and_then(|x| x.source_database.clone()),
                    source_snapshot: Some(src),
                    source_account: src_account,
                    source_region: src_region,
                    key_arn: key,
                    created_at: e.time,
                    evidence,
                    ..Default::default()
                });
            }
            "DeleteDBInstance" | "DeleteDBCluster" => {
                let id_key = if e.name == "DeleteDBCluster" {
                    "dBClusterIdentifier"
                } else {
                    "dBInstanceIdentifier"
                };
                let (acc, reg) = (e.account.clone(), e.region.clone());
                if let Some(d) = s(req, id_key).and_then(|id| self.database(&acc, &reg, &id)) {
                    d.deleted_at = Some(e.time);
                    d.evidence.push(e.id.clone());
                }
            }
            "ModifyDBSnapshotAttribute" | "ModifyDBClusterSnapshotAttribute" => {
                if s(req, "attributeName").as_deref() != Some("restore") {
                    return;
                }
                let id_key = if e.name.contains("Cluster") {
                    "dBClusterSnapshotIdentifier"
                } else {
                    "dBSnapshotIdentifier"
                };
                let Some(id_ref) = s(req, id_key) else { return };
                let (acc, reg) = place(&id_ref, e);
                let id = short(&id_ref);
                let list = |k: &str| -> Vec<String> {
                    req.get(k)
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let (add, remove) = (list("valuesToAdd"), list("valuesToRemove"));
                let found = self
                    .snapshots
                    .iter_mut()
                    .rev()
                    .find(|x| x.identifier == id && x.account_id == acc && x.region == reg);
                if let Some(snap) = found {
                    snap.shared_with.retain(|a| !remove.contains(a));
                    for a in add {
                        if !snap.shared_with.contains(&a) {
                            snap.shared_with.push(a);
                        }
                    }
                    snap.evidence.push(e.id.clone());
                }
            }
            _ => {}
        }
    }
}

fn text(b: &RecordBatch, col: &str, row: usize) -> Option<String> {
    let a = b.column_by_name(col)?.as_string::<i32>();
    a.is_valid(row).then(|| a.value(row).to_owned())
}

/// Every successful RDS lifecycle event, in time order.
#[derive(Debug, Clone, Default)]
pub struct RdsEvents(Vec<Event>);

impl RdsEvents {
    /// Databases and snapshots as they were at `as_of` (exclusive).
    pub fn model_at(&self, as_of: i64) -> RdsModel {
        let mut model = RdsModel::default();
        for e in self.0.iter().take_while(|e| e.time < as_of) {
            model.apply(e);
        }
        model
    }
}

/// Read every successful RDS lifecycle event, in time order.
pub async fn load_rds(ctx: &SessionContext) -> Result<RdsEvents> {
    let sql = format!(
        "SELECT event_time, event_id, event_name, recipient_account_id, aws_region, request_parameters, response_elements \
         FROM cloudtrail WHERE event_source = 'rds.amazonaws.com' AND error_code IS NULL AND event_name IN ({}) \
         ORDER BY event_time, event_id",
        sql_list(RDS_EVENTS)
    );
    let mut events = Vec::new();
    for batch in ctx.sql(&sql).await?.collect().await? {
        let times = batch.column(0).as_primitive::<TimestampMicrosecondType>();
        for row in 0..batch.num_rows() {
            let parse = |c: &str| {
                text(&batch, c, row)
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or(Value::Null)
            };
            let e = Event {
                time: times.value(row),
                id: text(&batch, "event_id", row).unwrap_or_default(),
                name: text(&batch, "event_name", row).unwrap_or_default(),
                account: text(&batch, "recipient_account_id", row).unwrap_or_default(),
                region: text(&batch, "aws_region", row).unwrap_or_default(),
                req: parse("request_parameters"),
                resp: parse("response_elements"),
            };
            events.push(e);
        }
    }
    Ok(RdsEvents(events))
}
