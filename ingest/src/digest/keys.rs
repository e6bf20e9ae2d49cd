use std::collections::BTreeMap;

use base64::Engine;
use rsa::{PublicKey, pkcs1::DecodeRsaPublicKey, pkcs8::DecodePublicKey};
use serde::Deserialize;

use crate::{Error, Result};

/// CloudTrail's public keys by fingerprint. Keys without a known fingerprint
/// (from PEM files) are tried for every digest.
#[derive(Debug, Default, Clone)]
pub struct PublicKeys {
    pub by_fingerprint: BTreeMap<String, PublicKey>,
    pub unnamed: Vec<PublicKey>,
}

impl PublicKeys {
    pub fn is_empty(&self) -> bool {
        self.by_fingerprint.is_empty() && self.unnamed.is_empty()
    }

    /// Candidate keys for a fingerprint, the matching one first.
    pub fn candidates<'a>(&'a self, fingerprint: Option<&str>) -> Vec<&'a PublicKey> {
        let named = fingerprint.and_then(|f| self.by_fingerprint.get(f));
        named
            .into_iter()
            .chain(self.unnamed.iter())
            .chain(self.by_fingerprint.values().filter(|k| Some(*k) != named))
            .collect()
    }
}

#[derive(Deserialize)]
struct ListPublicKeys {
    #[serde(alias = "publicKeyList", rename = "PublicKeyList")]
    list: Vec<KeyEntry>,
}

#[derive(Deserialize)]
struct KeyEntry {
    #[serde(rename = "Value")]
    value: String,
    #[serde(rename = "Fingerprint")]
    fingerprint: Option<String>,
}

/// A DER public key in either PKCS#1 (`RSAPublicKey`) or SPKI form; the
/// ListPublicKeys API returns both.
fn from_der(der: &[u8]) -> Option<PublicKey> {
    PublicKey::from_pkcs1_der(der)
        .ok()
        .or_else(|| PublicKey::from_public_key_der(der).ok())
}

/// Read public keys from `aws cloudtrail list-public-keys` output (JSON), a
/// PEM file (one or more `PUBLIC KEY` / `RSA PUBLIC KEY` blocks) or a DER file.
pub fn load_public_keys(path: &std::path::Path) -> Result<PublicKeys> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.into(),
        source,
    })?;
    let bad = |reason: String| Error::PublicKeys {
        path: path.into(),
        reason,
    };
    let mut keys = PublicKeys::default();
    let text = std::str::from_utf8(&bytes).unwrap_or("");
    if text.trim_start().starts_with('{') {
        let list: ListPublicKeys = serde_json::from_str(text)
            .map_err(|e| bad(format!("not a ListPublicKeys response: {e}")))?;
        for (i, entry) in list.list.into_iter().enumerate() {
            let der = base64::engine::general_purpose::STANDARD
                .decode(entry.value.trim())
                .map_err(|e| bad(format!("key {i}: invalid base64: {e}")))?;
            let key =
                from_der(&der).ok_or_else(|| bad(format!("key {i}: not an RSA public key")))?;
            match entry.fingerprint {
                Some(f) => {
                    keys.by_fingerprint.insert(f, key);
                }
                None => keys.unnamed.push(key),
            }
        }
    } else if text.contains("-----BEGIN") {
        // Decode each block ourselves: PEM written by hand or by other tools
        // is often not wrapped at 64 columns, which strict parsers refuse.
        let mut rest = text;
        while let Some(begin) = rest.find("-----BEGIN") {
            let block = &rest[begin..];
            let body_start = block[10..]
                .find("-----")
                .map_or(block.len(), |i| 10 + i + 5);
            let Some(end) = block.find("-----END") else {
                break;
            };
            let body: String = block[body_start..end]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(body)
                .map_err(|e| bad(format!("PEM block is not base64: {e}")))?;
            keys.unnamed.push(
                from_der(&der).ok_or_else(|| bad("PEM block is not an RSA public key".into()))?,
            );
            rest = &block[end + 8..];
        }
    } else {
        keys.unnamed
            .push(from_der(&bytes).ok_or_else(|| bad("not an RSA public key (DER)".into()))?);
    }
    if keys.is_empty() {
        return Err(bad("no keys found".into()));
    }
    Ok(keys)
}
