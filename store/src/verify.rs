//! Recheck everything the manifest promises.
//!
//! - every commit file parses, sequences run 1, 2, 3… without gaps, and each
//!   commit's `previous_hash` is the SHA-256 of the previous commit file;
//! - every segment and quarantine file a commit lists exists, with the size
//!   and SHA-256 the commit recorded;
//! - nothing under `data/`, `quarantine/` or `manifest/` is unaccounted for.
//!
//! Problems are reported in store order, so the first one names the first
//! thing that does not match.

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStore, ObjectStoreExt, path::Path};
use sha2::{Digest, Sha256};

use crate::{Error, Result, layout, manifest};

/// One thing that does not match what the manifest recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("commit {path} is unreadable: {reason}")]
    CommitUnreadable { path: String, reason: String },
    #[error("commit {expected:020} is missing (found {found:020} next)")]
    CommitMissing { expected: u64, found: u64 },
    #[error("commit {path} was modified: its content does not match its seal")]
    CommitModified { path: String },
    #[error("commit {path} claims sequence {claimed}")]
    SequenceMismatch { path: String, claimed: u64 },
    #[error(
        "hash chain broken at {path}: previous_hash is {recorded}, but the previous commit hashes to {actual}"
    )]
    ChainBroken {
        path: String,
        recorded: String,
        actual: String,
    },
    #[error("{path} (listed in commit {commit:020}) is missing")]
    FileMissing { path: String, commit: u64 },
    #[error(
        "{path} was modified: recorded SHA-256 {recorded} ({recorded_bytes} bytes), found {actual} ({actual_bytes} bytes)"
    )]
    FileModified {
        path: String,
        recorded: String,
        actual: String,
        recorded_bytes: u64,
        actual_bytes: u64,
    },
    #[error("{path} is not listed in any commit (added outside keyledger)")]
    FileUnlisted { path: String },
}

/// The outcome of [`crate::Store::verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub commits: u64,
    pub files_checked: u64,
    pub bytes_checked: u64,
    pub rows: u64,
    pub head_hash: Option<String>,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Clone)]
struct Listed {
    sha256: String,
    bytes: u64,
    commit: u64,
}

async fn hash_object(
    os: &dyn ObjectStore,
    path: &Path,
) -> std::result::Result<(String, u64), object_store::Error> {
    let mut stream = os.get(path).await?.into_stream();
    let mut h = Sha256::new();
    let mut n = 0u64;
    while let Some(chunk) = stream.try_next().await? {
        n += chunk.len() as u64;
        h.update(&chunk);
    }
    Ok((hex::encode(h.finalize()), n))
}

pub(crate) async fn verify(os: &dyn ObjectStore) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let (commit_paths, strays) = manifest::list_commit_paths(os).await?;
    for s in strays {
        report.problems.push(Problem::FileUnlisted {
            path: s.to_string(),
        });
    }

    // 1. The chain.
    let mut listed: BTreeMap<String, Listed> = BTreeMap::new();
    let mut previous: Option<String> = None;
    let mut expected_seq = 1;
    for (seq, path) in &commit_paths {
        if *seq != expected_seq {
            report.problems.push(Problem::CommitMissing {
                expected: expected_seq,
                found: *seq,
            });
        }
        expected_seq = seq + 1;
        let stored = match manifest::read_commit(os, path).await {
            Ok(c) => c,
            Err(Error::BadCommit { reason, .. }) => {
                report.problems.push(Problem::CommitUnreadable {
                    path: path.to_string(),
                    reason,
                });
                previous = None;
                continue;
            }
            Err(e) => return Err(e),
        };
        let c = &stored.commit;
        if !c.seal_ok() {
            report.problems.push(Problem::CommitModified {
                path: path.to_string(),
            });
        }
        if c.sequence != *seq {
            report.problems.push(Problem::SequenceMismatch {
                path: path.to_string(),
                claimed: c.sequence,
            });
        }
        let recorded = c.previous_hash.clone().unwrap_or_else(|| "null".into());
        let actual = previous.clone().unwrap_or_else(|| "null".into());
        if recorded != actual && !(*seq == 1 && c.previous_hash.is_none()) {
            report.problems.push(Problem::ChainBroken {
                path: path.to_string(),
                recorded,
                actual,
            });
        }
        for s in &c.segments {
            listed.insert(
                s.path.clone(),
                Listed {
                    sha256: s.sha256.clone(),
                    bytes: s.bytes,
                    commit: *seq,
                },
            );
            report.rows += s.rows;
        }
        for q in &c.quarantine {
            listed.insert(
                q.path.clone(),
                Listed {
                    sha256: q.sha256.clone(),
                    bytes: q.bytes,
                    commit: *seq,
                },
            );
        }
        previous = Some(stored.hash.clone());
        report.commits += 1;
    }
    report.head_hash = previous;

    // 2. The files: what exists under data/ and quarantine/ (and what is
    // still waiting in _staging/ after an interrupted publication).
    let mut present: BTreeSet<String> = BTreeSet::new();
    let mut staged: BTreeMap<String, Path> = BTreeMap::new();
    for prefix in [layout::DATA, layout::QUARANTINE, layout::STAGING] {
        let p = Path::from(prefix);
        let metas: Vec<_> = os
            .list(Some(&p))
            .try_collect()
            .await
            .map_err(|e| Error::os("list", &p, e))?;
        for m in metas {
            if prefix == layout::STAGING {
                staged.insert(
                    m.location.filename().unwrap_or_default().to_owned(),
                    m.location,
                );
            } else {
                present.insert(m.location.to_string());
            }
        }
    }
    for p in &present {
        if !listed.contains_key(p) {
            report
                .problems
                .push(Problem::FileUnlisted { path: p.clone() });
        }
    }
    // Owned jobs: the futures must not borrow from a closure argument, or
    // the whole verify future stops being `Send` for every lifetime.
    let jobs: Vec<(String, Listed, Option<Path>)> = listed
        .iter()
        .map(|(path, l)| {
            let location = if present.contains(path) {
                Some(Path::from(path.as_str()))
            } else {
                staged.get(path.rsplit('/').next().unwrap_or(path)).cloned()
            };
            (path.clone(), l.clone(), location)
        })
        .collect();
    let checks = jobs.into_iter().map(|(path, l, location)| async move {
        let Some(location) = location else {
            return Ok(Some(Problem::FileMissing {
                path,
                commit: l.commit,
            }));
        };
        let (actual, n) = hash_object(os, &location)
            .await
            .map_err(|e| Error::os("get", &location, e))?;
        Ok::<_, Error>(
            (actual != l.sha256 || n != l.bytes).then_some(Problem::FileModified {
                path,
                recorded: l.sha256,
                actual,
                recorded_bytes: l.bytes,
                actual_bytes: n,
            }),
        )
    });
    let results: Vec<_> = futures::stream::iter(checks)
        .buffered(8)
        .try_collect()
        .await?;
    report.files_checked = listed.len() as u64;
    report.problems.extend(results.into_iter().flatten());
    report.bytes_checked = listed.values().map(|l| l.bytes).sum();
    Ok(report)
}
