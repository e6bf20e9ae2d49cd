use arrow::array::RecordBatch;

use super::{Derived, Settings};
use crate::{Result, findings::to_batch};

/// Every finding (critical events and anomalies) first seen before the
/// instant, newest first.
pub(super) async fn findings(d: &Derived, s: Settings) -> Result<RecordBatch> {
    let critical = d.event_findings().await?;
    let anomalies = d.anomalies(s.anomaly).await?;
    let mut rows: Vec<_> = critical
        .iter()
        .chain(anomalies.iter())
        .filter(|f| f.first_seen < s.as_of)
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        b.first_seen
            .cmp(&a.first_seen)
            .then_with(|| a.finding_id.cmp(&b.finding_id))
    });
    Ok(to_batch(&rows))
}
