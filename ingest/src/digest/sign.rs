use rsa::{
    PrivateKey,
    pkcs1::DecodeRsaPrivateKey,
    pkcs1v15::SigningKey,
    pkcs8::EncodePublicKey,
    signature::{SignatureEncoding, Signer},
};
use sha2::Sha256;

use super::{DigestFile, signing_string};

/// The private key that signs the *synthetic* corpus `keyledger generate`
/// writes, so that the demo and the tests exercise real signature checks.
/// It protects nothing and is public on purpose.
pub const DEMO_SIGNING_KEY_PEM: &str = include_str!("demo-trail-key.pem");

/// Signs digest files the way CloudTrail does (RSA PKCS#1 v1.5, SHA-256).
#[derive(Debug)]
pub struct DigestSigner {
    key: SigningKey<Sha256>,
    public_der: Vec<u8>,
}

impl DigestSigner {
    pub fn from_pem(pem: &str) -> Result<Self, rsa::pkcs1::Error> {
        let private = PrivateKey::from_pkcs1_pem(pem)?;
        let public_der = private
            .to_public_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default();
        Ok(DigestSigner {
            key: SigningKey::new(private),
            public_der,
        })
    }

    pub fn demo() -> Self {
        // The embedded demo key is a valid PKCS#1 PEM, checked by a test.
        Self::from_pem(DEMO_SIGNING_KEY_PEM).expect("embedded demo key parses")
    }

    /// The hex signature of a digest whose decompressed bytes hash to
    /// `digest_sha256_hex`.
    pub fn sign(&self, d: &DigestFile, digest_sha256_hex: &str) -> String {
        let sig = self
            .key
            .sign(signing_string(d, digest_sha256_hex).as_bytes());
        hex::encode(sig.to_bytes())
    }

    /// The public key as SPKI DER (what ListPublicKeys returns, base64'd).
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_der
    }

    /// The public key as a PEM `PUBLIC KEY` block.
    pub fn public_key_pem(&self) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.public_der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }
}
