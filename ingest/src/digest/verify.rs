use std::collections::{BTreeMap, HashMap};

use rsa::{
    pkcs1v15::{Signature, VerifyingKey},
    signature::Verifier as _,
};
use sha2::Sha256;

use super::{DigestFile, PublicKeys, base_name, signing_string};

/// Something about the input's own integrity that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityIssue {
    #[error(
        "log file {log} does not match digest {digest}: expected SHA-256 {expected}, found {actual}"
    )]
    LogFileModified {
        log: String,
        digest: String,
        expected: String,
        actual: String,
    },
    #[error("log file {log} listed in digest {digest} is missing from the input")]
    LogFileMissing { log: String, digest: String },
    #[error(
        "digest chain broken at {digest}: previous digest {previous} should hash to {expected}, found {actual}"
    )]
    ChainBroken {
        digest: String,
        previous: String,
        expected: String,
        actual: String,
    },
    #[error("digest {digest} has an invalid signature: {reason}")]
    BadSignature { digest: String, reason: String },
    #[error("digest {digest} is malformed: {reason}")]
    MalformedDigest { digest: String, reason: String },
    #[error("digest {digest}: no signature available to check (no metadata, sidecar or successor)")]
    SignatureUnavailable { digest: String },
}

impl IntegrityIssue {
    /// Evidence of tampering (as opposed to evidence that could not be checked).
    pub fn is_error(&self) -> bool {
        !matches!(self, IntegrityIssue::SignatureUnavailable { .. })
    }
}

/// What the integrity check found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IntegrityReport {
    pub digests: usize,
    pub logs_verified: usize,
    pub signatures_verified: usize,
    /// Listed log files this run did not read on purpose (read by an
    /// earlier run, or before `--since`): not rechecked.
    pub logs_outside_run: usize,
    pub issues: Vec<IntegrityIssue>,
}

impl IntegrityReport {
    pub fn errors(&self) -> impl Iterator<Item = &IntegrityIssue> {
        self.issues.iter().filter(|i| i.is_error())
    }
}

#[derive(Debug)]
struct SeenDigest {
    origin: String,
    sha256_hex: String,
    file: DigestFile,
    signature: Option<String>,
}

/// Collects log file hashes and digests as a source reads them, then checks
/// them against each other.
#[derive(Debug, Default)]
pub struct Verifier {
    /// Base name → SHA-256 of the decompressed log file.
    logs: HashMap<String, [u8; 32]>,
    /// Base name of the digest → digest.
    digests: BTreeMap<String, SeenDigest>,
    /// Key ranges deliberately not read, as (prefix, last key skipped),
    /// both from `AWSLogs/` on.
    skipped: Vec<(String, String)>,
}

/// The part of a key from `AWSLogs/` on: digests name keys with the
/// trail's own prefix, which a copy or a listing may not share.
fn from_awslogs(key: &str) -> &str {
    key.find("AWSLogs/").map_or(key, |i| &key[i..])
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Verifier {
    pub fn add_log(&mut self, origin: &str, sha256: [u8; 32]) {
        self.logs.insert(base_name(origin).to_owned(), sha256);
    }

    /// A digest as read: its origin, the SHA-256 of its decompressed bytes,
    /// and its signature if the transport carried one.
    pub fn add_digest(
        &mut self,
        origin: &str,
        sha256_hex: String,
        file: DigestFile,
        signature: Option<String>,
    ) {
        let name = base_name(&file.digest_s3_object).to_owned();
        self.digests.insert(
            name,
            SeenDigest {
                origin: origin.to_owned(),
                sha256_hex,
                file,
                signature,
            },
        );
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Keys under `prefix` up to and including `up_to` are not read in this
    /// run; digests listing them are not held against it.
    pub fn skipped(&mut self, prefix: &str, up_to: &str) {
        self.skipped.push((
            from_awslogs(prefix).to_owned(),
            from_awslogs(up_to).to_owned(),
        ));
    }

    fn was_skipped(&self, key: &str) -> bool {
        let key = from_awslogs(key);
        self.skipped
            .iter()
            .any(|(prefix, up_to)| key.starts_with(prefix.as_str()) && key <= up_to.as_str())
    }

    pub fn finish(&self, keys: Option<&PublicKeys>) -> IntegrityReport {
        let mut report = IntegrityReport {
            digests: self.digests.len(),
            ..Default::default()
        };
        // A digest's signature also appears as its successor's previousDigestSignature.
        let mut successor_sig: HashMap<&str, &str> = HashMap::new();
        for d in self.digests.values() {
            if let (Some(prev), Some(sig)) = (
                &d.file.previous_digest_s3_object,
                &d.file.previous_digest_signature,
            ) {
                successor_sig.insert(base_name(prev), sig);
            }
        }
        for (name, d) in &self.digests {
            let digest = d.origin.clone();
            for lf in &d.file.log_files {
                let log = base_name(&lf.s3_object).to_owned();
                if !is_sha256_hex(&lf.hash_value) {
                    report.issues.push(IntegrityIssue::MalformedDigest {
                        digest: digest.clone(),
                        reason: format!("hashValue of {log} is not a SHA-256 hex string"),
                    });
                    continue;
                }
                match self.logs.get(&log) {
                    None if self.was_skipped(&lf.s3_object) => report.logs_outside_run += 1,
                    None => report.issues.push(IntegrityIssue::LogFileMissing {
                        log,
                        digest: digest.clone(),
                    }),
                    Some(actual) if !lf.hash_value.eq_ignore_ascii_case(&hex::encode(actual)) => {
                        report.issues.push(IntegrityIssue::LogFileModified {
                            log,
                            digest: digest.clone(),
                            expected: lf.hash_value.to_ascii_lowercase(),
                            actual: hex::encode(actual),
                        })
                    }
                    Some(_) => report.logs_verified += 1,
                }
            }
            if let Some(h) = d
                .file
                .previous_digest_hash_value
                .as_deref()
                .filter(|h| !is_sha256_hex(h))
            {
                report.issues.push(IntegrityIssue::MalformedDigest {
                    digest: digest.clone(),
                    reason: format!("previousDigestHashValue {h:?} is not a SHA-256 hex string"),
                });
            }
            if let (Some(prev_key), Some(expected)) = (
                &d.file.previous_digest_s3_object,
                &d.file.previous_digest_hash_value,
            ) && let Some(prev) = self.digests.get(base_name(prev_key))
                && !prev.sha256_hex.eq_ignore_ascii_case(expected)
            {
                report.issues.push(IntegrityIssue::ChainBroken {
                    digest: digest.clone(),
                    previous: prev.origin.clone(),
                    expected: expected.clone(),
                    actual: prev.sha256_hex.clone(),
                });
            }
            let Some(keys) = keys.filter(|k| !k.is_empty()) else {
                continue;
            };
            let sig = d
                .signature
                .as_deref()
                .or_else(|| successor_sig.get(name.as_str()).copied());
            let Some(sig) = sig else {
                report
                    .issues
                    .push(IntegrityIssue::SignatureUnavailable { digest });
                continue;
            };
            match verify_signature(keys, &d.file, &d.sha256_hex, sig) {
                Ok(()) => report.signatures_verified += 1,
                Err(reason) => report
                    .issues
                    .push(IntegrityIssue::BadSignature { digest, reason }),
            }
        }
        report
    }
}

fn verify_signature(
    keys: &PublicKeys,
    d: &DigestFile,
    sha256_hex: &str,
    sig_hex: &str,
) -> Result<(), String> {
    let bytes = hex::decode(sig_hex.trim()).map_err(|e| format!("signature is not hex: {e}"))?;
    let sig =
        Signature::try_from(bytes.as_slice()).map_err(|e| format!("unreadable signature: {e}"))?;
    let message = signing_string(d, sha256_hex);
    let candidates = keys.candidates(d.digest_public_key_fingerprint.as_deref());
    if candidates.into_iter().any(|k| {
        VerifyingKey::<Sha256>::new(k.clone())
            .verify(message.as_bytes(), &sig)
            .is_ok()
    }) {
        Ok(())
    } else {
        Err("does not verify with any supplied public key".into())
    }
}
