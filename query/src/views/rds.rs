use std::collections::HashMap;

use arrow::array::RecordBatch;

use super::{Derived, Settings};
use crate::{
    Result,
    columns::{Col, batch},
    keys::{Status, project, verdict},
    rds::{Database, Snapshot},
};

/// The rotation verdict and state of every key, by ARN, at the instant.
async fn key_verdicts(
    d: &Derived,
    s: Settings,
) -> Result<HashMap<String, (String, Option<String>)>> {
    let timelines = d.timelines().await?;
    Ok(project(&timelines, s.as_of)
        .into_iter()
        .map(|f| {
            let v = verdict(&f, s.as_of, s.policy_days);
            (
                f.key_arn.clone(),
                (v.status.as_str().to_owned(), f.key_state),
            )
        })
        .collect())
}

pub(super) fn databases_batch(rows: &[(Database, Option<String>, bool)]) -> RecordBatch {
    let t = |f: &dyn Fn(&Database) -> Option<String>| {
        Col::Text(rows.iter().map(|(d, _, _)| f(d)).collect())
    };
    batch(vec![
        ("db_identifier", t(&|d| Some(d.identifier.clone()))),
        ("db_arn", t(&|d| d.arn.clone())),
        ("db_kind", t(&|d| Some(d.kind.to_owned()))),
        ("account_id", t(&|d| Some(d.account_id.clone()))),
        ("region", t(&|d| Some(d.region.clone()))),
        ("engine", t(&|d| d.engine.clone())),
        (
            "storage_encrypted",
            Col::Bool(rows.iter().map(|(d, _, _)| d.storage_encrypted).collect()),
        ),
        ("key_arn", t(&|d| d.key_arn.clone())),
        (
            "key_status",
            Col::Text(rows.iter().map(|(_, s, _)| s.clone()).collect()),
        ),
        (
            "active",
            Col::Bool(rows.iter().map(|(_, _, a)| Some(*a)).collect()),
        ),
        (
            "created_at",
            Col::Time(rows.iter().map(|(d, _, _)| Some(d.created_at)).collect()),
        ),
        (
            "deleted_at",
            Col::Time(rows.iter().map(|(d, _, _)| d.deleted_at).collect()),
        ),
        (
            "restored_from_snapshot",
            t(&|d| d.restored_from_snapshot.clone()),
        ),
        ("previous_database", t(&|d| d.previous_database.clone())),
        ("previous_key_arn", t(&|d| d.previous_key_arn.clone())),
        (
            "rekeyed_at",
            Col::Time(rows.iter().map(|(d, _, _)| d.rekeyed_at).collect()),
        ),
        (
            "evidence",
            Col::List(rows.iter().map(|(d, _, _)| d.evidence.clone()).collect()),
        ),
    ])
}

pub(super) fn snapshots_batch(rows: &[(Snapshot, Option<String>, Option<String>)]) -> RecordBatch {
    let t = |f: &dyn Fn(&Snapshot) -> Option<String>| {
        Col::Text(rows.iter().map(|(x, _, _)| f(x)).collect())
    };
    batch(vec![
        ("snapshot_identifier", t(&|x| Some(x.identifier.clone()))),
        ("snapshot_arn", t(&|x| x.arn.clone())),
        ("account_id", t(&|x| Some(x.account_id.clone()))),
        ("region", t(&|x| Some(x.region.clone()))),
        ("source_database", t(&|x| x.source_database.clone())),
        ("source_snapshot", t(&|x| x.source_snapshot.clone())),
        ("key_arn", t(&|x| x.key_arn.clone())),
        (
            "key_status",
            Col::Text(rows.iter().map(|(_, s, _)| s.clone()).collect()),
        ),
        (
            "key_state",
            Col::Text(rows.iter().map(|(_, _, k)| k.clone()).collect()),
        ),
        (
            "created_at",
            Col::Time(rows.iter().map(|(x, _, _)| Some(x.created_at)).collect()),
        ),
        (
            "shared_with",
            Col::List(rows.iter().map(|(x, _, _)| x.shared_with.clone()).collect()),
        ),
        (
            "public",
            Col::Bool(
                rows.iter()
                    .map(|(x, _, _)| Some(x.shared_with.iter().any(|a| a == "all")))
                    .collect(),
            ),
        ),
        (
            "needs_attention",
            Col::Bool(
                rows.iter()
                    .map(|(_, s, k)| {
                        let retired = matches!(
                            k.as_deref(),
                            Some("Disabled" | "PendingDeletion" | "Deleted" | "PendingImport")
                        );
                        Some(retired || s.as_deref() == Some(Status::NonCompliant.as_str()))
                    })
                    .collect(),
            ),
        ),
        (
            "evidence",
            Col::List(rows.iter().map(|(x, _, _)| x.evidence.clone()).collect()),
        ),
    ])
}

pub(super) async fn databases(d: &Derived, s: Settings) -> Result<RecordBatch> {
    let model = d.rds().await?.model_at(s.as_of);
    let verdicts = key_verdicts(d, s).await?;
    let rows: Vec<_> = model
        .databases
        .into_iter()
        .map(|db| {
            let status = db
                .key_arn
                .as_ref()
                .and_then(|k| verdicts.get(k))
                .map(|(v, _)| v.clone());
            let active = db.deleted_at.is_none();
            (db, status, active)
        })
        .collect();
    Ok(databases_batch(&rows))
}

pub(super) async fn snapshots(d: &Derived, s: Settings) -> Result<RecordBatch> {
    let model = d.rds().await?.model_at(s.as_of);
    let verdicts = key_verdicts(d, s).await?;
    let rows: Vec<_> = model
        .snapshots
        .into_iter()
        .map(|x| {
            let (status, state) = x
                .key_arn
                .as_ref()
                .and_then(|k| verdicts.get(k))
                .cloned()
                .unzip();
            (x, status, state.flatten())
        })
        .collect();
    Ok(snapshots_batch(&rows))
}
