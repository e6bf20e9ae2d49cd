//! Choosing a back-end by URL: a directory, `file:///…`, `memory://`.
//! The rest of the store only ever sees `Arc<dyn ObjectStore>`.

use std::sync::Arc;

use object_store::{ObjectStore, local::LocalFileSystem, memory::InMemory};

use crate::{Error, Result};

pub(crate) fn object_store_for(url: &str) -> Result<Arc<dyn ObjectStore>> {
    let err = |reason: &str| Error::Location {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    if url == "memory://" {
        return Ok(Arc::new(InMemory::new()));
    }
    if let Some((scheme, _)) = url.split_once("://")
        && scheme != "file"
    {
        return Err(err(
            "supported locations are a directory, file:///path and memory://",
        ));
    }
    let dir = url.strip_prefix("file://").unwrap_or(url);
    if dir.is_empty() {
        return Err(err("empty path"));
    }
    std::fs::create_dir_all(dir).map_err(|e| err(&format!("cannot create the directory: {e}")))?;
    let fs = LocalFileSystem::new_with_prefix(dir).map_err(|e| err(&e.to_string()))?;
    Ok(Arc::new(fs))
}
