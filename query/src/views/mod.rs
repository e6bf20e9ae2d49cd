//! The SQL views every session has: `key_state`, `rotation_compliance`,
//! `rds_keys`, `rds_snapshots`, `findings`. They are computed in Rust from
//! the store's tables (a fold is not a join), memoised per snapshot, and
//! read the session's `keyledger.*` settings, so `SET keyledger.policy_days
//! = 90` changes what they say.

mod findings;
mod keys;
mod rds;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use arrow::{array::RecordBatch, datatypes::SchemaRef};
use async_trait::async_trait;
use datafusion::{
    catalog::Session,
    datasource::{TableType, memory::MemorySourceConfig},
    error::{DataFusionError, Result as DfResult},
    logical_expr::Expr,
    physical_plan::ExecutionPlan,
    prelude::SessionContext,
};
use keyledger_schemas::time;
use tokio::sync::OnceCell;

use crate::{
    Result,
    anomaly::AnomalyConfig,
    config::KeyledgerConfig,
    findings::Finding,
    keys::{KeyTimeline, load_timelines},
    rds::{RdsEvents, load_rds},
};

/// Which view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    KeyState,
    RotationCompliance,
    RdsKeys,
    RdsSnapshots,
    Findings,
}

impl View {
    pub const ALL: [View; 5] = [
        View::KeyState,
        View::RotationCompliance,
        View::RdsKeys,
        View::RdsSnapshots,
        View::Findings,
    ];

    pub fn name(self) -> &'static str {
        match self {
            View::KeyState => "key_state",
            View::RotationCompliance => "rotation_compliance",
            View::RdsKeys => "rds_keys",
            View::RdsSnapshots => "rds_snapshots",
            View::Findings => "findings",
        }
    }
}

/// Settings a view is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Settings {
    /// Microseconds since the epoch (exclusive bound on events).
    pub as_of: i64,
    pub policy_days: u32,
    pub anomaly: AnomalyConfig,
}

/// Read `keyledger.as_of`: empty is now (rounded up to the minute, so
/// repeated queries share results and nothing just stored is left out), a
/// date is the end of that day (UTC), else RFC 3339.
pub fn parse_as_of(s: &str) -> std::result::Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        let now = chrono::Utc::now().timestamp_micros();
        return Ok(now - now.rem_euclid(60_000_000) + 60_000_000);
    }
    if let Some(d) = time::date32_from_str(s) {
        return Ok((i64::from(d) + 1) * 86_400_000_000);
    }
    time::parse_text(s).map(time::to_micros).ok_or_else(|| {
        format!("keyledger.as_of: cannot read {s:?} (a date YYYY-MM-DD or an RFC 3339 time)")
    })
}

impl Settings {
    pub fn from_session(state: &dyn Session) -> DfResult<Settings> {
        let cfg = state
            .config_options()
            .extensions
            .get::<KeyledgerConfig>()
            .cloned()
            .unwrap_or_default();
        let as_of = parse_as_of(&cfg.as_of).map_err(DataFusionError::Plan)?;
        Ok(Settings {
            as_of,
            policy_days: cfg.policy_days,
            anomaly: AnomalyConfig::from(&cfg),
        })
    }
}

/// What the views are computed from, loaded once per snapshot.
pub struct Derived {
    /// A session over the store's tables only (the views query it).
    base: SessionContext,
    timelines: OnceCell<Arc<Vec<KeyTimeline>>>,
    rds: OnceCell<Arc<RdsEvents>>,
    events: OnceCell<Arc<Vec<Finding>>>,
    anomalies: Mutex<HashMap<AnomalyConfig, Arc<Vec<Finding>>>>,
    cache: Mutex<HashMap<(View, Settings), RecordBatch>>,
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived").finish_non_exhaustive()
    }
}

impl Derived {
    pub fn new(base: SessionContext) -> Self {
        Derived {
            base,
            timelines: OnceCell::new(),
            rds: OnceCell::new(),
            events: OnceCell::new(),
            anomalies: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub async fn timelines(&self) -> Result<Arc<Vec<KeyTimeline>>> {
        self.timelines
            .get_or_try_init(|| async { Ok(Arc::new(load_timelines(&self.base).await?)) })
            .await
            .cloned()
    }

    pub async fn rds(&self) -> Result<Arc<RdsEvents>> {
        self.rds
            .get_or_try_init(|| async { Ok(Arc::new(load_rds(&self.base).await?)) })
            .await
            .cloned()
    }

    /// Findings about single events (critical key and trail events).
    pub async fn event_findings(&self) -> Result<Arc<Vec<Finding>>> {
        self.events
            .get_or_try_init(|| async {
                Ok(Arc::new(
                    crate::findings::critical::detect(&self.base).await?,
                ))
            })
            .await
            .cloned()
    }

    /// Anomaly findings for these tunables, memoised.
    pub async fn anomalies(&self, cfg: AnomalyConfig) -> Result<Arc<Vec<Finding>>> {
        if let Some(found) = self
            .anomalies
            .lock()
            .ok()
            .and_then(|m| m.get(&cfg).cloned())
        {
            return Ok(found);
        }
        let found = Arc::new(crate::anomaly::detect(&self.base, &cfg).await?);
        if let Ok(mut m) = self.anomalies.lock() {
            m.insert(cfg, found.clone());
        }
        Ok(found)
    }

    /// The view's rows for the settings, memoised.
    pub async fn compute(&self, view: View, s: Settings) -> Result<RecordBatch> {
        if let Some(b) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.get(&(view, s)).cloned())
        {
            return Ok(b);
        }
        let batch = match view {
            View::KeyState => keys::key_state(self, s).await?,
            View::RotationCompliance => keys::rotation_compliance(self, s).await?,
            View::RdsKeys => rds::databases(self, s).await?,
            View::RdsSnapshots => rds::snapshots(self, s).await?,
            View::Findings => findings::findings(self, s).await?,
        };
        if let Ok(mut c) = self.cache.lock() {
            c.insert((view, s), batch.clone());
        }
        Ok(batch)
    }
}

/// A view as a table.
#[derive(Debug)]
pub struct ViewTable {
    view: View,
    schema: SchemaRef,
    derived: Arc<Derived>,
}

impl ViewTable {
    pub fn new(view: View, derived: Arc<Derived>) -> Self {
        let schema = match view {
            View::KeyState => keys::key_state_batch(&[], 0).schema(),
            View::RotationCompliance => keys::rotation_batch(
                &[],
                Settings {
                    as_of: 0,
                    policy_days: 0,
                    anomaly: AnomalyConfig::default(),
                },
            )
            .schema(),
            View::RdsKeys => rds::databases_batch(&[]).schema(),
            View::RdsSnapshots => rds::snapshots_batch(&[]).schema(),
            View::Findings => crate::findings::to_batch(&[]).schema(),
        };
        ViewTable {
            view,
            schema,
            derived,
        }
    }
}

#[async_trait]
impl datafusion::catalog::TableProvider for ViewTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let settings = Settings::from_session(state)?;
        let batch = self
            .derived
            .compute(self.view, settings)
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        MemorySourceConfig::try_new_exec(&[vec![batch]], self.schema.clone(), projection.cloned())
            .map(|e| e as Arc<dyn ExecutionPlan>)
    }
}
