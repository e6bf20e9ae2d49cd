//! `keyledger serve` as a real server: authentication over TCP, and a
//! headless Chromium pass over every page (no console errors, screenshots
//! saved under the target's tmp dir).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use crate::support::{p, run};

/// A running `keyledger serve`, stopped on drop.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the server on a free loopback port and wait for its announcement.
fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server announces its address")
            .unwrap();
        if let Some(rest) = line.split("serving http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Served { child, addr }
}

/// A plain HTTP/1.1 GET; returns the status and body.
fn get(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    (
        status,
        resp.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default(),
    )
}

fn sample_store(dir: &Path, generate: &[&str]) -> PathBuf {
    let sample = dir.join("sample");
    let store = dir.join("store");
    run(&[&["generate", "--out", p(&sample)], generate].concat(), 0);
    run(&["ingest", "--store", p(&store), p(&sample)], 0);
    store
}

fn first_value(store: &Path, sql: &str) -> String {
    let (out, _) = run(&["query", "--store", p(store), "--format", "csv", sql], 0);
    out.lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no rows for {sql}"))
        .trim()
        .to_owned()
}

#[test]
fn serve_requires_tokens_and_refuses_open_access_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path(), &["--days", "2", "--scale", "1000"]);
    let (_, err) = run(
        &[
            "serve",
            "--store",
            p(&store),
            "--no-auth",
            "--listen",
            "0.0.0.0:0",
        ],
        1,
    );
    assert!(err.contains("--no-auth is refused"), "{err}");
    let (_, err) = run(
        &["serve", "--store", p(&store), "--listen", "127.0.0.1:0"],
        1,
    );
    assert!(err.contains("no tokens configured"), "{err}");

    let (out, _) = run(&["token", "--name", "ann", "--role", "auditor"], 0);
    let token = out
        .split("anywhere): ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let config = dir.path().join("keyledger.toml");
    std::fs::write(&config, &out[out.find("[[web.tokens]]").unwrap()..]).unwrap();
    let server = serve(&["--store", p(&store), "--config", p(&config)]);
    assert_eq!(get(&server.addr, "/healthz", None).0, 200);
    assert_eq!(get(&server.addr, "/rotation", None).0, 401);
    assert_eq!(get(&server.addr, "/rotation", Some("kl_wrong")).0, 401);
    let (status, body) = get(&server.addr, "/rotation", Some(&token));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("COMPLIANT"), "{body}");
    // An auditor reads, but does not run SQL.
    assert_eq!(
        get(&server.addr, "/api/v1/rotation?limit=1", Some(&token)).0,
        200
    );
}

#[test]
fn every_page_loads_in_headless_chromium_without_console_errors() {
    let browser = std::env::var("KEYLEDGER_BROWSER").unwrap_or_else(|_| "chromium".into());
    let dir = tempfile::tempdir().unwrap();
    // Two weeks, so that the detectors have learned and found the injected anomalies.
    let store = sample_store(
        dir.path(),
        &["--days", "14", "--scale", "600", "--anomalies"],
    );
    let key = first_value(
        &store,
        "SELECT key_arn FROM rotation_compliance WHERE status <> 'NOT_APPLICABLE' ORDER BY key_arn LIMIT 1",
    );
    let event = first_value(
        &store,
        "SELECT event_id FROM cloudtrail WHERE event_name = 'Decrypt' ORDER BY event_id LIMIT 1",
    );
    let server = serve(&["--store", p(&store), "--no-auth"]);
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let pages = [
        ("overview", "/".to_owned()),
        ("rotation", "/rotation".to_owned()),
        (
            "key",
            format!("/keys/{}", key.replace(':', "%3A").replace('/', "%2F")),
        ),
        ("rds", "/rds".to_owned()),
        ("findings", "/findings".to_owned()),
        ("anomalies", "/anomalies".to_owned()),
        ("events", "/events".to_owned()),
        ("event", format!("/events/{event}")),
        ("pci-dss", "/reports/pci-dss".to_owned()),
        ("soc2", "/reports/soc2".to_owned()),
        ("packs", "/packs".to_owned()),
    ];
    for (name, path) in pages {
        let url = format!("http://{}{path}", server.addr);
        let shot = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&shot);
        let profile = tempfile::tempdir().unwrap();
        let out = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--hide-scrollbars",
                "--window-size=1366,2000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(&url)
            .output()
            .unwrap_or_else(|e| panic!("{browser} did not start ({e}): run `bash .ci/run`, install Debian's chromium, or set KEYLEDGER_BROWSER"));
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{url}: chromium failed\n{log}");
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(
            console.is_empty(),
            "{url}: console messages:\n{}",
            console.join("\n")
        );
        let png = std::fs::read(&shot).unwrap_or_else(|_| panic!("{url}: no screenshot\n{log}"));
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{url}: screenshot of {} bytes",
            png.len()
        );
    }
    eprintln!("screenshots in {}", shots.display());
}

#[test]
fn report_writes_a_pdf_and_a_pack_that_verify_pack_checks() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(
        dir.path(),
        &["--days", "2", "--scale", "1000", "--end", "2026-06-30"],
    );
    let key = dir.path().join("pack.key");
    let (public, err) = run(&["pack-key", "--generate", "--key-file", p(&key)], 0);
    assert!(err.contains("made a new signing key"), "{err}");
    let public = public.trim().to_owned();
    assert_eq!(public.len(), 64, "{public}");
    let period = ["--period-start", "2026-06-01", "--period-end", "2026-06-30"];
    let pdf = dir.path().join("r.pdf");
    let (_, err) = run(
        &[
            &[
                "report",
                "--store",
                p(&store),
                "--framework",
                "soc2",
                "--out",
                p(&pdf),
            ],
            &period[..],
        ]
        .concat(),
        0,
    );
    assert!(err.contains("pages"), "{err}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let zip = dir.path().join("p.zip");
    let args = [
        &[
            "report",
            "--store",
            p(&store),
            "--framework",
            "pci-dss",
            "--format",
            "pack",
        ],
        &period[..],
    ]
    .concat();
    let (_, err) = run(&[&args[..], &["--out", p(&zip)]].concat(), 1);
    assert!(err.contains("no signing key"), "{err}");
    run(
        &[&args[..], &["--out", p(&zip), "--signing-key", p(&key)]].concat(),
        0,
    );
    let (out, _) = run(&["verify-pack", p(&zip), "--public-key", &public], 0);
    assert!(
        out.starts_with("ok: ") && out.contains("pci-dss 2026-06-01 to 2026-06-30"),
        "{out}"
    );
    // One byte of the file changed: refused, exit 3.
    let mut bytes = std::fs::read(&zip).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x20;
    std::fs::write(&zip, &bytes).unwrap();
    let (out, _) = run(&["verify-pack", p(&zip)], 3);
    assert!(out.contains("FAILED"), "{out}");
}
