//! Compliance packs: listed, made (admin) and downloaded here.

use axum::{
    Form, Json,
    body::Body,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    AppError, AppState,
    pack::{PackRequest, build},
    pages::{PeriodParams, packs::PackEntry},
};

pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Vec<PackEntry>>, AppError> {
    Ok(Json(state.packs().await?))
}

/// `POST /api/v1/packs` (JSON) and the form on `/packs`.
#[derive(Debug, Deserialize)]
pub(crate) struct NewPack {
    framework: String,
    #[serde(flatten)]
    period: PeriodParams,
}

/// Build a pack over the current snapshot and store it; returns its name.
async fn make(state: &AppState, req: &NewPack) -> Result<String, AppError> {
    let framework = req.framework.parse().map_err(AppError::BadRequest)?;
    let period = req.period.resolve()?;
    let key = state.packs_settings().key.as_ref().ok_or_else(|| {
        AppError::BadRequest("packs are signed: set [packs] signing_key in the config (keyledger pack-key --generate)".into())
    })?;
    let request = PackRequest {
        framework,
        period_start: period.start,
        period_end: period.end,
        policy_days: period.policy_days,
        organisation: state.config.organisation.clone(),
        schedule: None,
    };
    let ledger = state.ledger();
    let pack = build(&ledger, &request, key).await?;
    ledger
        .store()
        .put_pack(&pack.name, pack.zip)
        .await
        .map_err(AppError::internal)?;
    tracing::info!(target: "keyledger::packs", pack = %pack.name, pages = pack.manifest.pages, "pack generated on request");
    Ok(pack.name)
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Json(req): Json<NewPack>,
) -> Result<Response, AppError> {
    let name = make(&state, &req).await?;
    let entry = state
        .packs()
        .await?
        .into_iter()
        .find(|p| p.name == name)
        .ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/packs/{name}"))],
        Json(entry),
    )
        .into_response())
}

pub(crate) async fn create_from_form(
    State(state): State<AppState>,
    Form(req): Form<NewPack>,
) -> Result<Redirect, AppError> {
    make(&state, &req).await?;
    Ok(Redirect::to("/packs"))
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
