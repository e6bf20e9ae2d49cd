//! What a report is computed from: the views as of the end of the period,
//! and the period's events.

use std::collections::{BTreeMap, BTreeSet};

use keyledger_query::{Ledger, keys::history};
use keyledger_schemas::time;
use serde::Deserialize;

use crate::{
    AppError,
    rows::{count, lit, typed},
};

#[derive(Debug, Clone, Deserialize)]
pub struct RotationRow {
    pub key_arn: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub key_manager: Option<String>,
    pub key_spec: Option<String>,
    pub origin: Option<String>,
    pub key_state: Option<String>,
    pub rotation_enabled: Option<bool>,
    pub rotation_period_days: Option<i64>,
    pub material_age_days: Option<i64>,
    pub last_rotation: Option<String>,
    pub status: String,
    pub reason: String,
    pub detail: String,
    #[serde(default)]
    pub evidence: Vec<String>,
}

impl RotationRow {
    pub fn name(&self) -> String {
        match self.aliases.first() {
            Some(a) => format!("{a} ({})", self.key_arn),
            None => self.key_arn.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct FindingRow {
    pub finding_id: String,
    pub kind: String,
    pub severity: String,
    pub title: String,
    pub key_arn: Option<String>,
    pub principal_arn: Option<String>,
    pub resource_arn: Option<String>,
    pub source_ip: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub event_count: i64,
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub controls: Vec<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseRow {
    pub db_identifier: String,
    pub account_id: String,
    pub region: String,
    pub storage_encrypted: Option<bool>,
    pub key_arn: Option<String>,
    pub key_status: Option<String>,
    pub active: bool,
    pub previous_key_arn: Option<String>,
    pub rekeyed_at: Option<String>,
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotRow {
    pub snapshot_identifier: String,
    pub account_id: String,
    pub key_arn: Option<String>,
    pub key_status: Option<String>,
    pub key_state: Option<String>,
    #[serde(default)]
    pub shared_with: Vec<String>,
    pub needs_attention: bool,
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// A dated event, for lists of changes.
#[derive(Debug, Clone, Deserialize)]
pub struct EventRow {
    pub event_time: String,
    pub event_id: String,
    pub event_name: Option<String>,
    pub principal_arn: Option<String>,
    pub key_arn: Option<String>,
}

/// Days with CloudTrail data per account and region.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub account_id: String,
    pub region: String,
    pub days: usize,
    pub missing: Vec<String>,
}

/// Everything the sections are written from.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub period_start: String,
    pub period_end: String,
    pub policy_days: u32,
    pub rotation: Vec<RotationRow>,
    /// Keys out of compliance on some day of the period: (key, spans).
    pub out_of_compliance: Vec<(String, Vec<history::Span>)>,
    pub findings: Vec<FindingRow>,
    pub databases: Vec<DatabaseRow>,
    pub snapshots: Vec<SnapshotRow>,
    /// Key configuration changes in the period.
    pub changes: Vec<EventRow>,
    pub imports: Vec<EventRow>,
    pub coverage: Vec<Coverage>,
    pub period_days: usize,
    pub events_in_period: i64,
    pub first_event: Option<String>,
    pub head_hash: String,
    pub store_sequence: u64,
}

const CHANGE_EVENTS: &str = "'PutKeyPolicy','CreateGrant','RevokeGrant','RetireGrant','UpdateAlias','CreateAlias','DeleteAlias',\
    'EnableKeyRotation','DisableKeyRotation','DisableKey','EnableKey','ScheduleKeyDeletion','CancelKeyDeletion',\
    'RotateKeyOnDemand','ImportKeyMaterial','DeleteImportedKeyMaterial','CreateKey','UpdateKeyDescription'";

/// The findings first seen in the period.
pub(crate) fn findings_sql(start: &str, end: &str) -> String {
    format!(
        "SELECT * FROM findings WHERE first_seen >= TIMESTAMP {} AND first_seen < TIMESTAMP {} + INTERVAL '1 day' ORDER BY first_seen, finding_id",
        lit(&format!("{start}T00:00:00Z")),
        lit(&format!("{end}T00:00:00Z"))
    )
}

/// Successful key configuration changes in the period.
pub(crate) fn changes_sql(start: &str, end: &str) -> String {
    format!(
        "SELECT CAST(event_time AS VARCHAR) AS event_time, event_id, event_name, principal_arn, key_arn, \
         recipient_account_id, aws_region, source_ip FROM cloudtrail \
         WHERE date >= DATE {} AND date <= DATE {} AND error_code IS NULL \
         AND event_source = 'kms.amazonaws.com' AND event_name IN ({CHANGE_EVENTS}) ORDER BY event_time, event_id",
        lit(start),
        lit(end)
    )
}

pub(crate) const KEYS_SQL: &str =
    "SELECT * FROM rotation_compliance ORDER BY account_id, region, key_arn";
pub(crate) const DATABASES_SQL: &str = "SELECT * FROM rds_keys ORDER BY account_id, db_identifier";

impl Evidence {
    pub async fn gather(
        ledger: &Ledger,
        start: &str,
        end: &str,
        policy_days: u32,
    ) -> Result<Evidence, AppError> {
        let (first, last) = match (time::date32_from_str(start), time::date32_from_str(end)) {
            (Some(a), Some(b)) if a <= b => (a, b),
            _ => {
                return Err(AppError::BadRequest(format!(
                    "bad period {start} .. {end}: use YYYY-MM-DD, start before end"
                )));
            }
        };
        let ledger = ledger.with_settings(&[
            ("as_of", end.to_owned()),
            ("policy_days", policy_days.to_string()),
        ])?;
        let in_period = format!("date >= DATE {} AND date <= DATE {}", lit(start), lit(end));
        let rotation: Vec<RotationRow> = typed(&ledger, KEYS_SQL).await?;
        let timelines = ledger.derived().timelines().await?;
        let out_of_compliance = timelines
            .iter()
            .map(|t| {
                (
                    t.key_arn.clone(),
                    history::out_of_compliance(t, first, last, policy_days),
                )
            })
            .filter(|(_, spans)| !spans.is_empty())
            .collect();
        let findings: Vec<FindingRow> = typed(&ledger, &findings_sql(start, end)).await?;
        let databases: Vec<DatabaseRow> = typed(&ledger, DATABASES_SQL).await?;
        let snapshots: Vec<SnapshotRow> = typed(
            &ledger,
            "SELECT * FROM rds_snapshots ORDER BY account_id, snapshot_identifier",
        )
        .await?;
        let changes: Vec<EventRow> = typed(&ledger, &changes_sql(start, end)).await?;
        let imports = changes
            .iter()
            .filter(|e| {
                matches!(
                    e.event_name.as_deref(),
                    Some("ImportKeyMaterial" | "DeleteImportedKeyMaterial")
                )
            })
            .cloned()
            .collect();
        #[derive(Deserialize)]
        struct Day {
            recipient_account_id: Option<String>,
            aws_region: Option<String>,
            date: String,
        }
        let days: Vec<Day> = typed(
            &ledger,
            &format!(
                "SELECT recipient_account_id, aws_region, CAST(date AS VARCHAR) AS date FROM cloudtrail WHERE {in_period} \
                 AND recipient_account_id IS NOT NULL AND aws_region IS NOT NULL GROUP BY 1, 2, 3"
            ),
        )
        .await?;
        let mut seen: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for d in days {
            if let (Some(a), Some(r)) = (d.recipient_account_id, d.aws_region) {
                seen.entry((a, r)).or_default().insert(d.date);
            }
        }
        let all_days: Vec<String> = (first..=last).map(time::date32_to_string).collect();
        let coverage = seen
            .into_iter()
            .map(|((account_id, region), have)| Coverage {
                account_id,
                region,
                days: have.len(),
                missing: all_days
                    .iter()
                    .filter(|d| !have.contains(*d))
                    .cloned()
                    .collect(),
            })
            .collect();
        let events_in_period = count(
            &ledger,
            &format!("SELECT count(*) FROM cloudtrail WHERE {in_period}"),
        )
        .await?;
        #[derive(Deserialize)]
        struct First {
            first: Option<String>,
        }
        let first_event = typed::<First>(
            &ledger,
            "SELECT CAST(min(event_time) AS VARCHAR) AS first FROM cloudtrail",
        )
        .await?
        .into_iter()
        .next()
        .and_then(|f| f.first);
        Ok(Evidence {
            period_start: start.to_owned(),
            period_end: end.to_owned(),
            policy_days,
            rotation,
            out_of_compliance,
            findings,
            databases,
            snapshots,
            changes,
            imports,
            coverage,
            period_days: all_days.len(),
            events_in_period,
            first_event,
            head_hash: ledger.snapshot().head_hash.clone().unwrap_or_default(),
            store_sequence: ledger.snapshot().sequence,
        })
    }

    pub fn verdict_counts(&self) -> Vec<(String, usize)> {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for r in &self.rotation {
            *m.entry(r.status.clone()).or_default() += 1;
        }
        m.into_iter().collect()
    }

    pub fn findings_of(&self, kinds: &[&str]) -> impl Iterator<Item = &FindingRow> {
        self.findings
            .iter()
            .filter(move |f| kinds.contains(&f.kind.as_str()))
    }
}
