use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectStore, ObjectStoreExt, path::Path};

use super::{Commit, commit::sha256_hex};
use crate::{Error, Result, layout};

/// A commit as stored: its file, parsed, and the hash of its bytes.
#[derive(Debug, Clone)]
pub struct StoredCommit {
    pub path: Path,
    pub commit: Commit,
    pub hash: String,
}

pub async fn read_commit(os: &dyn ObjectStore, path: &Path) -> Result<StoredCommit> {
    let bytes = os
        .get(path)
        .await
        .map_err(|e| Error::os("get", path, e))?
        .bytes()
        .await
        .map_err(|e| Error::os("read", path, e))?;
    let commit: Commit = serde_json::from_slice(&bytes).map_err(|e| Error::BadCommit {
        path: path.to_string(),
        reason: e.to_string(),
    })?;
    Ok(StoredCommit {
        path: path.clone(),
        commit,
        hash: sha256_hex(&bytes),
    })
}

/// The commit files present, sorted by sequence (names that are not commit
/// files are returned separately, for `verify`).
pub(crate) async fn list_commit_paths(
    os: &dyn ObjectStore,
) -> Result<(Vec<(u64, Path)>, Vec<Path>)> {
    let prefix = Path::from(layout::MANIFEST);
    let metas: Vec<_> = os
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|e| Error::os("list", &prefix, e))?;
    let mut commits = Vec::new();
    let mut strays = Vec::new();
    for m in metas {
        match layout::commit_sequence(&m.location) {
            Some(seq) => commits.push((seq, m.location)),
            None => strays.push(m.location),
        }
    }
    commits.sort();
    Ok((commits, strays))
}

/// Every commit with a sequence greater than `after`, in order.
pub async fn load_commits(os: &dyn ObjectStore, after: u64) -> Result<Vec<StoredCommit>> {
    let (paths, _) = list_commit_paths(os).await?;
    let wanted: Vec<_> = paths.into_iter().filter(|(s, _)| *s > after).collect();
    // Fetch a few at a time: a long chain on S3 is latency-bound.
    futures::stream::iter(wanted)
        .map(|(_, p)| async move { read_commit(os, &p).await })
        .buffered(16)
        .try_collect()
        .await
}
