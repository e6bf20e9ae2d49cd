use askama::Template;
use axum::{extract::State, response::Html};

use super::{Chrome, render};
use crate::{AppError, AppState};

/// A stored pack, as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct PackEntry {
    pub name: String,
    pub framework: String,
    pub period: String,
    pub commit: u64,
    pub bytes: u64,
    /// The schedule that made it (empty when made on request).
    pub schedule: String,
}

#[derive(Template)]
#[template(path = "packs.html")]
pub(crate) struct PacksPage {
    pub chrome: Chrome,
    pub packs: Vec<PackEntry>,
    pub can_sign: bool,
    pub today: String,
}

pub(crate) async fn page(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let packs = state.packs().await?;
    render(&PacksPage {
        chrome: Chrome::of(&state),
        packs,
        can_sign: state.packs_settings().key.is_some(),
        today: chrono::Utc::now().format("%Y-%m-%d").to_string(),
    })
}
