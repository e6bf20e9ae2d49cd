use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Html,
};

use super::{Chrome, PeriodParams, render};
use crate::{
    AppError, AppState,
    report::{Framework, Report},
};

#[derive(Template)]
#[template(path = "report.html")]
pub(crate) struct ReportPage {
    pub chrome: Chrome,
    pub r: Report,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Path(framework): Path<String>,
    Query(p): Query<PeriodParams>,
) -> Result<Html<String>, AppError> {
    let framework: Framework = framework.parse().map_err(|_| AppError::NotFound)?;
    let period = p.resolve()?;
    let ev = state
        .evidence(&period.start, &period.end, period.policy_days)
        .await?;
    let r = Report::from_evidence(&ev, framework, &state.config.organisation);
    render(&ReportPage {
        chrome: Chrome::of(&state),
        r,
    })
}
