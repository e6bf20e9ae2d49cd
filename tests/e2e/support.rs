use std::{
    path::Path,
    process::{Command, Output},
};

pub(crate) fn keyledger(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args(args)
        .output()
        .expect("keyledger runs")
}

/// Run and require an exit code; returns (stdout, stderr).
pub(crate) fn run(args: &[&str], code: i32) -> (String, String) {
    run_env(&[], args, code)
}

pub(crate) fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// The first integer after `label` in `text`.
pub(crate) fn number_after(text: &str, label: &str) -> u64 {
    let rest = &text[text
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} not in {text}"))
        + label.len()..];
    rest.trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?} in {text}"))
}

/// SHA-256 of every file under a directory, by relative path.
pub(crate) fn tree_hashes(dir: &Path) -> Vec<(String, String)> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable dir") {
            let path = e.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .into_owned();
                out.push((
                    rel,
                    hex::encode(Sha256::digest(std::fs::read(&path).expect("readable"))),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Run `keyledger args` (with `env`) `rounds` times and SIGKILL each run
/// at a random point of its work — a random delay (up to `max_ms`) after its
/// first commit, so that kills land between and during commits rather than
/// while it is still starting — then run it once more to the end, which must
/// succeed. The delays come from a seed (`KEYLEDGER_CRASH_SEED`, else the
/// clock, printed so a failure can be replayed); `commits` counts the
/// store's commits. Returns how many runs were killed before finishing.
pub(crate) fn kill_and_resume(
    env: &[(&str, String)],
    args: &[&str],
    rounds: usize,
    max_ms: u64,
    commits: impl Fn() -> usize,
) -> usize {
    use std::time::{Duration, Instant};
    let seed = std::env::var("KEYLEDGER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("crash test: KEYLEDGER_CRASH_SEED={seed}");
    let mut x = seed | 1;
    let mut killed = 0;
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_keyledger"))
            .args(args)
            .envs(env.iter().cloned())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("keyledger starts")
    };
    for round in 0..rounds {
        // xorshift64: enough randomness for kill points
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = Duration::from_millis(x % max_ms);
        let before = commits();
        let mut child = spawn();
        let started = Instant::now();
        let finished = loop {
            if child.try_wait().expect("waitable").is_some() {
                break true;
            }
            if commits() > before || started.elapsed() > Duration::from_secs(120) {
                break false;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if !finished {
            std::thread::sleep(delay);
        }
        if child.try_wait().expect("waitable").is_none() {
            child.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
            killed += 1;
            eprintln!(
                "round {round}: killed {delay:?} after its first commit, {} commits made",
                commits() - before
            );
        } else {
            eprintln!("round {round}: finished");
        }
        child.wait().expect("reaped");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args(args)
        .envs(env.iter().cloned())
        .output()
        .expect("keyledger runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the final run failed:\n{stderr}");
    eprintln!("final run:\n{stderr}");
    killed
}

/// The one value a single-row, single-column query answers, as text.
pub(crate) fn query_value(env: &[(&str, String)], store: &str, sql: &str) -> String {
    let (out, _) = run_env(env, &["query", "--store", store, "--format", "csv", sql], 0);
    out.lines().nth(1).unwrap_or_default().trim().to_owned()
}

/// How many commits a local store holds.
pub(crate) fn commit_count(store: &Path) -> usize {
    std::fs::read_dir(store.join("manifest")).map_or(0, |d| d.count())
}

/// `count(*)` and `count(DISTINCT event_id)` of a stream in a store.
pub(crate) fn counts(env: &[(&str, String)], store: &str, table: &str) -> (u64, u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args([
            "query",
            "--store",
            store,
            "--format",
            "json",
            &format!("SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM {table}"),
        ])
        .envs(env.iter().cloned())
        .output()
        .expect("keyledger runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON rows");
    (
        rows[0]["n"].as_u64().expect("n"),
        rows[0]["d"].as_u64().expect("d"),
    )
}

/// Like [`run`], with extra environment (AWS settings for moto).
pub(crate) fn run_env(env: &[(&str, String)], args: &[&str], code: i32) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args(args)
        .envs(env.iter().cloned())
        .output()
        .expect("keyledger runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "keyledger {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

/// A service the tests need: the one `.ci/run` started (its address in
/// `env_var`), or one started here from `program` on PATH on a free port,
/// stopped when the test process ends.
#[derive(Debug)]
pub(crate) struct Service {
    pub(crate) address: String,
    _child: Option<ChildGuard>,
}

#[derive(Debug)]
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start (or find) a service; `args` and `address` are given the port.
pub(crate) fn service(
    env_var: &str,
    program: &str,
    install_hint: &str,
    args: impl Fn(u16) -> Vec<String>,
    address: impl Fn(u16) -> String,
) -> Service {
    if let Ok(address) = std::env::var(env_var) {
        return Service {
            address,
            _child: None,
        };
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = ChildGuard(
        Command::new(program)
            .args(args(port))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{program} not found ({e}): run `bash .ci/run`, or {install_hint}, or set {env_var}")
            }),
    );
    for _ in 0..120 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Service {
                address: address(port),
                _child: Some(child),
            };
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    panic!("{program} did not start on port {port}");
}
