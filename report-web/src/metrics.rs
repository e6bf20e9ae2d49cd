//! Prometheus metrics. Every name is defined here.

use std::{
    collections::BTreeMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use keyledger_schemas::Stream;

use crate::AppState;

pub const HTTP_REQUESTS: &str = "keyledger_http_requests_total";
pub const HTTP_SECONDS: &str = "keyledger_http_request_seconds_total";
pub const QUERIES: &str = "keyledger_sql_queries_total";
pub const QUERIES_REFUSED: &str = "keyledger_sql_queries_refused_total";
pub const STORE_EVENTS: &str = "keyledger_store_events";
pub const STORE_COMMIT: &str = "keyledger_store_commit";
pub const STORE_QUARANTINED: &str = "keyledger_store_quarantined_total";

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), (u64, f64)>>,
    pub queries: AtomicU64,
    pub queries_refused: AtomicU64,
}

impl Metrics {
    fn observe(&self, route: String, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            let e = m.entry((route, status)).or_default();
            e.0 += 1;
            e.1 += seconds;
        }
    }
}

pub(crate) async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    state.metrics.observe(
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// A Prometheus label value, escaped.
pub fn esc(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub(crate) async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    out.push_str(&format!("# HELP {HTTP_REQUESTS} HTTP requests by route and status.\n# TYPE {HTTP_REQUESTS} counter\n"));
    let requests = state
        .metrics
        .requests
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default();
    for ((route, status), (n, _)) in &requests {
        out.push_str(&format!(
            "{HTTP_REQUESTS}{{route=\"{}\",status=\"{status}\"}} {n}\n",
            esc(route)
        ));
    }
    out.push_str(&format!(
        "# HELP {HTTP_SECONDS} Time spent serving requests.\n# TYPE {HTTP_SECONDS} counter\n"
    ));
    for ((route, status), (_, s)) in &requests {
        out.push_str(&format!(
            "{HTTP_SECONDS}{{route=\"{}\",status=\"{status}\"}} {s:.6}\n",
            esc(route)
        ));
    }
    let q = state.metrics.queries.load(Ordering::Relaxed);
    let r = state.metrics.queries_refused.load(Ordering::Relaxed);
    out.push_str(&format!("# TYPE {QUERIES} counter\n{QUERIES} {q}\n# TYPE {QUERIES_REFUSED} counter\n{QUERIES_REFUSED} {r}\n"));
    let ledger = state.ledger();
    let snap = ledger.snapshot();
    out.push_str(&format!(
        "# HELP {STORE_EVENTS} Events in the store by stream.\n# TYPE {STORE_EVENTS} gauge\n"
    ));
    for stream in Stream::ALL {
        out.push_str(&format!(
            "{STORE_EVENTS}{{stream=\"{stream}\"}} {}\n",
            snap.rows(stream)
        ));
    }
    out.push_str(&format!(
        "# TYPE {STORE_COMMIT} gauge\n{STORE_COMMIT} {}\n",
        snap.sequence
    ));
    out.push_str(&format!(
        "# TYPE {STORE_QUARANTINED} counter\n{STORE_QUARANTINED} {}\n",
        snap.quarantined_items
    ));
    ([("content-type", "text/plain; version=0.0.4")], out)
}
