//! Local files: one file, or a folder tree such as a copy of a CloudTrail
//! bucket (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`).
//!
//! Files are read by a small pool of threads, each streaming one file at a
//! time through gzip and the record splitter; chunks travel to the caller
//! through a bounded channel, so memory is bounded by
//! `(threads + channel capacity) × chunk size` whatever the input size.

use std::{
    fs,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, mpsc as std_mpsc},
    thread,
};

use keyledger_schemas::gateway::Format;
use tokio::sync::mpsc;

use super::{
    Chunk, Source, SourceStats,
    object::{Collector, Msg, Object, kind_of, read_object},
};
use crate::{
    Error, Result,
    assemble::{Assembler, DEFAULT_CHUNK_BYTES},
    digest::{IntegrityReport, PublicKeys},
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

/// Reads CloudTrail files from a path.
#[derive(Debug)]
pub struct FileSource {
    id: String,
    collector: Collector,
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
                    let _ = tx.blocking_send(Msg::Chunk(asm.take(), Vec::new()));
                }
            });
        }
        Ok(FileSource {
            id: format!("file://{}", path.display()),
            collector: Collector::new(rx, options.public_keys),
        })
    }
}

/// Read one file; a digest's signature is in a `.signature` file beside it.
fn read_file(
    path: &Path,
    gateway_format: Option<Format>,
    asm: &mut Assembler,
    tx: &mpsc::Sender<Msg>,
) -> super::object::Sent {
    let origin = path.display().to_string();
    let obj = Object {
        origin: &origin,
        kind: kind_of(&origin),
        gateway_format,
    };
    let signature = || fs::read_to_string(format!("{origin}.signature")).ok();
    read_object(&obj, fs::File::open(path), signature, asm, tx)
}

#[async_trait::async_trait]
impl Source for FileSource {
    fn id(&self) -> &str {
        &self.id
    }

    async fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        Ok(self.collector.next().await?.map(|(c, _)| c))
    }

    fn stats(&self) -> SourceStats {
        self.collector.stats
    }

    fn integrity(&self) -> Option<IntegrityReport> {
        self.collector.integrity()
    }
}
