//! Finishing interrupted publications.
//!
//! A writer moves a file from `_staging/` to its final path only after the
//! commit that lists it is durable. If it dies in between, the committed
//! file is still in `_staging/`: [`publish_pending`] moves it. A staged file
//! that no commit lists was never committed (its writer died before
//! committing); it is removed once it is older than [`ABANDONED_AFTER`], so
//! that a live writer's file is never touched.

use std::{collections::HashMap, time::Duration};

use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt, path::Path};

use crate::{Error, Result, Snapshot, layout};

pub const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

/// Final path of every file the snapshot references, by file name.
fn committed_names(snapshot: &Snapshot) -> HashMap<String, String> {
    let mut names = HashMap::new();
    let paths = snapshot
        .segments()
        .iter()
        .map(|s| s.path.as_str())
        .chain(snapshot.quarantine_files.iter().map(String::as_str));
    for p in paths {
        let name = p.rsplit('/').next().unwrap_or(p);
        names.insert(name.to_owned(), p.to_owned());
    }
    names
}

/// Move committed files left in `_staging/` into place; drop abandoned ones.
/// Returns how many files were published.
pub async fn publish_pending(os: &dyn ObjectStore, snapshot: &Snapshot) -> Result<usize> {
    let prefix = Path::from(layout::STAGING);
    let staged: Vec<_> = os
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|e| Error::os("list", &prefix, e))?;
    if staged.is_empty() {
        return Ok(0);
    }
    let names = committed_names(snapshot);
    let mut published = 0;
    for meta in staged {
        let name = meta.location.filename().unwrap_or_default().to_owned();
        match names.get(&name) {
            Some(final_path) => {
                let to = Path::from(final_path.as_str());
                if os.head(&to).await.is_ok() {
                    os.delete(&meta.location)
                        .await
                        .map_err(|e| Error::os("delete", &meta.location, e))?;
                } else {
                    os.rename(&meta.location, &to)
                        .await
                        .map_err(|e| Error::os("rename", &meta.location, e))?;
                    published += 1;
                }
                tracing::info!(path = %final_path, "published a file left staged by an interrupted writer");
            }
            None => {
                let age = chrono::Utc::now().signed_duration_since(meta.last_modified);
                if age.to_std().is_ok_and(|a| a > ABANDONED_AFTER) {
                    tracing::info!(path = %meta.location, "removing an abandoned, never committed staged file");
                    os.delete(&meta.location)
                        .await
                        .map_err(|e| Error::os("delete", &meta.location, e))?;
                }
            }
        }
    }
    Ok(published)
}
