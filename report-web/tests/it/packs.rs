//! Compliance packs: the PDF holds what the report says (checked with
//! poppler's `pdftotext`, pages rendered with `pdftoppm`), the same inputs
//! give the same bytes, `verify` catches any changed byte of any member,
//! and schedules run once per occurrence, catching up after downtime.

use std::{
    io::{Cursor, Read, Write},
    process::Command,
};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use keyledger_web::{
    AppState, Auth, WebConfig,
    pack::{self, PackRequest, PackSettings, schedule::Schedule},
    report::Framework,
};

use crate::support::{KEY, ledger, send, tokens};

fn request() -> PackRequest {
    PackRequest {
        framework: Framework::PciDss,
        period_start: "2026-01-01".into(),
        period_end: "2026-03-31".into(),
        policy_days: 365,
        organisation: "Example Ltd".into(),
        schedule: None,
    }
}

fn tool(name: &str) -> Command {
    let probe = Command::new(name).arg("-v").output();
    assert!(
        probe.is_ok(),
        "{name} not found: run `bash .ci/run` or install Debian's poppler-utils"
    );
    Command::new(name)
}

/// The members of a zip, in order.
fn members(zip_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_pack_reads_right_and_any_changed_byte_is_caught() {
    let ledger = ledger().await;
    let key = pack::new_signing_key().unwrap();
    let built = pack::build(&ledger, &request(), &key).await.unwrap();
    assert!(
        built.name.starts_with("pci-dss_2026-01-01_2026-03-31_c1"),
        "{}",
        built.name
    );

    // The document: sections, the key, its verdict and reason, the counts.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, &built.pdf).unwrap();
    // Identifiers may break after ':' or '/' (a zero-width space there).
    let text = |layout: bool| {
        let mut cmd = tool("pdftotext");
        if layout {
            cmd.arg("-layout");
        }
        let out = cmd.arg(&pdf).arg("-").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).replace('\u{200B}', "")
    };
    // Laid out, a table row stays on one line; flowing, a cell's text stays together.
    let rows = text(true).split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "PCI DSS v4.0.1",
        "Example Ltd",
        "Contents",
        "Executive summary",
        "3.6.1",
        "3.7.4 Cryptoperiods",
        "10.7.2",
        "Key inventory",
        "Appendix: evidence events",
        "NON_COMPLIANT",
        "rotation_disabled",
        "Keys in scope of the review 1",
        "Keys NON_COMPLIANT at period end 1",
        "31 days from 2026-03-01",
        "rotation-off",
    ] {
        assert!(rows.contains(needle), "the PDF lacks {needle:?}:\n{rows}");
    }
    let flowing: String = text(false).split_whitespace().collect();
    assert!(
        flowing.contains(KEY),
        "the PDF lacks the key ARN:\n{flowing}"
    );
    let pages = dir.path().join("page");
    let out = tool("pdftoppm")
        .args(["-r", "40", "-png"])
        .arg(&pdf)
        .arg(&pages)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert_eq!(rendered, built.manifest.pages);

    // Deterministic: the same commit and parameters, the same bytes.
    let again = pack::build(&ledger, &request(), &key).await.unwrap();
    assert!(again.zip == built.zip, "two builds of the same pack differ");

    // Verification: passes as built, with and without the expected key.
    let public = pack::public_key_hex(&key);
    let manifest = pack::verify(&built.zip, Some(&public)).unwrap();
    assert_eq!(manifest.store_commit, 1);
    assert_eq!(manifest.files.len(), 11, "{:?}", manifest.files);
    let other = pack::public_key_hex(&pack::new_signing_key().unwrap());
    assert!(
        pack::verify(&built.zip, Some(&other)).is_err(),
        "a pack signed by another key passed"
    );

    // Any byte of any member changed (first, middle, last) fails.
    let files = members(&built.zip);
    assert!(
        pack::verify(&rezip(&files), Some(&public)).is_ok(),
        "re-zipping alone must not matter"
    );
    for (i, (name, bytes)) in files.iter().enumerate() {
        for at in [0, bytes.len() / 2, bytes.len() - 1] {
            let mut changed = files.clone();
            changed[i].1[at] ^= 0x01;
            let problems = pack::verify(&rezip(&changed), Some(&public))
                .expect_err(&format!("{name} byte {at} changed, yet it verified"));
            assert!(!problems.is_empty());
        }
    }
    // A member added, or one removed.
    let mut added = files.clone();
    added.push(("evidence/extra.csv".into(), b"a,b\n".to_vec()));
    assert!(pack::verify(&rezip(&added), None).is_err());
    let removed: Vec<_> = files
        .iter()
        .filter(|(n, _)| n != "evidence/keys.csv")
        .cloned()
        .collect();
    assert!(pack::verify(&rezip(&removed), None).is_err());
}

async fn state_with(schedules: Vec<Schedule>) -> AppState {
    let settings = PackSettings {
        key: Some(pack::new_signing_key().unwrap()),
        schedules: schedules.into_iter().map(|s| s.check().unwrap()).collect(),
    };
    let config = WebConfig {
        tokens: tokens(),
        ..Default::default()
    };
    AppState::new(ledger().await, Auth::from_config(&config.tokens), config).with_packs(settings)
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_monthly_schedule_runs_once_per_month_and_catches_up() {
    let monthly: Schedule = toml::from_str(
        r#"
        name = "monthly-pci"
        cron = "0 2 1 * *"
        framework = "pci-dss"
        period = "previous-month"
        keep = 2
        "#,
    )
    .unwrap();
    let state = state_with(vec![monthly]).await;
    let run = |now: &'static str| {
        let state = state.clone();
        async move { pack::schedule::run_due(&state, at(now)).await.unwrap() }
    };
    // First start: the latest occurrence (1 March) has no pack yet.
    assert_eq!(
        run("2026-03-15T12:00:00Z").await,
        vec!["pci-dss_2026-02-01_2026-02-28_c1_monthly-pci.zip"]
    );
    // Up to the boundary and just before 02:00 on the 1st: nothing.
    for now in [
        "2026-03-15T12:01:00Z",
        "2026-03-31T23:59:59Z",
        "2026-04-01T01:59:59Z",
    ] {
        assert!(run(now).await.is_empty(), "{now}");
    }
    // Across the boundary: March, once.
    assert_eq!(
        run("2026-04-01T02:00:00Z").await,
        vec!["pci-dss_2026-03-01_2026-03-31_c1_monthly-pci.zip"]
    );
    for now in [
        "2026-04-01T02:00:30Z",
        "2026-04-01T03:00:00Z",
        "2026-04-20T00:00:00Z",
    ] {
        assert!(run(now).await.is_empty(), "{now}: ran twice");
    }
    // Down through 1 May and 1 June: the next start makes the latest one.
    assert_eq!(
        run("2026-06-03T08:00:00Z").await,
        vec!["pci-dss_2026-05-01_2026-05-31_c1_monthly-pci.zip"]
    );
    // Retention keeps two.
    let names: Vec<String> = state
        .ledger()
        .store()
        .list_packs()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        vec![
            "pci-dss_2026-03-01_2026-03-31_c1_monthly-pci.zip",
            "pci-dss_2026-05-01_2026-05-31_c1_monthly-pci.zip"
        ]
    );
}

#[tokio::test]
async fn packs_through_the_api() {
    let app = keyledger_web::router(state_with(Vec::new()).await);
    let body = r#"{"framework":"soc2","start":"2026-01-01","end":"2026-03-31"}"#;
    let (status, _, _) = send(&app, "POST", "/api/v1/packs", Some("token-ann"), Some(body)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "auditors read packs, they do not make them"
    );
    let (status, _, created) =
        send(&app, "POST", "/api/v1/packs", Some("token-ada"), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let entry: serde_json::Value = serde_json::from_str(&created).unwrap();
    let name = entry["name"].as_str().unwrap();
    assert_eq!(entry["framework"], "soc2");
    let (status, _, list) = send(&app, "GET", "/api/v1/packs", Some("token-ann"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(name), "{list}");
    let (_, _, page) = send(&app, "GET", "/packs", Some("token-ann"), None).await;
    assert!(page.contains(name), "{page}");
    let (status, ctype, _) = send(
        &app,
        "GET",
        &format!("/api/v1/packs/{name}"),
        Some("token-ann"),
        None,
    )
    .await;
    assert_eq!(
        (status, ctype.as_str()),
        (StatusCode::OK, "application/zip")
    );
    let (status, _, _) = send(
        &app,
        "GET",
        "/api/v1/packs/nope.zip",
        Some("token-ann"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bad = r#"{"framework":"iso27001"}"#;
    let (status, _, _) = send(&app, "POST", "/api/v1/packs", Some("token-ada"), Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
