//! Scheduled packs: cron expressions from the config file, run by
//! `keyledger serve`. A schedule is due when its latest occurrence up to
//! now has no pack for the period it names, so a missed run (the server was
//! down) happens at the next start, and a run never happens twice: the pack
//! names its period, and the store never replaces a pack.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use croner::Cron;
use serde::Deserialize;

use super::{PackRequest, build};
use crate::{AppError, AppState, report::Framework};

/// Which audit period a run covers, relative to the day it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PeriodRule {
    #[serde(rename = "previous-month")]
    PreviousMonth,
    #[serde(rename = "previous-quarter")]
    PreviousQuarter,
    #[serde(rename = "trailing-12-months")]
    Trailing12Months,
}

impl PeriodRule {
    /// The period (inclusive dates) for a run on `day`.
    pub fn period(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let first_of_month = day.with_day(1).unwrap_or(day);
        match self {
            PeriodRule::PreviousMonth => {
                let end = first_of_month.pred_opt().unwrap_or(first_of_month);
                (end.with_day(1).unwrap_or(end), end)
            }
            PeriodRule::PreviousQuarter => {
                let quarter_start = first_of_month
                    .with_month(((day.month() - 1) / 3) * 3 + 1)
                    .unwrap_or(first_of_month);
                let end = quarter_start.pred_opt().unwrap_or(quarter_start);
                (
                    quarter_start
                        .checked_sub_months(Months::new(3))
                        .unwrap_or(quarter_start),
                    end,
                )
            }
            PeriodRule::Trailing12Months => {
                let end = day.pred_opt().unwrap_or(day);
                (day.checked_sub_months(Months::new(12)).unwrap_or(day), end)
            }
        }
    }
}

/// `[[packs.schedules]]` in the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Letters, digits and `-`: part of each pack's name.
    pub name: String,
    /// Five fields (minute hour day-of-month month day-of-week), UTC.
    pub cron: String,
    /// `pci-dss` or `soc2`.
    pub framework: String,
    pub period: PeriodRule,
    #[serde(default = "default_policy")]
    pub policy_days: u32,
    /// How many of this schedule's packs to keep (0: all).
    #[serde(default)]
    pub keep: usize,
}

fn default_policy() -> u32 {
    365
}

/// A schedule checked once: its parsed pattern and framework.
#[derive(Debug, Clone)]
pub struct Checked {
    pub schedule: Schedule,
    cron: Cron,
    framework: Framework,
}

impl Schedule {
    pub fn check(self) -> Result<Checked, String> {
        if self.name.is_empty()
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(format!(
                "schedule name {:?}: use letters, digits and '-'",
                self.name
            ));
        }
        let cron = Cron::from_str(&self.cron)
            .map_err(|e| format!("schedule {}: cron {:?}: {e}", self.name, self.cron))?;
        let framework = self
            .framework
            .parse()
            .map_err(|e| format!("schedule {}: {e}", self.name))?;
        if self.policy_days == 0 {
            return Err(format!(
                "schedule {}: policy_days must be at least 1",
                self.name
            ));
        }
        Ok(Checked {
            schedule: self,
            cron,
            framework,
        })
    }
}

impl Checked {
    /// The pack the latest occurrence at or before `now` asks for.
    pub fn due(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, NaiveDate, NaiveDate)> {
        let fired = self.cron.find_previous_occurrence(&now, true).ok()?;
        let (start, end) = self.schedule.period.period(fired.date_naive());
        Some((fired, start, end))
    }
}

/// Run every schedule that is due at `now` and has no pack yet; apply
/// retention. Returns the names of the packs made.
pub async fn run_due(state: &AppState, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    let settings = state.packs_settings();
    if settings.schedules.is_empty() {
        return Ok(Vec::new());
    }
    let Some(key) = settings.key.as_ref() else {
        return Err(AppError::BadRequest(
            "schedules need a pack signing key ([packs] signing_key in the config)".into(),
        ));
    };
    let ledger = state.ledger();
    let store = ledger.store().clone();
    let mut made = Vec::new();
    for s in &settings.schedules {
        let Some((fired, start, end)) = s.due(now) else {
            continue;
        };
        let (start, end) = (
            start.format("%Y-%m-%d").to_string(),
            end.format("%Y-%m-%d").to_string(),
        );
        let prefix = format!("{}_{start}_{end}_", s.framework.slug());
        let suffix = format!("_{}.zip", s.schedule.name);
        let existing = store.list_packs().await.map_err(AppError::internal)?;
        if existing
            .iter()
            .any(|p| p.name.starts_with(&prefix) && p.name.ends_with(&suffix))
        {
            continue;
        }
        let req = PackRequest {
            framework: s.framework,
            period_start: start,
            period_end: end,
            policy_days: s.schedule.policy_days,
            organisation: state.config.organisation.clone(),
            schedule: Some(s.schedule.name.clone()),
        };
        let pack = build(&ledger, &req, key).await?;
        store
            .put_pack(&pack.name, pack.zip)
            .await
            .map_err(AppError::internal)?;
        tracing::info!(
            target: "keyledger::packs",
            schedule = %s.schedule.name,
            occurrence = %fired.to_rfc3339(),
            pack = %pack.name,
            store_commit = pack.manifest.store_commit,
            pages = pack.manifest.pages,
            "scheduled pack generated"
        );
        made.push(pack.name);
        if s.schedule.keep > 0 {
            let mut mine: Vec<String> = store
                .list_packs()
                .await
                .map_err(AppError::internal)?
                .into_iter()
                .map(|p| p.name)
                .filter(|n| n.ends_with(&suffix))
                .collect();
            // Names start with the framework and the period start: sorted,
            // the oldest come first.
            mine.sort();
            let excess = mine.len().saturating_sub(s.schedule.keep);
            for old in mine.into_iter().take(excess) {
                store.delete_pack(&old).await.map_err(AppError::internal)?;
                tracing::info!(target: "keyledger::packs", schedule = %s.schedule.name, pack = %old, "old pack removed (retention)");
            }
        }
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn periods() {
        assert_eq!(
            PeriodRule::PreviousMonth.period(d("2026-03-01")),
            (d("2026-02-01"), d("2026-02-28"))
        );
        assert_eq!(
            PeriodRule::PreviousMonth.period(d("2026-01-15")),
            (d("2025-12-01"), d("2025-12-31"))
        );
        assert_eq!(
            PeriodRule::PreviousQuarter.period(d("2026-05-02")),
            (d("2026-01-01"), d("2026-03-31"))
        );
        assert_eq!(
            PeriodRule::PreviousQuarter.period(d("2026-01-01")),
            (d("2025-10-01"), d("2025-12-31"))
        );
        assert_eq!(
            PeriodRule::Trailing12Months.period(d("2026-07-01")),
            (d("2025-07-01"), d("2026-06-30"))
        );
    }
}
