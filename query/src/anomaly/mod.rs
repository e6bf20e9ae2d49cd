//! Anomalous key usage: what a principal's use of a key normally looks
//! like, learned from the ledger itself, and when it changes.
//!
//! | kind | what |
//! |---|---|
//! | `decrypt_spike` | a principal's hourly use of a key far above its own baseline for that hour (same hour of day and kind of day, same weekday) |
//! | `new_principal_key_pair` | a principal uses a key it never used, after the key's learning period |
//! | `new_source_ip` | a principal uses a key from an address it never used (AWS service addresses aside) |
//! | `access_denied_burst` | many `AccessDenied*` errors on KMS calls by one principal within minutes |
//! | `gateway_auth_failures_then_decrypt` | a burst of 401/403 at a gateway from an address that then uses a KMS key |
//!
//! Detection reads aggregates (hourly counts, first uses) from DataFusion,
//! not events, so it stays fast on large stores.

mod bursts;
mod novelty;
mod spike;

use datafusion::prelude::SessionContext;

use crate::{Result, findings::Finding};

/// Tunables, from the session's `keyledger.*` settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnomalyConfig {
    pub spike_min_count: u64,
    pub spike_threshold: f64,
    pub spike_ratio: f64,
    pub baseline_days: u32,
    pub learning_days: u32,
    pub burst_count: u64,
    pub burst_minutes: u32,
    pub gateway_window_minutes: u32,
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        Self::from(&crate::KeyledgerConfig::default())
    }
}

impl From<&crate::KeyledgerConfig> for AnomalyConfig {
    fn from(c: &crate::KeyledgerConfig) -> Self {
        AnomalyConfig {
            spike_min_count: c.spike_min_count,
            spike_threshold: c.spike_threshold,
            spike_ratio: c.spike_ratio,
            baseline_days: c.baseline_days,
            learning_days: c.learning_days,
            burst_count: c.burst_count.max(2),
            burst_minutes: c.burst_minutes.max(1),
            gateway_window_minutes: c.gateway_window_minutes,
        }
    }
}

impl Eq for AnomalyConfig {}

impl std::hash::Hash for AnomalyConfig {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (
            self.spike_min_count,
            self.spike_threshold.to_bits(),
            self.spike_ratio.to_bits(),
        )
            .hash(h);
        (
            self.baseline_days,
            self.learning_days,
            self.burst_count,
            self.burst_minutes,
            self.gateway_window_minutes,
        )
            .hash(h);
    }
}

/// KMS calls that use a key.
pub(crate) fn usage_filter() -> String {
    format!(
        "event_source = 'kms.amazonaws.com' AND key_arn IS NOT NULL AND principal_arn IS NOT NULL AND event_name IN ({})",
        crate::keys::load::sql_list(keyledger_schemas::cloudtrail::KEY_USAGE_EVENTS)
    )
}

/// Every anomaly finding in the store, for these settings.
pub async fn detect(ctx: &SessionContext, cfg: &AnomalyConfig) -> Result<Vec<Finding>> {
    let mut out = spike::detect(ctx, cfg).await?;
    out.extend(novelty::new_pairs(ctx, cfg).await?);
    out.extend(novelty::new_addresses(ctx, cfg).await?);
    out.extend(bursts::access_denied(ctx, cfg).await?);
    out.extend(bursts::gateway_then_kms(ctx, cfg).await?);
    Ok(out)
}

pub(crate) const HOUR: i64 = 3_600_000_000;
pub(crate) const DAY: i64 = 24 * HOUR;
pub(crate) const MINUTE: i64 = 60_000_000;

/// The account (field 5) of an ARN.
pub(crate) fn arn_account(arn: Option<&str>) -> Option<String> {
    arn.and_then(|a| a.split(':').nth(4)).map(str::to_owned)
}

/// The region (field 4) of an ARN.
pub(crate) fn arn_region(arn: Option<&str>) -> Option<String> {
    arn.and_then(|a| a.split(':').nth(3)).map(str::to_owned)
}
