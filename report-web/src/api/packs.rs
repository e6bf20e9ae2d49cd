//! Compliance packs: listed and downloaded here.

use axum::{
    Json,
    body::Body,
    extract::{Path, State},
    http::header,
    response::Response,
};

use crate::{AppError, AppState, pages::packs::PackEntry};

pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Vec<PackEntry>>, AppError> {
    Ok(Json(state.packs().await?))
}

pub(crate) async fn download(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let bytes = state
        .ledger()
        .store()
        .get_pack(&name)
        .await
        .map_err(|e| match e {
            keyledger_query::store::Error::PackNotFound { .. } => AppError::NotFound,
            other => AppError::internal(other),
        })?;
    Response::builder()
        .header(header::CONTENT_TYPE, "application/zip")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(Body::from(bytes))
        .map_err(AppError::internal)
}
