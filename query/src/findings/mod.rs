//! Findings: what an auditor or a SIEM should look at, each with its
//! evidence events and the framework controls it bears on.

pub mod critical;
pub mod policy;

use arrow::array::RecordBatch;
use sha2::{Digest, Sha256};

use crate::columns::{Col, batch};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// One finding (DESIGN.md's finding shape, plus where and a sentence).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub finding_id: String,
    /// snake_case: `key_deletion_scheduled`, `decrypt_spike`, …
    pub kind: &'static str,
    pub severity: Severity,
    pub title: String,
    pub key_arn: Option<String>,
    pub principal_arn: Option<String>,
    pub resource_arn: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub source_ip: Option<String>,
    pub first_seen: i64,
    pub last_seen: i64,
    pub event_count: u64,
    pub evidence: Vec<String>,
    /// `PCI-DSS-4.0.1:3.7.4`, `SOC2:CC6.1`, …
    pub controls: Vec<&'static str>,
    pub detail: String,
    /// For anomalies: what was seen, what was expected, how unusual.
    pub observed: Option<i64>,
    pub expected: Option<f64>,
    pub score: Option<f64>,
}

/// A stable id: the same evidence gives the same finding id on every run.
pub fn finding_id(kind: &str, evidence: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    for e in evidence {
        h.update(b"|");
        h.update(e.as_bytes());
    }
    format!("{kind}:{}", hex::encode(&h.finalize()[..8]))
}

pub fn to_batch(rows: &[Finding]) -> RecordBatch {
    let t = |f: &dyn Fn(&Finding) -> Option<String>| Col::Text(rows.iter().map(f).collect());
    batch(vec![
        ("finding_id", t(&|r| Some(r.finding_id.clone()))),
        ("kind", t(&|r| Some(r.kind.to_owned()))),
        ("severity", t(&|r| Some(r.severity.as_str().to_owned()))),
        ("title", t(&|r| Some(r.title.clone()))),
        ("key_arn", t(&|r| r.key_arn.clone())),
        ("principal_arn", t(&|r| r.principal_arn.clone())),
        ("resource_arn", t(&|r| r.resource_arn.clone())),
        (
            "first_seen",
            Col::Time(rows.iter().map(|r| Some(r.first_seen)).collect()),
        ),
        (
            "last_seen",
            Col::Time(rows.iter().map(|r| Some(r.last_seen)).collect()),
        ),
        (
            "event_count",
            Col::Int64(rows.iter().map(|r| Some(r.event_count as i64)).collect()),
        ),
        (
            "evidence",
            Col::List(rows.iter().map(|r| r.evidence.clone()).collect()),
        ),
        (
            "controls",
            Col::List(
                rows.iter()
                    .map(|r| r.controls.iter().map(|c| (*c).to_owned()).collect())
                    .collect(),
            ),
        ),
        ("account_id", t(&|r| r.account_id.clone())),
        ("region", t(&|r| r.region.clone())),
        ("source_ip", t(&|r| r.source_ip.clone())),
        ("detail", t(&|r| Some(r.detail.clone()))),
        (
            "observed",
            Col::Int64(rows.iter().map(|r| r.observed).collect()),
        ),
        (
            "expected",
            Col::Float64(rows.iter().map(|r| r.expected).collect()),
        ),
        (
            "score",
            Col::Float64(rows.iter().map(|r| r.score).collect()),
        ),
    ])
}
