//! Local files: one file, or a folder tree such as a copy of a CloudTrail
//! bucket (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`).
//!
//! Files are read by a small pool of threads, each streaming one file at a
//! time through gzip and the record splitter; chunks travel to the caller
//! through a bounded channel, so memory is bounded by
//! `(threads + channel capacity) × chunk size` whatever the input size.

use std::{
    fs,
    io::BufRead,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, mpsc as std_mpsc},
    thread,
};

use keyledger_schemas::gateway::{self, Format};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::{Chunk, Source, SourceStats};
use crate::{
    Error, Result,
    assemble::{Assembler, DEFAULT_CHUNK_BYTES},
    decode,
    digest::{self, DigestFile, IntegrityReport, PublicKeys, Verifier},
    split::RecordReader,
};

#[derive(Debug, Clone)]
pub struct FileOptions {
    /// Files read in parallel.
    pub threads: usize,
    /// Raw bytes per chunk.
    pub chunk_bytes: usize,
    /// CloudTrail public keys: when set, digest signatures are checked.
    pub public_keys: Option<PublicKeys>,
    /// Read every file as gateway logs of this format (default: detect
    /// CloudTrail or a gateway format per file and line).
    pub gateway_format: Option<Format>,
}

impl Default for FileOptions {
    fn default() -> Self {
        FileOptions {
            threads: thread::available_parallelism().map_or(2, |n| n.get()),
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            public_keys: None,
            gateway_format: None,
        }
    }
}

#[derive(Debug)]
enum Msg {
    Chunk(Chunk),
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
    Failed(Error),
}

/// Reads CloudTrail files from a path.
#[derive(Debug)]
pub struct FileSource {
    id: String,
    rx: mpsc::Receiver<Msg>,
    verifier: Verifier,
    keys: Option<PublicKeys>,
    stats: SourceStats,
    report: Option<IntegrityReport>,
}

/// What a path is, judged by its name.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Log,
    Digest,
    Skip,
}

fn kind_of(path: &Path) -> Kind {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let full = path.to_string_lossy();
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
    } else if digest::is_digest_path(&full) {
        Kind::Digest
    } else {
        Kind::Log
    }
}

fn walk(root: &Path, out: &std_mpsc::SyncSender<PathBuf>) -> Result<()> {
    let meta = fs::metadata(root).map_err(|source| Error::Walk {
        path: root.into(),
        source,
    })?;
    if meta.is_file() {
        let _ = out.send(root.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<_> = fs::read_dir(root)
        .map_err(|source| Error::Walk {
            path: root.into(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if out.send(p).is_err() {
            break;
        }
    }
    Ok(())
}

impl FileSource {
    pub fn open(path: &Path, options: FileOptions) -> Result<Self> {
        if !path.exists() {
            return Err(Error::NotFound { path: path.into() });
        }
        let threads = options.threads.max(1);
        let (tx, rx) = mpsc::channel(threads * 2);
        let (work_tx, work_rx) = std_mpsc::sync_channel::<PathBuf>(1024);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let root = path.to_path_buf();
        let walk_tx = tx.clone();
        thread::spawn(move || {
            if let Err(e) = walk(&root, &work_tx) {
                let _ = walk_tx.blocking_send(Msg::Failed(e));
            }
        });
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let tx = tx.clone();
            let chunk_bytes = options.chunk_bytes;
            let gateway_format = options.gateway_format;
            thread::spawn(move || {
                // One assembler per worker, across files: chunks stay near
                // `chunk_bytes` even when files are small (CloudTrail
                // delivers many files of a few events).
                let mut asm = Assembler::new(chunk_bytes);
                loop {
                    // The lock is held only to take the next path.
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(path)) = next else { break };
                    if read_file(&path, gateway_format, &mut asm, &tx).is_err() {
                        return; // receiver gone: the run is over
                    }
                }
                if !asm.is_empty() {
                    let _ = tx.blocking_send(Msg::Chunk(asm.take()));
                }
            });
        }
        Ok(FileSource {
            id: format!("file://{}", path.display()),
            rx,
            verifier: Verifier::default(),
            keys: options.public_keys,
            stats: SourceStats::default(),
            report: None,
        })
    }
}

type Sent = std::result::Result<(), mpsc::error::SendError<Msg>>;

/// Read one file into `asm`, sending chunks as they fill. Errs only when
/// the receiver is gone.
/// Does the start of a file look like CloudTrail rather than a gateway log?
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

/// Read a gateway log, line by line.
fn read_gateway(
    path: &Path,
    input: decode::Decoded,
    format: Option<Format>,
    (records_before, quarantined_before): (u64, u64),
    asm: &mut Assembler,
    tx: &mpsc::Sender<Msg>,
) -> Sent {
    let origin = path.display().to_string();
    let mut stats = SourceStats {
        objects: 1,
        ..Default::default()
    };
    let mut reader = input;
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    // A file is one format: the first line that names one decides.
    let mut file_format = format;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                asm.reject(
                    &origin,
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
                &origin,
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
        asm.push_gateway(&origin, line_no, line, file_format);
        if asm.is_full() {
            tx.blocking_send(Msg::Chunk(asm.take()))?;
        }
    }
    stats.records = asm.records - records_before;
    stats.quarantined = asm.quarantined - quarantined_before;
    if let Ok((_, bytes)) = decode::finish(reader) {
        stats.bytes = bytes;
    }
    tx.blocking_send(Msg::Stats(stats))
}

fn read_file(
    path: &Path,
    gateway_format: Option<Format>,
    asm: &mut Assembler,
    tx: &mpsc::Sender<Msg>,
) -> Sent {
    let origin = path.display().to_string();
    let mut stats = SourceStats::default();
    let kind = kind_of(path);
    if kind == Kind::Skip {
        stats.skipped = 1;
        return tx.blocking_send(Msg::Stats(stats));
    }
    let (records_before, quarantined_before) = (asm.records, asm.quarantined);
    let opened = fs::File::open(path).and_then(decode::decode);
    let mut input = match opened {
        Ok(d) => d,
        Err(e) => {
            asm.reject(&origin, "file".into(), format!("unreadable: {e}"), &[]);
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
    if kind == Kind::Digest || looks_like_digest(&head) {
        return read_digest(path, input, asm, tx);
    }
    let first_line = String::from_utf8_lossy(&head);
    let first_line = first_line
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let gateway = gateway_format.is_some()
        || (!looks_like_cloudtrail(&head) && gateway::detect(first_line).is_some());
    if gateway {
        return read_gateway(
            path,
            input,
            gateway_format,
            (records_before, quarantined_before),
            asm,
            tx,
        );
    }
    let mut reader = RecordReader::new(input);
    for item in &mut reader {
        asm.push_item(&origin, item);
        if asm.is_full() {
            tx.blocking_send(Msg::Chunk(asm.take()))?;
        }
    }
    stats.objects = 1;
    stats.records = asm.records - records_before;
    stats.quarantined = asm.quarantined - quarantined_before;
    if let Ok((sha256, bytes)) = decode::finish(reader.into_inner()) {
        stats.bytes = bytes;
        tx.blocking_send(Msg::Log {
            origin: origin.clone(),
            sha256,
        })?;
    }
    tx.blocking_send(Msg::Stats(stats))
}

fn read_digest(
    path: &Path,
    mut input: decode::Decoded,
    asm: &mut Assembler,
    tx: &mpsc::Sender<Msg>,
) -> Sent {
    let origin = path.display().to_string();
    let mut bytes = Vec::new();
    let read = std::io::Read::read_to_end(&mut input, &mut bytes);
    let parsed = read
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_slice::<DigestFile>(&bytes).map_err(|e| e.to_string()));
    match parsed {
        Ok(file) => {
            let sidecar = PathBuf::from(format!("{}.signature", path.display()));
            let signature = fs::read_to_string(sidecar)
                .ok()
                .map(|s| s.trim().to_owned());
            let sha256_hex = hex::encode(Sha256::digest(&bytes));
            tx.blocking_send(Msg::Digest {
                origin,
                sha256_hex,
                file: Box::new(file),
                signature,
            })?;
            tx.blocking_send(Msg::Stats(SourceStats {
                objects: 1,
                bytes: bytes.len() as u64,
                ..Default::default()
            }))
        }
        Err(reason) => {
            asm.reject(
                &origin,
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

fn add(a: &mut SourceStats, b: SourceStats) {
    a.objects += b.objects;
    a.bytes += b.bytes;
    a.records += b.records;
    a.quarantined += b.quarantined;
    a.skipped += b.skipped;
}

#[async_trait::async_trait]
impl Source for FileSource {
    fn id(&self) -> &str {
        &self.id
    }

    async fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        loop {
            match self.rx.recv().await {
                Some(Msg::Chunk(c)) => return Ok(Some(c)),
                Some(Msg::Stats(s)) => add(&mut self.stats, s),
                Some(Msg::Log { origin, sha256 }) => self.verifier.add_log(&origin, sha256),
                Some(Msg::Digest {
                    origin,
                    sha256_hex,
                    file,
                    signature,
                }) => self
                    .verifier
                    .add_digest(&origin, sha256_hex, *file, signature),
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

    fn stats(&self) -> SourceStats {
        self.stats
    }

    fn integrity(&self) -> Option<IntegrityReport> {
        self.report.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let k = |p: &str| kind_of(Path::new(p));
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
        assert_eq!(k(".hidden.json"), Kind::Skip);
    }
}
