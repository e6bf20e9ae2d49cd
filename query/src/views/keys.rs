use arrow::array::RecordBatch;

use super::{Derived, Settings};
use crate::{
    Result,
    columns::{Col, batch},
    keys::{KeyFacts, project, verdict},
};

fn texts<'a>(rows: &'a [KeyFacts], f: impl Fn(&'a KeyFacts) -> Option<&'a String>) -> Col {
    Col::Text(rows.iter().map(|r| f(r).cloned()).collect())
}

fn list(rows: &[KeyFacts], f: impl Fn(&KeyFacts) -> Vec<String>) -> Col {
    Col::List(rows.iter().map(f).collect())
}

/// The `key_state` view: every key's facts as of the instant.
pub(super) fn key_state_batch(rows: &[KeyFacts], as_of: i64) -> RecordBatch {
    batch(vec![
        ("as_of", Col::Time(vec![Some(as_of); rows.len()])),
        ("key_arn", texts(rows, |r| Some(&r.key_arn))),
        ("key_id", texts(rows, |r| Some(&r.key_id))),
        ("account_id", texts(rows, |r| Some(&r.account_id))),
        ("region", texts(rows, |r| Some(&r.region))),
        (
            "aliases",
            list(rows, |r| r.aliases.iter().cloned().collect()),
        ),
        ("key_manager", texts(rows, |r| r.key_manager.as_ref())),
        ("key_spec", texts(rows, |r| r.key_spec.as_ref())),
        ("key_usage", texts(rows, |r| r.key_usage.as_ref())),
        ("origin", texts(rows, |r| r.origin.as_ref())),
        (
            "custom_key_store_id",
            texts(rows, |r| r.custom_key_store_id.as_ref()),
        ),
        ("key_state", texts(rows, |r| r.key_state.as_ref())),
        (
            "created_at",
            Col::Time(rows.iter().map(|r| r.created_at).collect()),
        ),
        (
            "rotation_enabled",
            Col::Bool(rows.iter().map(|r| r.rotation_enabled).collect()),
        ),
        (
            "rotation_period_days",
            Col::Int32(rows.iter().map(|r| r.rotation_period_days).collect()),
        ),
        (
            "last_automatic_rotation",
            Col::Time(rows.iter().map(|r| r.last_automatic_rotation).collect()),
        ),
        (
            "last_on_demand_rotation",
            Col::Time(rows.iter().map(|r| r.last_on_demand_rotation).collect()),
        ),
        (
            "deletion_date",
            Col::Time(rows.iter().map(|r| r.deletion_date).collect()),
        ),
        ("policy", texts(rows, |r| r.policy.as_ref())),
        (
            "inventory_errors",
            texts(rows, |r| r.inventory_errors.as_ref()),
        ),
        (
            "last_inventory",
            Col::Time(rows.iter().map(|r| r.last_inventory).collect()),
        ),
        (
            "first_seen",
            Col::Time(rows.iter().map(|r| r.usage.first_seen).collect()),
        ),
        (
            "last_seen",
            Col::Time(rows.iter().map(|r| r.usage.last_seen).collect()),
        ),
        (
            "events",
            Col::Int64(rows.iter().map(|r| Some(r.usage.events as i64)).collect()),
        ),
        ("evidence", list(rows, KeyFacts::evidence_ids)),
    ])
}

/// The `rotation_compliance` view: the verdict for every key.
pub(super) fn rotation_batch(rows: &[KeyFacts], s: Settings) -> RecordBatch {
    let verdicts: Vec<_> = rows
        .iter()
        .map(|r| verdict(r, s.as_of, s.policy_days))
        .collect();
    batch(vec![
        ("key_arn", texts(rows, |r| Some(&r.key_arn))),
        ("key_id", texts(rows, |r| Some(&r.key_id))),
        ("account_id", texts(rows, |r| Some(&r.account_id))),
        ("region", texts(rows, |r| Some(&r.region))),
        (
            "aliases",
            list(rows, |r| r.aliases.iter().cloned().collect()),
        ),
        ("key_manager", texts(rows, |r| r.key_manager.as_ref())),
        ("key_spec", texts(rows, |r| r.key_spec.as_ref())),
        ("origin", texts(rows, |r| r.origin.as_ref())),
        ("key_state", texts(rows, |r| r.key_state.as_ref())),
        (
            "rotation_enabled",
            Col::Bool(rows.iter().map(|r| r.rotation_enabled).collect()),
        ),
        (
            "rotation_period_days",
            Col::Int32(rows.iter().map(|r| r.rotation_period_days).collect()),
        ),
        (
            "last_rotation",
            Col::Time(rows.iter().map(KeyFacts::last_rotation).collect()),
        ),
        (
            "material_age_days",
            Col::Int64(verdicts.iter().map(|v| v.material_age_days).collect()),
        ),
        (
            "policy_days",
            Col::Int32(vec![Some(s.policy_days as i32); rows.len()]),
        ),
        (
            "status",
            Col::Text(
                verdicts
                    .iter()
                    .map(|v| Some(v.status.as_str().to_owned()))
                    .collect(),
            ),
        ),
        (
            "reason",
            Col::Text(verdicts.iter().map(|v| Some(v.reason.to_owned())).collect()),
        ),
        (
            "detail",
            Col::Text(verdicts.iter().map(|v| Some(v.detail.clone())).collect()),
        ),
        ("evidence", list(rows, KeyFacts::evidence_ids)),
        ("as_of", Col::Time(vec![Some(s.as_of); rows.len()])),
        (
            "created_at",
            Col::Time(rows.iter().map(|r| r.created_at).collect()),
        ),
        (
            "first_seen",
            Col::Time(rows.iter().map(|r| r.usage.first_seen).collect()),
        ),
        (
            "last_seen",
            Col::Time(rows.iter().map(|r| r.usage.last_seen).collect()),
        ),
    ])
}

pub(super) async fn key_state(d: &Derived, s: Settings) -> Result<RecordBatch> {
    let timelines = d.timelines().await?;
    Ok(key_state_batch(&project(&timelines, s.as_of), s.as_of))
}

pub(super) async fn rotation_compliance(d: &Derived, s: Settings) -> Result<RecordBatch> {
    let timelines = d.timelines().await?;
    Ok(rotation_batch(&project(&timelines, s.as_of), s))
}
