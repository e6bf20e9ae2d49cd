//! Compliance packs: a zip an auditor can file and check years later.
//!
//! ```text
//! report.pdf                 the report (same content as the web page)
//! evidence/<table>.csv       the exact rows behind each table of the report
//! evidence/<table>.parquet   the same rows, typed
//! manifest.json              SHA-256 of every file, the store commit and
//!                            chain head, the tool version, an Ed25519 signature
//! ```
//!
//! The same store commit and parameters give the same bytes: the document
//! is dated by the period, zip entries carry a fixed time, and every table
//! is ordered.

mod pdf;
pub mod schedule;

use std::{
    io::{Cursor, Read, Write},
    path::Path,
};

use arrow::array::{RecordBatch, StringArray};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use keyledger_query::{Ledger, OutputFormat, format::ResultWriter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    AppError,
    report::{
        Evidence, Framework, Report,
        evidence::{DATABASES_SQL, KEYS_SQL, changes_sql, findings_sql},
    },
};

pub const MANIFEST: &str = "manifest.json";
pub const FORMAT: &str = "keyledger-pack/1";

/// What to put in a pack.
#[derive(Debug, Clone)]
pub struct PackRequest {
    pub framework: Framework,
    /// `YYYY-MM-DD`, inclusive.
    pub period_start: String,
    pub period_end: String,
    pub policy_days: u32,
    pub organisation: String,
    /// The schedule that made it, if one did (part of the name).
    pub schedule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

/// `manifest.json`. The signature covers the compact JSON of every other
/// field, in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub tool: String,
    pub framework: String,
    pub organisation: String,
    pub period_start: String,
    pub period_end: String,
    pub policy_days: u32,
    pub store_commit: u64,
    pub chain_head: String,
    pub pages: usize,
    pub files: Vec<FileEntry>,
    /// Hex Ed25519 public key (`keyledger pack-key` prints the expected one).
    pub public_key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signature: String,
}

impl Manifest {
    fn signed_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.signature.clear();
        serde_json::to_vec(&unsigned).unwrap_or_default()
    }
}

/// A built pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub name: String,
    pub zip: Vec<u8>,
    pub pdf: Vec<u8>,
    pub manifest: Manifest,
}

impl PackRequest {
    /// `<framework>_<start>_<end>_c<commit>[_<schedule>].zip`
    pub fn name(&self, commit: u64) -> String {
        let schedule = self
            .schedule
            .as_deref()
            .map(|s| format!("_{s}"))
            .unwrap_or_default();
        format!(
            "{}_{}_{}_c{commit}{schedule}.zip",
            self.framework.slug(),
            self.period_start,
            self.period_end
        )
    }
}

/// Load the Ed25519 signing key (a file holding the 32-byte seed in hex).
pub fn load_signing_key(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading the pack signing key {}: {e}", path.display()))?;
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            format!(
                "{} does not hold a 64-hex-digit Ed25519 seed",
                path.display()
            )
        })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A new signing key from the system's randomness.
pub fn new_signing_key() -> Result<SigningKey, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no system randomness: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

pub fn public_key_hex(key: &SigningKey) -> String {
    hex::encode(key.verifying_key().to_bytes())
}

/// One table of the evidence, as a query result.
struct Table {
    name: &'static str,
    batches: Vec<RecordBatch>,
    schema: arrow::datatypes::SchemaRef,
}

impl Table {
    fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    fn encode(&self, format: OutputFormat) -> Result<Vec<u8>, AppError> {
        let mut out = Vec::new();
        let mut w = ResultWriter::new(format, self.schema.clone(), &mut out)?;
        // An empty table still says what its columns are.
        let empty = [RecordBatch::new_empty(self.schema.clone())];
        for b in if self.batches.is_empty() {
            &empty[..]
        } else {
            &self.batches[..]
        } {
            w.write(b)?;
        }
        w.finish()?;
        Ok(out)
    }
}

async fn table(ledger: &Ledger, name: &'static str, sql: &str) -> Result<Table, AppError> {
    let df = ledger
        .context()
        .sql(sql)
        .await
        .map_err(keyledger_query::Error::from)?;
    let schema = df.schema().inner().clone();
    let batches = df.collect().await.map_err(keyledger_query::Error::from)?;
    Ok(Table {
        name,
        batches,
        schema,
    })
}

/// The exceptions of every section, one row each.
fn exceptions_table(report: &Report) -> Result<Table, AppError> {
    let mut columns: [Vec<String>; 4] = Default::default();
    for s in &report.sections {
        for e in &s.exceptions {
            columns[0].push(s.id.to_owned());
            columns[1].push(e.subject.clone());
            columns[2].push(e.detail.clone());
            columns[3].push(e.evidence.join(" "));
        }
    }
    let [requirement, subject, detail, evidence] =
        columns.map(|c| -> arrow::array::ArrayRef { std::sync::Arc::new(StringArray::from(c)) });
    let batch = RecordBatch::try_from_iter(vec![
        ("requirement", requirement),
        ("subject", subject),
        ("detail", detail),
        ("evidence_event_ids", evidence),
    ])
    .map_err(AppError::internal)?;
    Ok(Table {
        name: "exceptions",
        schema: batch.schema(),
        batches: vec![batch],
    })
}

/// What the PDF template reads.
fn document_data(report: &Report, ev: &Evidence, files: &[(String, usize)]) -> serde_json::Value {
    let out_of_compliance: std::collections::HashMap<
        &str,
        &Vec<keyledger_query::keys::history::Span>,
    > = ev
        .out_of_compliance
        .iter()
        .map(|(k, spans)| (k.as_str(), spans))
        .collect();
    let keys: Vec<serde_json::Value> = ev
        .rotation
        .iter()
        .map(|r| {
            let out = out_of_compliance.get(r.key_arn.as_str()).map_or_else(
                || "none".to_owned(),
                |spans| {
                    let days: i32 = spans.iter().map(|s| s.days()).sum();
                    let first = spans
                        .first()
                        .map(|s| keyledger_schemas::time::date32_to_string(s.from))
                        .unwrap_or_default();
                    format!("{days} days from {first}")
                },
            );
            serde_json::json!({
                "name": r.name(),
                "status": r.status,
                "reason": r.reason,
                "period": r.rotation_period_days.map(|d| format!("{d} d")).unwrap_or_default(),
                "age": r.material_age_days.map(|d| format!("{d} d")).unwrap_or_default(),
                "out_of_compliance": out,
            })
        })
        .collect();
    serde_json::json!({
        "report": report,
        "framework_name": match report.framework { Framework::PciDss => "PCI DSS v4.0.1", Framework::Soc2 => "SOC 2" },
        "tool_version": env!("CARGO_PKG_VERSION"),
        "verdicts": ev.verdict_counts(),
        "keys": keys,
        "evidence_ids": report.evidence_ids(),
        "files": files.iter().map(|(name, rows)| serde_json::json!({"name": name, "rows": rows})).collect::<Vec<_>>(),
    })
}

/// Build a pack from the ledger as of the end of the period.
pub async fn build(ledger: &Ledger, req: &PackRequest, key: &SigningKey) -> Result<Pack, AppError> {
    let ev = Evidence::gather(ledger, &req.period_start, &req.period_end, req.policy_days).await?;
    let report = Report::from_evidence(&ev, req.framework, &req.organisation);
    let view = ledger.with_settings(&[
        ("as_of", req.period_end.clone()),
        ("policy_days", req.policy_days.to_string()),
    ])?;
    let tables = vec![
        table(&view, "keys", KEYS_SQL).await?,
        table(
            &view,
            "findings",
            &findings_sql(&req.period_start, &req.period_end),
        )
        .await?,
        table(&view, "databases", DATABASES_SQL).await?,
        table(
            &view,
            "key_changes",
            &changes_sql(&req.period_start, &req.period_end),
        )
        .await?,
        exceptions_table(&report)?,
    ];
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut listed = Vec::new();
    for t in &tables {
        for (ext, format) in [
            ("csv", OutputFormat::Csv),
            ("parquet", OutputFormat::Parquet),
        ] {
            let name = format!("evidence/{}.{ext}", t.name);
            listed.push((name.clone(), t.rows()));
            files.push((name, t.encode(format)?));
        }
    }
    let data = document_data(&report, &ev, &listed);
    let name = req.name(ev.store_sequence);
    let (end, ident) = (req.period_end.clone(), name.clone());
    // Typesetting is CPU work: keep it off the async workers.
    let (pdf, pages) = tokio::task::spawn_blocking(move || pdf::render(&data, &end, &ident))
        .await
        .map_err(AppError::internal)??;
    files.insert(0, ("report.pdf".to_owned(), pdf.clone()));
    let mut manifest = Manifest {
        format: FORMAT.to_owned(),
        tool: format!("keyledger {}", env!("CARGO_PKG_VERSION")),
        framework: req.framework.slug().to_owned(),
        organisation: req.organisation.clone(),
        period_start: req.period_start.clone(),
        period_end: req.period_end.clone(),
        policy_days: req.policy_days,
        store_commit: ev.store_sequence,
        chain_head: ev.head_hash.clone(),
        pages,
        files: files
            .iter()
            .map(|(name, bytes)| FileEntry {
                name: name.clone(),
                sha256: hex::encode(Sha256::digest(bytes)),
                bytes: bytes.len() as u64,
            })
            .collect(),
        public_key: public_key_hex(key),
        signature: String::new(),
    };
    manifest.signature = hex::encode(key.sign(&manifest.signed_bytes()).to_bytes());
    let mut manifest_json = serde_json::to_vec_pretty(&manifest).map_err(AppError::internal)?;
    manifest_json.push(b'\n');
    files.push((MANIFEST.to_owned(), manifest_json));
    Ok(Pack {
        name,
        zip: zip(&files)?,
        pdf,
        manifest,
    })
}

/// A zip with fixed entry times, in the given order.
fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, AppError> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in files {
        w.start_file(name.as_str(), options)
            .map_err(AppError::internal)?;
        w.write_all(bytes).map_err(AppError::internal)?;
    }
    Ok(w.finish().map_err(AppError::internal)?.into_inner())
}

/// Check a pack offline: every member listed with its hash and size, none
/// missing or added, and the manifest's signature valid (by `expected_key`
/// when given, a hex public key). Returns the manifest, or every problem.
pub fn verify(pack: &[u8], expected_key: Option<&str>) -> Result<Manifest, Vec<String>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(pack))
        .map_err(|e| vec![format!("not a readable zip: {e}")])?;
    let mut members = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for i in 0..archive.len() {
        let mut f = match archive.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("member {i} cannot be read: {e}"));
                continue;
            }
        };
        let name = match f.name() {
            Ok(n) => n.into_owned(),
            Err(e) => {
                problems.push(format!("member {i} has an unreadable name: {e}"));
                continue;
            }
        };
        let mut bytes = Vec::new();
        if let Err(e) = f.read_to_end(&mut bytes) {
            problems.push(format!("{name}: cannot be read: {e}"));
            continue;
        }
        members.insert(name, bytes);
    }
    let Some(manifest_bytes) = members.remove(MANIFEST) else {
        problems.push(format!("{MANIFEST} is missing"));
        return Err(problems);
    };
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            problems.push(format!("{MANIFEST} is not a pack manifest: {e}"));
            return Err(problems);
        }
    };
    if manifest.format != FORMAT {
        problems.push(format!("unknown pack format {:?}", manifest.format));
    }
    for entry in &manifest.files {
        match members.remove(&entry.name) {
            None => problems.push(format!(
                "{}: listed in the manifest but missing",
                entry.name
            )),
            Some(bytes) => {
                let actual = hex::encode(Sha256::digest(&bytes));
                if actual != entry.sha256 || bytes.len() as u64 != entry.bytes {
                    problems.push(format!(
                        "{}: modified (SHA-256 {actual}, {} bytes; the manifest says {}, {} bytes)",
                        entry.name,
                        bytes.len(),
                        entry.sha256,
                        entry.bytes
                    ));
                }
            }
        }
    }
    for extra in members.keys() {
        problems.push(format!("{extra}: not listed in the manifest"));
    }
    if let Some(expected) = expected_key
        && !expected.trim().eq_ignore_ascii_case(&manifest.public_key)
    {
        problems.push(format!(
            "signed by {}, not by the expected key {}",
            manifest.public_key,
            expected.trim()
        ));
    }
    let key = hex::decode(&manifest.public_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok());
    let signature = hex::decode(&manifest.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    match (key, signature) {
        (Some(k), Some(s)) => {
            if k.verify_strict(&manifest.signed_bytes(), &s).is_err() {
                problems.push("the manifest's signature does not match its content".into());
            }
        }
        _ => problems.push("the manifest's public key or signature is malformed".into()),
    }
    if problems.is_empty() {
        Ok(manifest)
    } else {
        Err(problems)
    }
}

/// `[packs]` in the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacksConfig {
    /// File holding the Ed25519 seed in hex (`keyledger pack-key --generate`).
    pub signing_key: Option<std::path::PathBuf>,
    #[serde(default)]
    pub schedules: Vec<schedule::Schedule>,
}

/// What the service needs to make packs.
#[derive(Debug, Default)]
pub struct PackSettings {
    pub key: Option<SigningKey>,
    pub schedules: Vec<schedule::Checked>,
}

impl PacksConfig {
    pub fn load(self) -> Result<PackSettings, String> {
        let key = self
            .signing_key
            .as_deref()
            .map(load_signing_key)
            .transpose()?;
        let schedules = self
            .schedules
            .into_iter()
            .map(schedule::Schedule::check)
            .collect::<Result<Vec<_>, _>>()?;
        if key.is_none() && !schedules.is_empty() {
            return Err("[[packs.schedules]] need [packs] signing_key".into());
        }
        Ok(PackSettings { key, schedules })
    }
}
