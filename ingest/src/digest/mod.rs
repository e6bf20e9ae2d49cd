//! CloudTrail log file integrity: digest files, their chain and signatures.
//!
//! CloudTrail writes, every hour, a *digest* file listing the SHA-256 of each
//! log file it delivered (of the decompressed bytes), the SHA-256 of the
//! previous digest, and an RSA signature over
//!
//! ```text
//! digestEndTime \n digestS3Bucket/digestS3Object \n hex(sha256(digest)) \n previousDigestSignature
//! ```
//!
//! (`previousDigestSignature` is the literal `null` for the first digest).
//! [`Verifier`] collects the hashes of the log files a source read and the
//! digests it found, and then checks the whole chain: a modified or deleted
//! log file, a broken link between digests, or a bad signature is an
//! [`IntegrityIssue`] naming the file.
//!
//! A digest's own signature travels in its S3 object metadata
//! (`x-amz-meta-signature`); for a local copy it is read from a sidecar
//! `<digest>.signature` file (hex), or from the next digest's
//! `previousDigestSignature`.

mod keys;
mod sign;
mod verify;

pub use keys::{PublicKeys, load_public_keys};
pub use sign::{DEMO_SIGNING_KEY_PEM, DigestSigner};
pub use verify::{IntegrityIssue, IntegrityReport, Verifier};

use serde::{Deserialize, Serialize};

/// The parts of a digest file that integrity checking reads.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DigestFile {
    pub aws_account_id: String,
    pub digest_start_time: String,
    pub digest_end_time: String,
    #[serde(rename = "digestS3Bucket")]
    pub digest_s3_bucket: String,
    #[serde(rename = "digestS3Object")]
    pub digest_s3_object: String,
    #[serde(default)]
    pub digest_public_key_fingerprint: Option<String>,
    #[serde(default)]
    pub digest_signature_algorithm: Option<String>,
    #[serde(default, rename = "previousDigestS3Bucket")]
    pub previous_digest_s3_bucket: Option<String>,
    #[serde(default, rename = "previousDigestS3Object")]
    pub previous_digest_s3_object: Option<String>,
    #[serde(default)]
    pub previous_digest_hash_value: Option<String>,
    #[serde(default)]
    pub previous_digest_hash_algorithm: Option<String>,
    #[serde(default)]
    pub previous_digest_signature: Option<String>,
    #[serde(default)]
    pub log_files: Vec<LogFileRef>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogFileRef {
    #[serde(rename = "s3Bucket")]
    pub s3_bucket: String,
    #[serde(rename = "s3Object")]
    pub s3_object: String,
    pub hash_value: String,
    #[serde(default)]
    pub hash_algorithm: Option<String>,
}

/// Is this path (an S3 key or a local path) a CloudTrail digest file?
pub fn is_digest_path(path: &str) -> bool {
    path.contains("/CloudTrail-Digest/") || path.contains("_CloudTrail-Digest_")
}

/// The last path segment: log files and digests are matched by it, since a
/// local copy keeps the names but not always the full S3 key.
pub fn base_name(key: &str) -> &str {
    key.rsplit(['/', '\\']).next().unwrap_or(key)
}

/// The bytes a digest's signature covers.
pub fn signing_string(d: &DigestFile, digest_sha256_hex: &str) -> String {
    format!(
        "{}\n{}/{}\n{}\n{}",
        d.digest_end_time,
        d.digest_s3_bucket,
        d.digest_s3_object,
        digest_sha256_hex,
        d.previous_digest_signature.as_deref().unwrap_or("null")
    )
}
