use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::{
    execution::{SendableRecordBatchStream, object_store::ObjectStoreUrl},
    prelude::{DataFrame, SessionConfig, SessionContext},
};
use keyledger_schemas::Stream;
use keyledger_store::{Snapshot, Store};

use crate::{Result, table::LedgerTable};

/// The URL under which the store's object store is registered.
const STORE_URL: &str = "keyledger://store/";

/// A query session over one snapshot of a store.
#[derive(Clone)]
pub struct Ledger {
    ctx: SessionContext,
    snapshot: Arc<Snapshot>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("sequence", &self.snapshot.sequence)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// Open a session on the store's latest commit.
    pub async fn open(store: &Store) -> Result<Ledger> {
        let snapshot = store.snapshot().await?;
        Self::at(store, snapshot)
    }

    /// A session on a given snapshot.
    pub fn at(store: &Store, snapshot: Snapshot) -> Result<Ledger> {
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(std::thread::available_parallelism().map_or(2, |n| n.get()));
        let ctx = SessionContext::new_with_config(config);
        let url = ObjectStoreUrl::parse(STORE_URL)?;
        ctx.register_object_store(url.as_ref(), store.object_store().clone());
        for stream in Stream::ALL {
            ctx.register_table(
                stream.name(),
                Arc::new(LedgerTable::new(stream, &snapshot, url.clone())),
            )?;
        }
        Ok(Ledger {
            ctx,
            snapshot: Arc::new(snapshot),
        })
    }

    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub async fn sql(&self, sql: &str) -> Result<DataFrame> {
        Ok(self.ctx.sql(sql).await?)
    }

    /// Run a query and collect the result.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.sql(sql).await?.collect().await?)
    }

    /// Run a query and stream the result.
    pub async fn stream(&self, sql: &str) -> Result<SendableRecordBatchStream> {
        Ok(self.sql(sql).await?.execute_stream().await?)
    }
}
