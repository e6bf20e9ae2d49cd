use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::{
    execution::{SendableRecordBatchStream, object_store::ObjectStoreUrl},
    prelude::{DataFrame, SessionConfig, SessionContext},
};
use keyledger_schemas::Stream;
use keyledger_store::{Snapshot, Store};

use crate::{
    KeyledgerConfig, Result,
    table::LedgerTable,
    views::{Derived, View, ViewTable},
};

/// The URL under which the store's object store is registered.
const STORE_URL: &str = "keyledger://store/";

/// A query session over one snapshot of a store.
#[derive(Clone)]
pub struct Ledger {
    ctx: SessionContext,
    store: Store,
    snapshot: Arc<Snapshot>,
    derived: Arc<Derived>,
}

fn config() -> SessionConfig {
    SessionConfig::new()
        .with_information_schema(true)
        .with_target_partitions(std::thread::available_parallelism().map_or(2, |n| n.get()))
        .with_option_extension(KeyledgerConfig::default())
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
        let url = ObjectStoreUrl::parse(STORE_URL)?;
        let tables = |ctx: &SessionContext| -> Result<()> {
            ctx.register_object_store(url.as_ref(), store.object_store().clone());
            for stream in Stream::ALL {
                let table = LedgerTable::new(stream, &snapshot, url.clone());
                ctx.register_table(stream.name(), Arc::new(table))?;
            }
            Ok(())
        };
        // The views compute from a session of their own over the same tables.
        let base = SessionContext::new_with_config(config());
        tables(&base)?;
        let derived = Arc::new(Derived::new(base));
        let ctx = SessionContext::new_with_config(config());
        tables(&ctx)?;
        for view in View::ALL {
            ctx.register_table(view.name(), Arc::new(ViewTable::new(view, derived.clone())))?;
        }
        Ok(Ledger {
            ctx,
            store: store.clone(),
            snapshot: Arc::new(snapshot),
            derived,
        })
    }

    /// The store this session reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A session over the same snapshot with some `keyledger.*` settings
    /// changed, leaving this one as it is (for concurrent requests with
    /// different settings). Views keep sharing their memoised state.
    pub fn with_settings(&self, settings: &[(&str, String)]) -> Result<Ledger> {
        let mut state = self.ctx.state();
        for (name, value) in settings {
            state
                .config_mut()
                .options_mut()
                .set(&format!("keyledger.{name}"), value)?;
        }
        Ok(Ledger {
            ctx: SessionContext::new_with_state(state),
            ..self.clone()
        })
    }

    /// A session for untrusted SQL: the same tables and views, a memory
    /// limit on query execution, and (see [`crate::sandbox`]) only reads.
    pub fn sandboxed(&self, memory_limit: usize) -> Result<SessionContext> {
        let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::from_runtime_env(
            &self.ctx.runtime_env(),
        )
        .with_memory_limit(memory_limit, 1.0)
        .build_arc()?;
        let state = datafusion::execution::SessionStateBuilder::new_from_existing(self.ctx.state())
            .with_runtime_env(runtime)
            .build();
        Ok(SessionContext::new_with_state(state))
    }

    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The views' shared state (key timelines, RDS events, findings).
    pub fn derived(&self) -> &Arc<Derived> {
        &self.derived
    }

    /// Set a `keyledger.*` option for this session (as `SET` does).
    pub fn set(&self, name: &str, value: &str) -> Result<()> {
        self.ctx
            .state_ref()
            .write()
            .config_mut()
            .options_mut()
            .set(&format!("keyledger.{name}"), value)?;
        Ok(())
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
