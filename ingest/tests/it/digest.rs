//! CloudTrail digest chains: verified when intact, and every kind of
//! tampering named. The chain is signed here with keyledger's demo key,
//! since no public log file comes with a real AWS-signed digest.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use base64::Engine;
use keyledger_ingest::{
    Source,
    digest::{DigestFile, DigestSigner, IntegrityIssue, IntegrityReport, load_public_keys},
    source::file::FileOptions,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::{fixtures, read_all};

const ACCOUNT: &str = "111122223333";

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn log_key(n: usize) -> String {
    format!(
        "AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2025/03/06/{ACCOUNT}_CloudTrail_us-east-1_20250306T010{n}Z_abcdefgh{n:08}.json.gz"
    )
}

fn digest_key(n: usize) -> String {
    format!(
        "AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/2025/03/06/{ACCOUNT}_CloudTrail-Digest_us-east-1_trail_us-east-1_20250306T0{n}0000Z.json.gz"
    )
}

fn log_body(n: usize) -> Vec<u8> {
    format!(r#"{{"Records":[{{"eventVersion":"1.11","eventTime":"2025-03-06T01:0{n}:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","eventID":"ev-{n}","recipientAccountId":"{ACCOUNT}"}}]}}"#).into_bytes()
}

/// Three log files and two chained, signed digests (the first listing logs
/// 0 and 1, the second log 2). The second digest's signature is in a
/// sidecar file; the first one's only in the second's previousDigestSignature.
fn corpus(dir: &Path) -> PathBuf {
    let signer = DigestSigner::demo();
    let mut hashes = Vec::new();
    for n in 0..3 {
        let body = log_body(n);
        hashes.push(hex::encode(Sha256::digest(&body)));
        let path = dir.join(log_key(n));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, gz(&body)).unwrap();
    }
    let mut previous: Option<(String, String, String)> = None;
    for (n, logs) in [(1usize, vec![0usize, 1]), (2, vec![2])] {
        let d = json!({
            "awsAccountId": ACCOUNT,
            "digestStartTime": format!("2025-03-06T0{}:00:00Z", n - 1),
            "digestEndTime": format!("2025-03-06T0{n}:00:00Z"),
            "digestS3Bucket": "bucket",
            "digestS3Object": digest_key(n),
            "digestPublicKeyFingerprint": "0123456789abcdef0123456789abcdef",
            "digestSignatureAlgorithm": "SHA256withRSA",
            "previousDigestS3Bucket": previous.as_ref().map(|_| "bucket"),
            "previousDigestS3Object": previous.as_ref().map(|p| p.0.clone()),
            "previousDigestHashValue": previous.as_ref().map(|p| p.1.clone()),
            "previousDigestHashAlgorithm": previous.as_ref().map(|_| "SHA-256"),
            "previousDigestSignature": previous.as_ref().map(|p| p.2.clone()),
            "logFiles": logs.iter().map(|l| json!({"s3Bucket": "bucket", "s3Object": log_key(*l), "hashValue": hashes[*l], "hashAlgorithm": "SHA-256"})).collect::<Vec<_>>(),
        });
        let body = serde_json::to_vec(&d).unwrap();
        let sha = hex::encode(Sha256::digest(&body));
        let parsed: DigestFile = serde_json::from_slice(&body).unwrap();
        let sig = signer.sign(&parsed, &sha);
        let path = dir.join(digest_key(n));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, gz(&body)).unwrap();
        if n == 2 {
            std::fs::write(format!("{}.signature", path.display()), &sig).unwrap();
        }
        previous = Some((digest_key(n), sha, sig));
    }
    let pem = base64::engine::general_purpose::STANDARD.encode(signer.public_key_der());
    let keys = dir.join("keys.pem");
    std::fs::write(
        &keys,
        format!("-----BEGIN PUBLIC KEY-----\n{pem}\n-----END PUBLIC KEY-----\n"),
    )
    .unwrap();
    keys
}

async fn check(dir: &Path, keys: Option<&Path>) -> IntegrityReport {
    let options = FileOptions {
        public_keys: keys.map(|k| load_public_keys(k).unwrap()),
        ..Default::default()
    };
    let (_, source) = read_all(&dir.join("AWSLogs"), options).await;
    source.integrity().expect("digests were found")
}

#[tokio::test]
async fn an_intact_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let keys = corpus(dir.path());
    let r = check(dir.path(), Some(&keys)).await;
    assert_eq!(r.issues, vec![]);
    assert_eq!(
        (r.digests, r.logs_verified, r.signatures_verified),
        (2, 3, 2)
    );
}

#[tokio::test]
async fn a_modified_log_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let keys = corpus(dir.path());
    // Same events, one more space: the hash of the decompressed bytes changes.
    let body = String::from_utf8(log_body(1))
        .unwrap()
        .replace("{\"Records\":", "{\"Records\": ");
    std::fs::write(dir.path().join(log_key(1)), gz(body.as_bytes())).unwrap();
    let r = check(dir.path(), Some(&keys)).await;
    assert!(
        matches!(&r.issues[..], [IntegrityIssue::LogFileModified { log, .. }] if log.ends_with("abcdefgh00000001.json.gz")),
        "{:?}",
        r.issues
    );
}

#[tokio::test]
async fn a_deleted_log_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let keys = corpus(dir.path());
    std::fs::remove_file(dir.path().join(log_key(2))).unwrap();
    let r = check(dir.path(), Some(&keys)).await;
    assert!(
        matches!(&r.issues[..], [IntegrityIssue::LogFileMissing { log, .. }] if log.ends_with("abcdefgh00000002.json.gz")),
        "{:?}",
        r.issues
    );
}

#[tokio::test]
async fn a_modified_digest_breaks_the_chain_and_its_signature() {
    let dir = tempfile::tempdir().unwrap();
    let keys = corpus(dir.path());
    let path = dir.path().join(digest_key(1));
    let mut body = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&std::fs::read(&path).unwrap()[..]),
        &mut body,
    )
    .unwrap();
    let edited = String::from_utf8(body)
        .unwrap()
        .replace("\"bucket\"", "\"other-bucket\"");
    std::fs::write(&path, gz(edited.as_bytes())).unwrap();
    let r = check(dir.path(), Some(&keys)).await;
    assert!(r.issues.iter().any(|i| matches!(i, IntegrityIssue::ChainBroken { previous, .. } if previous.ends_with("20250306T010000Z.json.gz"))), "{:?}", r.issues);
    assert!(r.issues.iter().any(|i| matches!(i, IntegrityIssue::BadSignature { digest, .. } if digest.ends_with("20250306T010000Z.json.gz"))), "{:?}", r.issues);
}

#[tokio::test]
async fn a_wrong_key_or_signature_fails() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    // The public keys of the real ListPublicKeys response did not sign this chain.
    let aws_keys =
        fixtures().join("data/digest/aws-cloudtrail-user-guide/list-public-keys-response.json");
    let r = check(dir.path(), Some(&aws_keys)).await;
    assert_eq!(
        r.issues
            .iter()
            .filter(|i| matches!(i, IntegrityIssue::BadSignature { .. }))
            .count(),
        2,
        "{:?}",
        r.issues
    );

    let dir = tempfile::tempdir().unwrap();
    let keys = corpus(dir.path());
    let sidecar = format!("{}.signature", dir.path().join(digest_key(2)).display());
    std::fs::write(&sidecar, "00".repeat(256)).unwrap();
    let r = check(dir.path(), Some(&keys)).await;
    assert!(
        matches!(&r.issues[..], [IntegrityIssue::BadSignature { digest, .. }] if digest.ends_with("20250306T020000Z.json.gz")),
        "{:?}",
        r.issues
    );
}

#[tokio::test]
async fn without_keys_hashes_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let r = check(dir.path(), None).await;
    assert_eq!(
        (r.issues.len(), r.logs_verified, r.signatures_verified),
        (0, 3, 0)
    );
}

#[test]
fn real_public_key_lists_load() {
    let keys = load_public_keys(
        &fixtures().join("data/digest/aws-cloudtrail-user-guide/list-public-keys-response.json"),
    )
    .unwrap();
    // PKCS#1 and SPKI encodings mixed in one response.
    assert_eq!(keys.by_fingerprint.len(), 3);
    assert!(
        keys.by_fingerprint
            .contains_key("31e8b5433410dfb61a9dc45cc65b22ff")
    );
}

#[tokio::test]
async fn a_malformed_real_digest_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixtures()
        .join("data/digest/elastic-integrations-transcribed/test-cloudtrail-digest-json.log");
    let dst = dir
        .path()
        .join("AWSLogs/123456789123/CloudTrail-Digest/us-west-2/2020/09/11/d.json");
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    std::fs::copy(src, &dst).unwrap();
    let r = check(dir.path(), None).await;
    assert!(r.issues.iter().any(|i| matches!(i, IntegrityIssue::MalformedDigest { reason, .. } if reason.contains("previousDigestHashValue"))), "{:?}", r.issues);
}
