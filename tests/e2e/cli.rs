use std::io::{Read, Write};

use crate::support::{keyledger, number_after, p, run, tree_hashes};

/// Generate a small corpus; returns its CloudTrail events and gateway log lines.
fn generate(out: &std::path::Path, seed: &str) -> (u64, u64) {
    let (_, err) = run(
        &[
            "generate",
            "--out",
            p(out),
            "--days",
            "2",
            "--scale",
            "3000",
            "--seed",
            seed,
            "--end",
            "2026-06-30",
        ],
        0,
    );
    (
        number_after(&err, "wrote"),
        number_after(&err, "uncompressed), and"),
    )
}

#[test]
fn generate_ingest_query_verify() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    let store = dir.path().join("store");
    let (events, lines) = generate(&sample, "1");
    assert!(events > 4000 && lines > 500, "{events} {lines}");
    let keys = sample.join("trail-public-keys.pem");

    let (_, err) = run(
        &[
            "ingest",
            "--store",
            p(&store),
            "--trail-public-keys",
            p(&keys),
            p(&sample),
        ],
        0,
    );
    assert_eq!(number_after(&err, "stored"), events + lines, "{err}");
    assert!(err.contains(" 0 quarantined"), "{err}");
    let digests = number_after(&err, "digests:");
    assert!(
        digests > 0 && err.contains(&format!("{digests} signatures verified")),
        "{err}"
    );
    assert!(!err.contains("INTEGRITY ERROR"), "{err}");

    // Everything is there, once.
    let (out, _) = run(
        &[
            "query",
            "--store",
            p(&store),
            "--format",
            "csv",
            "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM cloudtrail",
        ],
        0,
    );
    assert_eq!(out.trim(), format!("n,d\n{events},{events}"));

    // Ingesting again stores nothing new.
    let (_, err) = run(&["ingest", "--store", p(&store), p(&sample)], 0);
    assert_eq!(number_after(&err, "stored"), 0, "{err}");
    assert_eq!(number_after(&err, "new events,"), events + lines, "{err}");

    let (out, _) = run(&["verify", "--store", p(&store)], 0);
    assert!(out.starts_with("ok: 2 commits"), "{out}");
    let head = out.trim().rsplit(' ').next().unwrap().to_owned();
    run(&["verify", "--store", p(&store), "--expect-head", &head], 0);
    run(
        &[
            "verify",
            "--store",
            p(&store),
            "--expect-head",
            &"0".repeat(64),
        ],
        3,
    );

    // JSON output is one array with the contract's column names.
    let (out, _) = run(
        &[
            "query",
            "--store",
            p(&store),
            "--format",
            "json",
            "SELECT event_name, key_arn FROM cloudtrail WHERE event_name = 'CreateKey' LIMIT 1",
        ],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v[0]["key_arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:kms:"),
        "{out}"
    );

    // Tampering with a segment: exit 3, naming it.
    let seg = walk_first(&store.join("data"));
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&seg, bytes).unwrap();
    let (out, _) = run(&["verify", "--store", p(&store)], 3);
    let name = seg.file_name().unwrap().to_string_lossy().into_owned();
    assert!(out.contains(&name), "{out}");
}

fn walk_first(dir: &std::path::Path) -> std::path::PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path)
            } else {
                files.push(path)
            }
        }
    }
    files.sort();
    files.remove(0)
}

#[test]
fn generation_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    generate(&a, "42");
    generate(&b, "42");
    generate(&c, "43");
    assert_eq!(tree_hashes(&a), tree_hashes(&b));
    assert_ne!(tree_hashes(&a), tree_hashes(&c));
}

#[test]
fn a_tampered_log_file_is_named_at_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    generate(&sample, "3");
    // Change one event of one delivered log file (keeping it valid JSON).
    let log = tree_hashes(&sample)
        .into_iter()
        .map(|(rel, _)| sample.join(rel))
        .find(|f| {
            f.to_string_lossy().contains("/CloudTrail/")
                && f.to_string_lossy().ends_with(".json.gz")
                && f.to_string_lossy().contains("2026/06/29")
        })
        .unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&log).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let edited = text
        .replacen("\"readOnly\":true", "\"readOnly\":false", 1)
        .replacen("\"readOnly\":false", "\"readOnly\":true", 1);
    assert_ne!(edited, text);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(edited.as_bytes()).unwrap();
    std::fs::write(&log, gz.finish().unwrap()).unwrap();

    let store = dir.path().join("store");
    let keys = sample.join("trail-public-keys.pem");
    let (_, err) = run(
        &[
            "ingest",
            "--store",
            p(&store),
            "--trail-public-keys",
            p(&keys),
            p(&sample),
        ],
        3,
    );
    let name = log.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        err.contains("INTEGRITY ERROR") && err.contains(&name),
        "{err}"
    );
}

#[test]
fn demo_runs_on_the_embedded_default() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (out, err) = run(
        &[
            "demo",
            "--data",
            p(&data),
            "--days",
            "2",
            "--scale",
            "2000",
            "--no-serve",
        ],
        0,
    );
    assert!(out.contains("== KMS key use by principal"), "{out}");
    // Every kind of verdict, the critical events, and the re-keyed database.
    for expected in [
        "NON_COMPLIANT",
        "period_exceeds_policy",
        "material_overdue",
        "rotation_disabled",
        "UNKNOWN",
        "COMPLIANT",
        "asymmetric",
        "hmac",
        "imported_material",
        "custom_key_store",
        "disabled",
        "pending_deletion",
        "key_deletion_scheduled",
        "key_rotation_disabled",
        "key_policy_public",
        "trail_stopped",
        "kms_events_excluded",
        "rds_unencrypted",
        "rds_snapshot_public",
        "legacy-db-v2",
    ] {
        assert!(
            out.contains(expected),
            "demo output lacks {expected}:\n{out}"
        );
    }
    assert!(err.contains("stored"), "{err}");
    // A second run reuses the sample and stores nothing new.
    let (_, err) = run(
        &[
            "demo",
            "--data",
            p(&data),
            "--days",
            "2",
            "--scale",
            "2000",
            "--no-serve",
        ],
        0,
    );
    assert_eq!(number_after(&err, "stored"), 0, "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let out = keyledger(&["query"]);
    assert_eq!(out.status.code(), Some(2));
    let out = keyledger(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_sql_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = run(&["query", "--store", p(dir.path()), "SELEC nothing"], 1);
    assert!(
        err.contains("error:") && err.to_lowercase().contains("sql"),
        "{err}"
    );
}
