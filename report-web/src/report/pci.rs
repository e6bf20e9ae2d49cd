//! PCI DSS v4.0.1: the requirements on cryptographic keys (3.6, 3.7) and
//! audit logs (10) that the ledger can test. Requirement text is
//! paraphrased.

use super::{Evidence, Exception, Section, evidence::FindingRow, sample};

fn finding_exception(f: &FindingRow) -> Exception {
    Exception {
        subject: f.title.clone(),
        detail: format!(
            "{} — {} ({}, first seen {})",
            f.detail,
            f.principal_arn.as_deref().unwrap_or("unknown caller"),
            f.severity,
            f.first_seen
        ),
        evidence: sample(f.evidence.iter().cloned()),
    }
}

fn key_sample(ev: &Evidence) -> Vec<String> {
    sample(ev.rotation.iter().flat_map(|r| r.evidence.iter().cloned()))
}

pub(super) fn sections(ev: &Evidence) -> Vec<Section> {
    let keys = ev.rotation.len();
    let in_scope = ev
        .rotation
        .iter()
        .filter(|r| r.status != "NOT_APPLICABLE")
        .count();
    let mut out = Vec::new();

    out.push(Section {
        id: "3.6.1",
        title: "Protection of keys against disclosure and misuse",
        requirement: "Procedures protect the keys that secure stored account data: access limited to the fewest custodians, keys stored in as few places as possible.",
        test: "Every key policy set in the period was read for statements that grant use of the key to any principal (\"*\") without a condition restricting the caller; principals that started using a key they had never used were flagged.".into(),
        population: format!("{keys} keys; {} key configuration changes in the period", ev.changes.len()),
        exceptions: ev.findings_of(&["key_policy_public", "new_principal_key_pair"]).map(finding_exception).collect(),
        evidence: sample(ev.changes.iter().filter(|c| c.event_name.as_deref() == Some("PutKeyPolicy")).map(|c| c.event_id.clone())),
    });
    out.push(Section {
        id: "3.7.1",
        title: "Generation of strong keys",
        requirement: "Key-management procedures cover the generation of strong cryptographic keys.",
        test: "The origin and specification of every key were established from CreateKey events and KMS inventory; keys whose material was generated outside KMS (imported) are listed for review.".into(),
        population: format!("{keys} keys"),
        exceptions: ev
            .rotation
            .iter()
            .filter(|r| r.origin.as_deref() == Some("EXTERNAL"))
            .map(|r| Exception { subject: r.name(), detail: "key material generated outside KMS and imported".into(), evidence: r.evidence.clone() })
            .collect(),
        evidence: key_sample(ev),
    });
    out.push(Section {
        id: "3.7.2",
        title: "Secure distribution of keys",
        requirement: "Key-management procedures cover the secure distribution of cryptographic keys.",
        test: "Key material distribution was traced through import events: material can leave or enter KMS only by import.".into(),
        population: format!("{} key material imports or deletions in the period", ev.imports.len()),
        exceptions: ev
            .imports
            .iter()
            .map(|e| Exception {
                subject: e.key_arn.clone().unwrap_or_default(),
                detail: format!("{} by {} at {}", e.event_name.as_deref().unwrap_or(""), e.principal_arn.as_deref().unwrap_or("unknown"), e.event_time),
                evidence: vec![e.event_id.clone()],
            })
            .collect(),
        evidence: sample(ev.imports.iter().map(|e| e.event_id.clone())),
    });
    out.push(Section {
        id: "3.7.3",
        title: "Secure storage of keys",
        requirement: "Key-management procedures cover the secure storage of cryptographic keys.",
        test: "Every key's store was established: AWS KMS or a custom key store (CloudHSM, external). Keys whose configuration could not be established are exceptions: their storage is unproven.".into(),
        population: format!("{keys} keys"),
        exceptions: ev
            .rotation
            .iter()
            .filter(|r| r.reason == "no_configuration_evidence")
            .map(|r| Exception { subject: r.name(), detail: r.detail.clone(), evidence: r.evidence.clone() })
            .collect(),
        evidence: key_sample(ev),
    });
    let mut cryptoperiod: Vec<Exception> = ev
        .rotation
        .iter()
        .filter(|r| r.status == "NON_COMPLIANT" || r.status == "UNKNOWN")
        .map(|r| Exception {
            subject: r.name(),
            detail: format!("{} at period end: {} ({})", r.status, r.detail, r.reason),
            evidence: r.evidence.clone(),
        })
        .collect();
    for (key, spans) in &ev.out_of_compliance {
        let days: i32 = spans.iter().map(|s| s.days()).sum();
        let when: Vec<String> = spans.iter().map(ToString::to_string).collect();
        cryptoperiod.push(Exception {
            subject: key.clone(),
            detail: format!(
                "out of compliance on {days} day(s) of the period: {}",
                when.join("; ")
            ),
            evidence: Vec::new(),
        });
    }
    out.push(Section {
        id: "3.7.4",
        title: "Cryptoperiods",
        requirement: "Keys are changed at the end of their defined cryptoperiod, based on a risk assessment and industry practice.",
        test: format!(
            "For every key, its configuration and rotation history were folded from the ledger and evaluated against a {}-day cryptoperiod at the end of each day of the period: in scope are customer managed symmetric keys generated in KMS and enabled; compliant only with automatic rotation on, a rotation period within the policy, and key material no older than the policy.",
            ev.policy_days
        ),
        population: format!("{keys} keys, {in_scope} in scope or without evidence; {} days", ev.period_days),
        exceptions: cryptoperiod,
        evidence: key_sample(ev),
    });
    let mut retirement: Vec<Exception> = ev
        .findings_of(&[
            "key_deletion_scheduled",
            "key_disabled",
            "key_material_deleted",
        ])
        .map(finding_exception)
        .collect();
    retirement.extend(
        ev.snapshots
            .iter()
            .filter(|s| s.needs_attention)
            .map(|s| Exception {
                subject: format!("snapshot {} ({})", s.snapshot_identifier, s.account_id),
                detail: format!(
                    "still encrypted with {} ({}, {})",
                    s.key_arn.as_deref().unwrap_or("an unknown key"),
                    s.key_status.as_deref().unwrap_or("no verdict"),
                    s.key_state.as_deref().unwrap_or("unknown state")
                ),
                evidence: s.evidence.clone(),
            }),
    );
    out.push(Section {
        id: "3.7.5",
        title: "Retirement and replacement of keys",
        requirement: "Keys are retired, replaced or destroyed when their cryptoperiod ends or their integrity is weakened, and retired keys are not used to encrypt.",
        test: "Key retirements (disable, deletion, material deletion) in the period were listed, and data still protected by retired or non-compliant keys (database snapshots) was looked for. Re-keyed databases are shown as evidence.".into(),
        population: format!("{} databases, {} snapshots", ev.databases.len(), ev.snapshots.len()),
        exceptions: retirement,
        evidence: sample(ev.databases.iter().filter(|d| d.previous_key_arn.is_some()).flat_map(|d| d.evidence.iter().cloned())),
    });
    out.push(Section {
        id: "3.7.6",
        title: "Manual clear-text key operations",
        requirement: "Where clear-text key components are handled manually, split knowledge and dual control apply.",
        test: "Manual key-material handling happens in KMS only through key material import; every import in the period is listed for confirmation of dual control.".into(),
        population: format!("{} import operations", ev.imports.len()),
        exceptions: Vec::new(),
        evidence: sample(ev.imports.iter().map(|e| e.event_id.clone())),
    });
    out.push(Section {
        id: "3.7.7",
        title: "Prevention of unauthorised key substitution",
        requirement: "Key-management procedures prevent unauthorised substitution of cryptographic keys.",
        test: "Every change that could substitute a key (policy, alias, grant, rotation, state changes) in the period was recorded with who made it; policies open to any principal are exceptions.".into(),
        population: format!("{} key configuration changes", ev.changes.len()),
        exceptions: ev.findings_of(&["key_policy_public"]).map(finding_exception).collect(),
        evidence: sample(ev.changes.iter().map(|c| c.event_id.clone())),
    });
    let mut logging: Vec<Exception> = ev
        .findings_of(&["trail_stopped", "kms_events_excluded"])
        .map(finding_exception)
        .collect();
    for c in ev.coverage.iter().filter(|c| !c.missing.is_empty()) {
        logging.push(Exception {
            subject: format!("account {} in {}", c.account_id, c.region),
            detail: format!(
                "no audit events on {} of {} days: {}",
                c.missing.len(),
                ev.period_days,
                c.missing
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            evidence: Vec::new(),
        });
    }
    out.push(Section {
        id: "10.2.1",
        title: "Audit logs are enabled and active",
        requirement: "Audit logs are enabled and active for all system components and cardholder data.",
        test: "The ledger was checked for days without events per account and region, for trails stopped or deleted, and for event selectors that exclude KMS or management events.".into(),
        population: format!("{} account/region pairs over {} days; {} events", ev.coverage.len(), ev.period_days, ev.events_in_period),
        exceptions: logging,
        evidence: sample(ev.findings_of(&["trail_stopped", "kms_events_excluded"]).flat_map(|f| f.evidence.iter().cloned())),
    });
    let integrity = format!(
        "store commit {}, chain head {}",
        ev.store_sequence, ev.head_hash
    );
    for (id, title, requirement) in [
        (
            "10.3.1",
            "Read access to audit logs is limited",
            "Read access to audit log files is limited to those with a job-related need.",
        ),
        (
            "10.3.2",
            "Audit logs are protected from modification",
            "Audit log files are protected to prevent modification by individuals.",
        ),
        (
            "10.3.3",
            "Audit logs are backed up",
            "Audit log files are promptly backed up to a secure, central store that is difficult to modify.",
        ),
        (
            "10.3.4",
            "Changes to audit logs are detected",
            "File integrity monitoring or change detection is used on audit logs so that changes raise alerts.",
        ),
    ] {
        out.push(Section {
            id,
            title,
            requirement,
            test: format!(
                "Audit events are held in an append-only ledger: every segment's SHA-256 is recorded in a commit, every commit in a hash chain, CloudTrail's own digests were checked at ingest, and the web API requires a role to read. Any change to a segment or commit is detected by `keyledger verify`. State: {integrity}."
            ),
            population: format!("{} events in the period", ev.events_in_period),
            exceptions: Vec::new(),
            evidence: Vec::new(),
        });
    }
    let reviewed: Vec<&FindingRow> = ev
        .findings
        .iter()
        .filter(|f| f.severity == "critical" || f.severity == "high")
        .collect();
    out.push(Section {
        id: "10.4.1",
        title: "Audit logs are reviewed",
        requirement: "Security events and logs of critical components are reviewed at least daily, and exceptions followed up.",
        test: "Every event of the period was reviewed automatically for critical key and trail events and for anomalous key use (volume against each principal's own baseline, new principals and addresses, bursts of denied calls, gateway authentication failures followed by key use). Critical and high findings are exceptions to follow up.".into(),
        population: format!("{} events; {} findings", ev.events_in_period, ev.findings.len()),
        exceptions: reviewed.into_iter().map(finding_exception).collect(),
        evidence: sample(ev.findings.iter().flat_map(|f| f.evidence.iter().take(2).cloned())),
    });
    let history_ok = ev
        .first_event
        .as_deref()
        .is_some_and(|first| first <= ev.period_start.as_str());
    out.push(Section {
        id: "10.5.1",
        title: "Audit log history is retained",
        requirement: "Audit log history is retained for at least twelve months, the latest three months immediately available for analysis.",
        test: "The ledger's oldest event was compared with the start of the period; all of it is immediately queryable.".into(),
        population: format!("oldest event {}", ev.first_event.as_deref().unwrap_or("(none)")),
        exceptions: if history_ok {
            Vec::new()
        } else {
            vec![Exception {
                subject: "history".into(),
                detail: format!("the ledger starts at {}, after the period start {}", ev.first_event.as_deref().unwrap_or("(empty)"), ev.period_start),
                evidence: Vec::new(),
            }]
        },
        evidence: Vec::new(),
    });
    out.push(Section {
        id: "10.7.2",
        title: "Failures of critical security controls are detected",
        requirement: "Failures of critical security control systems, audit logging among them, are detected, alerted and addressed promptly.",
        test: "Stopped or deleted trails and event selectors excluding KMS events were detected from the trail's own events.".into(),
        population: format!("{} events", ev.events_in_period),
        exceptions: ev.findings_of(&["trail_stopped", "kms_events_excluded"]).map(finding_exception).collect(),
        evidence: Vec::new(),
    });
    out
}
