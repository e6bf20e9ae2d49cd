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
    let out = keyledger(args);
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
