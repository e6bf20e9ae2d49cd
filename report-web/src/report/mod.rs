//! The compliance report model: one [`Report`] per framework and audit
//! period, built from the query layer's views. The HTML pages and the PDF
//! packs both render this same structure, so they cannot disagree.

pub(crate) mod evidence;
mod pci;
mod soc2;

use std::fmt;

use serde::Serialize;

pub use evidence::Evidence;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Framework {
    PciDss,
    Soc2,
}

impl Framework {
    pub fn slug(self) -> &'static str {
        match self {
            Framework::PciDss => "pci-dss",
            Framework::Soc2 => "soc2",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Framework::PciDss => "PCI DSS v4.0.1 — key management and audit logging",
            Framework::Soc2 => "SOC 2 — logical access, monitoring and change (CC6, CC7, CC8)",
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl std::str::FromStr for Framework {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pci-dss" | "pci" => Ok(Framework::PciDss),
            "soc2" => Ok(Framework::Soc2),
            other => Err(format!("unknown framework {other:?} (pci-dss, soc2)")),
        }
    }
}

/// One thing that did not meet the control, with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Exception {
    pub subject: String,
    pub detail: String,
    pub evidence: Vec<String>,
}

/// One requirement or criterion.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    /// What the requirement asks, in our words.
    pub requirement: &'static str,
    /// What keyledger checked.
    pub test: String,
    /// What it checked it on.
    pub population: String,
    pub exceptions: Vec<Exception>,
    /// Event ids supporting the test (a sample when many).
    pub evidence: Vec<String>,
}

impl Section {
    pub fn passed(&self) -> bool {
        self.exceptions.is_empty()
    }
}

/// A report for one framework and period.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub framework: Framework,
    pub title: &'static str,
    pub organisation: String,
    /// `YYYY-MM-DD`, inclusive.
    pub period_start: String,
    pub period_end: String,
    pub policy_days: u32,
    /// The store state the report was computed from.
    pub store_sequence: u64,
    pub head_hash: String,
    pub summary: Vec<(String, String)>,
    pub sections: Vec<Section>,
}

/// Most evidence ids listed in one place; the rest are counted.
pub(crate) const EVIDENCE_SAMPLE: usize = 25;

impl Report {
    /// The report for evidence already gathered.
    pub fn from_evidence(ev: &Evidence, framework: Framework, organisation: &str) -> Report {
        let sections = match framework {
            Framework::PciDss => pci::sections(ev),
            Framework::Soc2 => soc2::sections(ev),
        };
        let exceptions: usize = sections.iter().map(|s| s.exceptions.len()).sum();
        let mut summary = vec![
            (
                "Keys in scope of the review".to_owned(),
                ev.rotation.len().to_string(),
            ),
            (
                "Events recorded in the period".to_owned(),
                ev.events_in_period.to_string(),
            ),
            (
                "Sections with no exceptions".to_owned(),
                format!(
                    "{} of {}",
                    sections.iter().filter(|s| s.passed()).count(),
                    sections.len()
                ),
            ),
            ("Exceptions".to_owned(), exceptions.to_string()),
        ];
        for (status, n) in ev.verdict_counts() {
            summary.push((format!("Keys {status} at period end"), n.to_string()));
        }
        Report {
            framework,
            title: framework.title(),
            organisation: organisation.to_owned(),
            period_start: ev.period_start.clone(),
            period_end: ev.period_end.clone(),
            policy_days: ev.policy_days,
            store_sequence: ev.store_sequence,
            head_hash: if ev.head_hash.is_empty() {
                "(empty store)".into()
            } else {
                ev.head_hash.clone()
            },
            summary,
            sections,
        }
    }

    /// Every evidence event id the report cites, sorted and unique.
    pub fn evidence_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .sections
            .iter()
            .flat_map(|s| {
                s.evidence
                    .iter()
                    .chain(s.exceptions.iter().flat_map(|e| e.evidence.iter()))
            })
            .cloned()
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// At most [`EVIDENCE_SAMPLE`] ids.
pub(crate) fn sample(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    ids.into_iter().take(EVIDENCE_SAMPLE).collect()
}
