//! Detection against labelled anomalies injected into realistic traffic:
//! every injected anomaly is found, and little else is.

use crate::support::{number_after, p, run};

const ANOMALY_KINDS: &[&str] = &[
    "decrypt_spike",
    "new_principal_key_pair",
    "new_source_ip",
    "access_denied_burst",
    "gateway_auth_failures_then_decrypt",
];

struct Label {
    kind: String,
    principal: String,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
}

fn time(v: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn injected_anomalies_are_found_with_few_false_positives() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    let store = dir.path().join("store");
    let (_, err) = run(
        &[
            "generate",
            "--out",
            p(&sample),
            "--days",
            "21",
            "--scale",
            "6000",
            "--seed",
            "11",
            "--end",
            "2026-06-30",
            "--anomalies",
        ],
        0,
    );
    assert!(number_after(&err, "wrote") > 100_000, "{err}");
    let (_, err) = run(&["ingest", "--store", p(&store), p(&sample)], 0);
    assert!(
        err.contains(" 0 quarantined"),
        "gateway logs should parse: {err}"
    );

    let labels: Vec<Label> = std::fs::read_to_string(sample.join("anomaly-labels.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Label {
                kind: f[0].into(),
                principal: f[1].into(),
                start: f[4].parse().unwrap(),
                end: f[5].parse().unwrap(),
            }
        })
        .collect();
    let kinds: Vec<&str> = labels.iter().map(|l| l.kind.as_str()).collect();
    for k in ANOMALY_KINDS {
        assert!(kinds.contains(k), "no {k} was injected");
    }

    let (out, _) = run(&["findings", "--store", p(&store), "--format", "json"], 0);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let anomalies: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| ANOMALY_KINDS.contains(&f["kind"].as_str().unwrap()))
        .collect();
    let overlaps = |f: &serde_json::Value, l: &Label| {
        f["principal_arn"] == l.principal.as_str()
            && time(&f["first_seen"]) <= l.end
            && time(&f["last_seen"]) >= l.start
    };
    // Recall: every injected anomaly is found, by a finding of its kind.
    for l in &labels {
        assert!(
            anomalies
                .iter()
                .any(|f| f["kind"] == l.kind.as_str() && overlaps(f, l)),
            "missed {} by {} at {}: {anomalies:#?}",
            l.kind,
            l.principal,
            l.start
        );
    }
    // Precision: findings that match no injected incident are false positives.
    let false_positives: Vec<_> = anomalies
        .iter()
        .filter(|f| !labels.iter().any(|l| overlaps(f, l)))
        .collect();
    assert!(
        false_positives.len() <= 2,
        "too many false positives: {false_positives:#?}"
    );
    let tp = anomalies.len() - false_positives.len();
    eprintln!(
        "anomalies: {} labels, {} findings, recall {:.2}, precision {:.2}",
        labels.len(),
        anomalies.len(),
        1.0,
        tp as f64 / anomalies.len() as f64
    );
}
