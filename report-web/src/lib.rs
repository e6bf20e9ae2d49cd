//! keyledger-web: the auditor's web front end and the SIEM query API.
//!
//! Pages (`/`, `/rotation`, `/keys/{key_arn}`, `/rds`, `/findings`,
//! `/anomalies`, `/events`, `/reports/pci-dss`, `/reports/soc2`, `/packs`)
//! are server-rendered HTML with inline SVG charts: no scripts, no external
//! fonts or styles, readable offline and in print. The JSON API lives under
//! `/api/v1/`; `/healthz` and `/metrics` beside it.
//!
//! Everything is read through `keyledger-query` (the same views the CLI
//! prints), never around it. Every request is logged with who made it.

pub mod api;
mod auth;
mod config;
mod error;
pub mod metrics;
pub mod pack;
pub mod pages;
pub mod report;
mod rows;
mod state;
pub mod svg;

use axum::{Router, middleware, routing::get};

pub use auth::{Auth, Role, hash_token};
pub use config::{TokenConfig, WebConfig};
pub use error::AppError;
pub use state::AppState;

/// The whole service: pages, API, health and metrics, behind authentication
/// (unless the state says it is off) and the access log.
pub fn router(state: AppState) -> Router {
    let pages = pages::routes();
    let api = api::routes();
    Router::new()
        .merge(pages)
        .nest("/api/v1", api)
        .layer(middleware::from_fn_with_state(state.clone(), auth::guard))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics::render))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        .with_state(state)
}

/// Serve until the process is stopped.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
