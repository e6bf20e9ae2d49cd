use std::sync::Arc;

use keyledger_query::Ledger;
use tokio::sync::RwLock;

use crate::{Auth, WebConfig, metrics::Metrics};

/// The result of the last integrity check of the store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Integrity {
    pub checked_at: String,
    pub ok: bool,
    pub commits: u64,
    pub files: u64,
    pub head_hash: Option<String>,
    pub problems: Vec<String>,
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The ledger at the latest commit seen; replaced by [`AppState::refresh`].
    ledger: Arc<std::sync::RwLock<Arc<Ledger>>>,
    pub auth: Arc<Auth>,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
    pub integrity: Arc<RwLock<Option<Integrity>>>,
    evidence_cache: Arc<std::sync::Mutex<EvidenceCache>>,
    packs: Arc<crate::pack::PackSettings>,
}

type EvidenceCache =
    std::collections::HashMap<(u64, String, String, u32), Arc<crate::report::Evidence>>;

impl AppState {
    pub fn new(ledger: Ledger, auth: Auth, config: WebConfig) -> Self {
        AppState {
            ledger: Arc::new(std::sync::RwLock::new(Arc::new(ledger))),
            auth: Arc::new(auth),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            integrity: Arc::new(RwLock::new(None)),
            evidence_cache: Arc::default(),
            packs: Arc::default(),
        }
    }

    /// Sign packs with this key, and run these schedules.
    pub fn with_packs(mut self, settings: crate::pack::PackSettings) -> Self {
        self.packs = Arc::new(settings);
        self
    }

    pub fn packs_settings(&self) -> &crate::pack::PackSettings {
        &self.packs
    }

    /// The ledger as of the latest commit seen.
    pub fn ledger(&self) -> Arc<Ledger> {
        match self.ledger.read() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Look for new commits; when there are, serve them (and forget what was
    /// computed from the older snapshot). Returns whether it changed.
    pub async fn refresh(&self) -> Result<bool, crate::AppError> {
        let current = self.ledger();
        let store = current.store().clone();
        let mut snapshot = current.snapshot().clone();
        let newer = store
            .catch_up(&mut snapshot)
            .await
            .map_err(crate::AppError::internal)?;
        if !newer {
            return Ok(false);
        }
        let fresh = Ledger::at(&store, snapshot)?;
        if let Ok(mut l) = self.ledger.write() {
            *l = Arc::new(fresh);
        }
        if let Ok(mut c) = self.evidence_cache.lock() {
            c.clear();
        }
        Ok(true)
    }

    /// Recheck the store (every hash, the chain) and remember the outcome.
    pub async fn check_integrity(&self) {
        let report = self.ledger().store().verify().await;
        let status = match report {
            Ok(r) => Integrity {
                checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ok: r.is_ok(),
                commits: r.commits,
                files: r.files_checked,
                head_hash: r.head_hash.clone(),
                problems: r.problems.iter().map(ToString::to_string).collect(),
            },
            Err(e) => Integrity {
                checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ok: false,
                commits: 0,
                files: 0,
                head_hash: None,
                problems: vec![format!("the check could not run: {e}")],
            },
        };
        *self.integrity.write().await = Some(status);
    }

    /// Whether authentication is off (said on every page).
    pub fn open_access(&self) -> bool {
        matches!(*self.auth, Auth::Off)
    }
}

impl AppState {
    /// The report evidence for a period and policy, memoised for the
    /// snapshot (it cannot change under a fixed snapshot).
    pub(crate) async fn evidence(
        &self,
        start: &str,
        end: &str,
        policy_days: u32,
    ) -> Result<Arc<crate::report::Evidence>, crate::AppError> {
        let ledger = self.ledger();
        let key = (
            ledger.snapshot().sequence,
            start.to_owned(),
            end.to_owned(),
            policy_days,
        );
        if let Some(e) = self
            .evidence_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return Ok(e);
        }
        let ev = Arc::new(crate::report::Evidence::gather(&ledger, start, end, policy_days).await?);
        if let Ok(mut c) = self.evidence_cache.lock() {
            if c.len() > 64 {
                c.clear();
            }
            c.insert(key, ev.clone());
        }
        Ok(ev)
    }
}

impl AppState {
    /// The packs stored with the ledger, newest first.
    pub(crate) async fn packs(
        &self,
    ) -> Result<Vec<crate::pages::packs::PackEntry>, crate::AppError> {
        let mut packs: Vec<_> = self
            .ledger()
            .store()
            .list_packs()
            .await
            .map_err(crate::AppError::internal)?
            .into_iter()
            .map(|p| {
                // <framework>_<start>_<end>_c<commit>.zip
                let stem = p.name.trim_end_matches(".zip");
                let parts: Vec<&str> = stem.split('_').collect();
                crate::pages::packs::PackEntry {
                    framework: parts.first().copied().unwrap_or_default().to_owned(),
                    period: match (parts.get(1), parts.get(2)) {
                        (Some(a), Some(b)) => format!("{a} to {b}"),
                        _ => String::new(),
                    },
                    commit: parts
                        .get(3)
                        .and_then(|c| c.trim_start_matches('c').parse().ok())
                        .unwrap_or(0),
                    bytes: p.bytes,
                    schedule: parts.get(4).copied().unwrap_or_default().to_owned(),
                    name: p.name,
                }
            })
            .collect();
        packs.sort_by(|a, b| b.name.cmp(&a.name));
        Ok(packs)
    }
}
