//! Compliance packs kept with the ledger under `packs/`. They are not
//! events: a pack is self-verifying (its manifest is signed), and writing
//! one never touches the manifest chain.

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload, path::Path};

use crate::{Error, Result, Store};

pub const PACKS: &str = "packs";

/// A stored pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackInfo {
    pub name: String,
    pub bytes: u64,
}

fn valid(name: &str) -> bool {
    !name.is_empty()
        && name.ends_with(".zip")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.')
}

impl Store {
    pub async fn list_packs(&self) -> Result<Vec<PackInfo>> {
        let prefix = Path::from(PACKS);
        let metas: Vec<_> = self
            .os
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| Error::os("list", &prefix, e))?;
        Ok(metas
            .into_iter()
            .filter_map(|m| {
                let name = m.location.filename()?.to_owned();
                valid(&name).then_some(PackInfo {
                    name,
                    bytes: m.size,
                })
            })
            .collect())
    }

    /// Store a pack; an existing pack of the same name is never replaced.
    pub async fn put_pack(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        if !valid(name) {
            return Err(Error::PackNotFound {
                name: name.to_owned(),
            });
        }
        let path = Path::from(format!("{PACKS}/{name}"));
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self.os.put_opts(&path, PutPayload::from(bytes), opts).await {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(Error::os("put", &path, e)),
        }
    }

    pub async fn get_pack(&self, name: &str) -> Result<Bytes> {
        if !valid(name) {
            return Err(Error::PackNotFound {
                name: name.to_owned(),
            });
        }
        let path = Path::from(format!("{PACKS}/{name}"));
        match self.os.get(&path).await {
            Ok(r) => r.bytes().await.map_err(|e| Error::os("read", &path, e)),
            Err(object_store::Error::NotFound { .. }) => Err(Error::PackNotFound {
                name: name.to_owned(),
            }),
            Err(e) => Err(Error::os("get", &path, e)),
        }
    }

    pub async fn delete_pack(&self, name: &str) -> Result<()> {
        let path = Path::from(format!("{PACKS}/{name}"));
        self.os
            .delete(&path)
            .await
            .map_err(|e| Error::os("delete", &path, e))
    }
}
