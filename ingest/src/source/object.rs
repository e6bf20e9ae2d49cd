//! Reading one log object — a local file or an S3 object — into chunks:
//! CloudTrail logs, CloudTrail digest files, or gateway logs, told apart by
//! name and content. Shared by the file and S3 sources, which differ only
//! in how they find objects and open their bytes.

use std::io::{BufRead, Read};

use keyledger_schemas::gateway::{self, Format};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::{Chunk, SourceStats};
use crate::{
    Error,
    assemble::Assembler,
    decode,
    digest::{self, DigestFile, IntegrityReport, PublicKeys, Verifier},
    split::RecordReader,
};

/// What reader threads send to the source.
#[derive(Debug)]
pub(crate) enum Msg {
    /// Rows, plus the objects now wholly sent (for checkpoints).
    Chunk(Chunk, Vec<Done>),
    Stats(SourceStats),
    Log {
        origin: String,
        sha256: [u8; 32],
    },
    Digest {
        origin: String,
        sha256_hex: String,
        file: Box<DigestFile>,
        signature: Option<String>,
    },
    /// Keys under a prefix up to a key are deliberately not read.
    Skipped {
        prefix: String,
        up_to: String,
    },
    Failed(Error),
}

/// An object whose rows have all been sent.
#[derive(Debug)]
pub(crate) struct Done {
    /// Its ordinal in the source's listing.
    pub seq: u64,
    /// The checkpoint it may move, if any.
    pub leaf: Option<std::sync::Arc<str>>,
    pub key: String,
    pub settled: bool,
}

pub(crate) type Sent = std::result::Result<(), mpsc::error::SendError<Msg>>;

/// What an object is, judged by its name.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum Kind {
    Log,
    Digest,
    Skip,
}

/// Classify an object by its path or key.
pub(crate) fn kind_of(key: &str) -> Kind {
    let name = key.rsplit('/').next().unwrap_or(key);
    if name.starts_with('.') || name.ends_with(".signature") {
        return Kind::Skip;
    }
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").unwrap_or(&lower);
    let is_log = [".json", ".jsonl", ".ndjson", ".log"]
        .iter()
        .any(|e| base.ends_with(e));
    if !is_log {
        Kind::Skip
    } else if digest::is_digest_path(key) {
        Kind::Digest
    } else {
        Kind::Log
    }
}

/// Does the start of an object look like CloudTrail rather than a gateway log?
fn looks_like_cloudtrail(head: &[u8]) -> bool {
    let h = String::from_utf8_lossy(head);
    [
        "\"Records\"",
        "\"eventVersion\"",
        "\"eventTime\"",
        "\"CloudTrailEvent\"",
    ]
    .iter()
    .any(|k| h.contains(k))
}

/// How to read one object.
#[derive(Debug)]
pub(crate) struct Object<'a> {
    /// Path or `s3://` URI: names the object in quarantine and digests.
    pub origin: &'a str,
    pub kind: Kind,
    pub gateway_format: Option<Format>,
}

/// Read one object into `asm`, sending chunks as they fill. `signature`
/// is asked for only when the object is a digest. Errs only when the
/// receiver is gone.
pub(crate) fn read_object<R: Read + Send + 'static>(
    obj: &Object<'_>,
    input: std::io::Result<R>,
    signature: impl FnOnce() -> Option<String>,
    asm: &mut Assembler,
    tx: &mpsc::Sender<Msg>,
) -> Sent {
    let origin = obj.origin;
    let mut stats = SourceStats::default();
    if obj.kind == Kind::Skip {
        stats.skipped = 1;
        return tx.blocking_send(Msg::Stats(stats));
    }
    let (records_before, quarantined_before) = (asm.records, asm.quarantined);
    let mut input = match input.and_then(decode::decode) {
        Ok(d) => d,
        Err(e) => {
            asm.reject(origin, "file".into(), format!("unreadable: {e}"), &[]);
            stats.quarantined = 1;
            return tx.blocking_send(Msg::Stats(stats));
        }
    };
    let head = input
        .fill_buf()
        .map(|b| b[..b.len().min(4096)].to_vec())
        .unwrap_or_default();
    let looks_like_digest = |h: &[u8]| {
        let h = String::from_utf8_lossy(h);
        h.contains("\"digestS3Object\"") && h.contains("\"logFiles\"")
    };
    if obj.kind == Kind::Digest || looks_like_digest(&head) {
        return read_digest(origin, input, signature, asm, tx);
    }
    let first_line = String::from_utf8_lossy(&head);
    let first_line = first_line
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let gateway = obj.gateway_format.is_some()
        || (!looks_like_cloudtrail(&head) && gateway::detect(first_line).is_some());
    if gateway {
        return read_gateway(
            origin,
            input,
            obj.gateway_format,
            (records_before, quarantined_before),
            asm,
            tx,
        );
    }
    let mut reader = RecordReader::new(input);
    for item in &mut reader {
        asm.push_item(origin, item);
        if asm.is_full() {
            tx.blocking_send(Msg::Chunk(asm.take(), Vec::new()))?;
        }
    }
    stats.objects = 1;
    stats.records = asm.records - records_before;
    stats.quarantined = asm.quarantined - quarantined_before;
    if let Ok((sha256, bytes)) = decode::finish(reader.into_inner()) {
        stats.bytes = bytes;
        tx.blocking_send(Msg::Log {
            origin: origin.to_owned(),
            sha256,
        })?;
    }
    tx.blocking_send(Msg::Stats(stats))
}

/// Read a gateway log, line by line.
fn read_gateway(
    origin: &str,
    mut reader: decode::Decoded,
    format: Option<Format>,
    (records_before, quarantined_before): (u64, u64),
    asm: &mut Assembler,
    tx: &mpsc::Sender<Msg>,
) -> Sent {
    let mut stats = SourceStats {
        objects: 1,
        ..Default::default()
    };
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    // An object is one format: the first line that names one decides.
    let mut file_format = format;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                asm.reject(
                    origin,
                    format!("after line {line_no}"),
                    format!("unreadable input: {e}"),
                    &[],
                );
                break;
            }
        }
        line_no += 1;
        let Ok(line) = std::str::from_utf8(&buf) else {
            asm.reject(
                origin,
                format!("line {line_no}"),
                "not valid UTF-8".into(),
                &buf,
            );
            continue;
        };
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        if file_format.is_none() {
            file_format = gateway::detect(line);
        }
        asm.push_gateway(origin, line_no, line, file_format);
        if asm.is_full() {
            tx.blocking_send(Msg::Chunk(asm.take(), Vec::new()))?;
        }
    }
    stats.records = asm.records - records_before;
    stats.quarantined = asm.quarantined - quarantined_before;
    if let Ok((_, bytes)) = decode::finish(reader) {
        stats.bytes = bytes;
    }
    tx.blocking_send(Msg::Stats(stats))
}

fn read_digest(
    origin: &str,
    mut input: decode::Decoded,
    signature: impl FnOnce() -> Option<String>,
    asm: &mut Assembler,
    tx: &mpsc::Sender<Msg>,
) -> Sent {
    let mut bytes = Vec::new();
    let read = Read::read_to_end(&mut input, &mut bytes);
    let parsed = read
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_slice::<DigestFile>(&bytes).map_err(|e| e.to_string()));
    match parsed {
        Ok(file) => {
            let sha256_hex = hex::encode(Sha256::digest(&bytes));
            tx.blocking_send(Msg::Digest {
                origin: origin.to_owned(),
                sha256_hex,
                file: Box::new(file),
                signature: signature().map(|s| s.trim().to_owned()),
            })?;
            tx.blocking_send(Msg::Stats(SourceStats {
                objects: 1,
                bytes: bytes.len() as u64,
                ..Default::default()
            }))
        }
        Err(reason) => {
            asm.reject(
                origin,
                "digest file".into(),
                format!("unreadable CloudTrail digest: {reason}"),
                &bytes,
            );
            tx.blocking_send(Msg::Stats(SourceStats {
                objects: 1,
                quarantined: 1,
                ..Default::default()
            }))
        }
    }
}

/// The receiving end: counts, digest bookkeeping, and the integrity report
/// once the readers are done.
#[derive(Debug)]
pub(crate) struct Collector {
    rx: mpsc::Receiver<Msg>,
    verifier: Verifier,
    keys: Option<PublicKeys>,
    pub(super) stats: SourceStats,
    report: Option<IntegrityReport>,
}

impl Collector {
    pub(super) fn new(rx: mpsc::Receiver<Msg>, keys: Option<PublicKeys>) -> Self {
        Collector {
            rx,
            verifier: Verifier::default(),
            keys,
            stats: SourceStats::default(),
            report: None,
        }
    }

    /// The next chunk and the objects it completes; `None` at the end.
    pub(super) async fn next(&mut self) -> crate::Result<Option<(Chunk, Vec<Done>)>> {
        loop {
            match self.rx.recv().await {
                Some(Msg::Chunk(c, done)) => return Ok(Some((c, done))),
                Some(Msg::Stats(s)) => {
                    let a = &mut self.stats;
                    a.objects += s.objects;
                    a.bytes += s.bytes;
                    a.records += s.records;
                    a.quarantined += s.quarantined;
                    a.skipped += s.skipped;
                }
                Some(Msg::Log { origin, sha256 }) => self.verifier.add_log(&origin, sha256),
                Some(Msg::Digest {
                    origin,
                    sha256_hex,
                    file,
                    signature,
                }) => self
                    .verifier
                    .add_digest(&origin, sha256_hex, *file, signature),
                Some(Msg::Skipped { prefix, up_to }) => self.verifier.skipped(&prefix, &up_to),
                Some(Msg::Failed(e)) => return Err(e),
                None => {
                    if self.report.is_none() && !self.verifier.is_empty() {
                        self.report = Some(self.verifier.finish(self.keys.as_ref()));
                    }
                    return Ok(None);
                }
            }
        }
    }

    pub(super) fn integrity(&self) -> Option<IntegrityReport> {
        self.report.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let k = kind_of;
        assert_eq!(
            k("AWSLogs/1/CloudTrail/us-east-1/2025/03/06/1_CloudTrail_us-east-1_x.json.gz"),
            Kind::Log
        );
        assert_eq!(
            k("AWSLogs/1/CloudTrail-Digest/us-east-1/2025/03/06/1_CloudTrail-Digest_x.json.gz"),
            Kind::Digest
        );
        assert_eq!(k("events.ndjson"), Kind::Log);
        assert_eq!(k("README.md"), Kind::Skip);
        assert_eq!(k("x.json.gz.signature"), Kind::Skip);
        assert_eq!(k("dir/.hidden.json"), Kind::Skip);
    }
}
