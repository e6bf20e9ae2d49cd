//! The JSON API under `/api/v1`: exports for SIEMs and the sandboxed SQL
//! endpoint. Results stream: rows are encoded batch by batch as DataFusion
//! produces them.

mod encode;
mod exports;
mod ocsf;
mod openapi;
pub(crate) mod packs;
mod query;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/rotation", get(exports::rotation))
        .route("/findings", get(exports::findings))
        .route("/rds", get(exports::rds))
        .route("/events", get(exports::events))
        .route("/query", post(query::run))
        .route("/openapi.json", get(openapi::document))
        .route("/packs", get(packs::list).post(packs::create))
        .route("/packs/{name}", get(packs::download))
}
