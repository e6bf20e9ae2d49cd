//! SOC 2 (Trust Services Criteria): the common criteria the ledger can
//! evidence. Criterion text is paraphrased.

use super::{Evidence, Exception, Section, evidence::FindingRow, sample};

fn finding_exception(f: &FindingRow) -> Exception {
    Exception {
        subject: f.title.clone(),
        detail: format!("{} ({}, first seen {})", f.detail, f.severity, f.first_seen),
        evidence: sample(f.evidence.iter().cloned()),
    }
}

fn with_control<'a>(ev: &'a Evidence, control: &'a str) -> impl Iterator<Item = &'a FindingRow> {
    ev.findings
        .iter()
        .filter(move |f| f.controls.iter().any(|c| c == control))
}

pub(super) fn sections(ev: &Evidence) -> Vec<Section> {
    let mut access: Vec<Exception> = with_control(ev, "SOC2:CC6.1")
        .map(finding_exception)
        .collect();
    access.extend(
        ev.rotation
            .iter()
            .filter(|r| r.status == "NON_COMPLIANT")
            .map(|r| Exception {
                subject: r.name(),
                detail: format!(
                    "encryption key outside its {}-day cryptoperiod: {}",
                    ev.policy_days, r.detail
                ),
                evidence: r.evidence.clone(),
            }),
    );
    vec![
        Section {
            id: "CC6.1",
            title: "Logical access security over protected information",
            requirement: "The entity uses logical access security software, infrastructure and architectures over protected information assets, including encryption keys, to protect them from security events.",
            test: "Key policies, key use by principals and the cryptoperiod of every encryption key were evaluated from the ledger.".into(),
            population: format!("{} keys; {} events", ev.rotation.len(), ev.events_in_period),
            exceptions: access,
            evidence: sample(ev.rotation.iter().flat_map(|r| r.evidence.iter().cloned())),
        },
        Section {
            id: "CC6.7",
            title: "Restriction of data transmission and movement",
            requirement: "The entity restricts the transmission, movement and removal of information to authorised users and processes, and protects it in transit and at rest.",
            test: "Databases were checked for storage encryption, and database snapshots for public or cross-account sharing.".into(),
            population: format!("{} databases, {} snapshots", ev.databases.len(), ev.snapshots.len()),
            exceptions: with_control(ev, "SOC2:CC6.7").map(finding_exception).collect(),
            evidence: sample(ev.databases.iter().flat_map(|d| d.evidence.iter().cloned())),
        },
        Section {
            id: "CC7.2",
            title: "Monitoring for anomalies",
            requirement: "The entity monitors system components for anomalies that indicate malicious acts, natural disasters or errors, and analyses them to determine whether they are security events.",
            test: "Key use was compared with each principal's own baseline (hour of day, kind of day, weekday); new principals and addresses, bursts of denied calls and gateway authentication failures followed by key use were detected; trails being stopped were detected.".into(),
            population: format!("{} events", ev.events_in_period),
            exceptions: with_control(ev, "SOC2:CC7.2").map(finding_exception).collect(),
            evidence: sample(ev.findings.iter().flat_map(|f| f.evidence.iter().take(2).cloned())),
        },
        Section {
            id: "CC7.3",
            title: "Evaluation of security events",
            requirement: "The entity evaluates security events to determine whether they could or did prevent it from meeting its objectives, and responds.",
            test: "Findings were classified by severity with their evidence for evaluation; critical and high findings are listed.".into(),
            population: format!("{} findings", ev.findings.len()),
            exceptions: ev.findings.iter().filter(|f| f.severity == "critical" || f.severity == "high").filter(|f| f.controls.iter().any(|c| c == "SOC2:CC7.3" || c == "SOC2:CC7.2")).map(finding_exception).collect(),
            evidence: Vec::new(),
        },
        Section {
            id: "CC8.1",
            title: "Change management",
            requirement: "The entity authorises, designs, tests, approves and implements changes to infrastructure, data and software, procedures among them.",
            test: "Every change to key configuration in the period (policies, aliases, grants, rotation, state) was recorded with who made it and when, for comparison with approved changes.".into(),
            population: format!("{} key configuration changes", ev.changes.len()),
            exceptions: Vec::new(),
            evidence: sample(ev.changes.iter().map(|c| c.event_id.clone())),
        },
    ]
}
