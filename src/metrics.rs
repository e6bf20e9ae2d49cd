//! Prometheus counters of a running ingest, served on `--metrics-listen`.

use std::{
    collections::BTreeMap,
    fmt::Write,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use anyhow::{Context, Result};
use axum::{Router, routing::get};
use keyledger_web::metrics::esc;

/// Totals per source.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub events: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub objects: u64,
    pub bytes: u64,
    pub commits: u64,
    pub lag: Option<u64>,
}

/// Name, type, help and value of every metric, per source.
type Family = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Counts) -> Option<u64>,
);

const FAMILIES: [Family; 7] = [
    (
        "keyledger_ingested_events_total",
        "counter",
        "Events newly stored.",
        |c| Some(c.events),
    ),
    (
        "keyledger_duplicate_events_total",
        "counter",
        "Events read that were already stored.",
        |c| Some(c.duplicates),
    ),
    (
        "keyledger_quarantined_total",
        "counter",
        "Records and objects set aside as bad input.",
        |c| Some(c.quarantined),
    ),
    (
        "keyledger_ingested_objects_total",
        "counter",
        "Files, objects or messages read.",
        |c| Some(c.objects),
    ),
    (
        "keyledger_ingested_bytes_total",
        "counter",
        "Input bytes read (decompressed).",
        |c| Some(c.bytes),
    ),
    (
        "keyledger_commits_total",
        "counter",
        "Store commits made.",
        |c| Some(c.commits),
    ),
    (
        "keyledger_ingest_lag",
        "gauge",
        "Messages not yet read (Kafka).",
        |c| c.lag,
    ),
];

#[derive(Debug, Default, Clone)]
pub struct IngestMetrics(Arc<Mutex<BTreeMap<String, Counts>>>);

impl IngestMetrics {
    pub fn update(&self, source: &str, f: impl FnOnce(&mut Counts)) {
        if let Ok(mut m) = self.0.lock() {
            f(m.entry(source.to_owned()).or_default());
        }
    }

    pub fn render(&self) -> String {
        let Ok(m) = self.0.lock() else {
            return String::new();
        };
        let mut out = String::new();
        for (name, kind, help, value) in FAMILIES {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (source, c) in m.iter() {
                if let Some(v) = value(c) {
                    let _ = writeln!(out, "{name}{{source=\"{}\"}} {v}", esc(source));
                }
            }
        }
        out
    }

    /// Serve `GET /metrics` on `addr` in the background.
    pub async fn serve(&self, addr: SocketAddr) -> Result<()> {
        let me = self.clone();
        let app = Router::new().route("/metrics", get(move || async move { me.render() }));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} for metrics"))?;
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "metrics endpoint stopped");
            }
        });
        Ok(())
    }
}
