//! The cryptoperiod verdict (PCI DSS v4.0.1 3.7.4): not "is rotation on",
//! but "is this key's material inside its cryptoperiod".

use keyledger_schemas::time;

use super::KeyFacts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Compliant,
    NonCompliant,
    NotApplicable,
    /// The store holds no configuration evidence for a key it has seen: an
    /// evidence gap the auditor must see, never silently compliant.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compliant => "COMPLIANT",
            Status::NonCompliant => "NON_COMPLIANT",
            Status::NotApplicable => "NOT_APPLICABLE",
            Status::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    /// A stable code: `rotation_disabled`, `period_exceeds_policy`,
    /// `material_overdue`, `aws_managed`, `asymmetric`, … (see `verdict`).
    pub reason: &'static str,
    /// The same in words, with dates.
    pub detail: String,
    /// Whole days since the current material was created or rotated in.
    pub material_age_days: Option<i64>,
}

const DAY: i64 = 86_400_000_000;

fn day(t: i64) -> String {
    time::date32_to_string(time::date32_of(t))
}

/// The verdict for a key's facts at `as_of` under a cryptoperiod of
/// `policy_days`.
///
/// In scope: customer managed, `SYMMETRIC_DEFAULT`, origin `AWS_KMS`,
/// state Enabled. Compliant only if automatic rotation is on, its period is
/// within the policy, and the current material is no older than the policy.
pub fn verdict(f: &KeyFacts, as_of: i64, policy_days: u32) -> Verdict {
    let age = f.material_since().map(|t| (as_of - t).max(0) / DAY);
    let v = |status, reason, detail: String| Verdict {
        status,
        reason,
        detail,
        material_age_days: age,
    };
    let na = |reason, detail: &str| v(Status::NotApplicable, reason, detail.to_owned());

    if !f.has_configuration() {
        return v(
            Status::Unknown,
            "no_configuration_evidence",
            "the store holds events using this key but no CreateKey event and no KMS inventory snapshot: \
             its kind, origin and rotation cannot be established"
                .into(),
        );
    }
    if f.key_manager.as_deref() == Some("AWS") {
        return na("aws_managed", "AWS managed key: AWS rotates it every year");
    }
    match f.key_state.as_deref() {
        Some("Disabled") => return na("disabled", "the key is disabled"),
        Some("PendingDeletion") => {
            return na("pending_deletion", "the key is scheduled for deletion");
        }
        Some("Deleted") => return na("deleted", "the key was deleted"),
        Some("PendingImport") => {
            return na(
                "pending_import",
                "the key has no key material (pending import)",
            );
        }
        Some("Unavailable") => {
            return na("unavailable", "the key's custom key store is disconnected");
        }
        _ => {}
    }
    match f.key_spec.as_deref() {
        Some(s) if s.starts_with("HMAC") => {
            return na("hmac", "HMAC keys cannot be rotated automatically");
        }
        Some("SYMMETRIC_DEFAULT") | None => {}
        Some(_) => {
            return na(
                "asymmetric",
                "asymmetric keys cannot be rotated automatically",
            );
        }
    }
    match f.origin.as_deref() {
        Some("EXTERNAL") => {
            return na(
                "imported_material",
                "imported key material is rotated by its owner, not KMS",
            );
        }
        Some("AWS_CLOUDHSM" | "EXTERNAL_KEY_STORE") => {
            return na(
                "custom_key_store",
                "keys in custom key stores cannot be rotated automatically",
            );
        }
        _ => {}
    }
    let Some(enabled) = f.rotation_enabled else {
        return v(
            Status::Unknown,
            "rotation_status_unknown",
            "no evidence of the key's rotation setting".into(),
        );
    };
    if !enabled {
        return v(
            Status::NonCompliant,
            "rotation_disabled",
            "automatic rotation is disabled".into(),
        );
    }
    let period = f.rotation_period_days.unwrap_or(365);
    if period > policy_days as i32 {
        return v(
            Status::NonCompliant,
            "period_exceeds_policy",
            format!("automatic rotation every {period} days exceeds the {policy_days}-day policy"),
        );
    }
    let (Some(since), Some(age)) = (f.material_since(), age) else {
        return v(
            Status::Unknown,
            "creation_unknown",
            "when the current key material was created is unknown".into(),
        );
    };
    if age > i64::from(policy_days) {
        return v(
            Status::NonCompliant,
            "material_overdue",
            format!(
                "current key material dates from {} ({age} days, policy {policy_days})",
                day(since)
            ),
        );
    }
    v(
        Status::Compliant,
        "within_policy",
        format!(
            "rotates every {period} days; current material from {} ({age} days)",
            day(since)
        ),
    )
}
