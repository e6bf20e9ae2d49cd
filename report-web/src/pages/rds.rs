use askama::Template;
use axum::{
    extract::{Query, State},
    response::Html,
};

use super::{Chrome, enc, render, s};
use crate::{AppError, AppState, rows::rows};

pub(crate) struct Db {
    pub name: String,
    pub kind: String,
    pub account: String,
    pub region: String,
    pub engine: String,
    pub encrypted: bool,
    pub key: String,
    pub key_path: String,
    pub key_status: String,
    pub active: String,
    pub created: String,
    pub previous_key: String,
    pub previous_db: String,
    pub rekeyed: String,
}

pub(crate) struct Snap {
    pub name: String,
    pub account: String,
    pub source: String,
    pub key: String,
    pub key_status: String,
    pub key_state: String,
    pub shared: String,
    pub created: String,
    pub attention: bool,
}

#[derive(Template)]
#[template(path = "rds.html")]
pub(crate) struct RdsPage {
    pub chrome: Chrome,
    pub as_of: String,
    pub databases: Vec<Db>,
    pub snapshots: Vec<Snap>,
}

#[derive(Debug, serde::Deserialize, Default)]
pub(crate) struct Params {
    as_of: Option<String>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Html<String>, AppError> {
    let mut ledger = (*state.ledger()).clone();
    let as_of = p.as_of.filter(|a| !a.is_empty());
    if let Some(a) = &as_of {
        keyledger_query::views::parse_as_of(a).map_err(AppError::BadRequest)?;
        ledger = ledger.with_settings(&[("as_of", a.clone())])?;
    }
    let date = |r: &crate::rows::Row, k: &str| s(r, k).chars().take(10).collect::<String>();
    let databases = rows(
        &ledger,
        "SELECT * FROM rds_keys ORDER BY account_id, region, db_identifier, created_at",
    )
    .await?
    .iter()
    .map(|r| Db {
        name: s(r, "db_identifier"),
        kind: s(r, "db_kind"),
        account: s(r, "account_id"),
        region: s(r, "region"),
        engine: s(r, "engine"),
        encrypted: r
            .get("storage_encrypted")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        key_path: enc(&s(r, "key_arn")),
        key: s(r, "key_arn"),
        key_status: s(r, "key_status"),
        active: s(r, "active"),
        created: date(r, "created_at"),
        previous_key: s(r, "previous_key_arn"),
        previous_db: s(r, "previous_database"),
        rekeyed: date(r, "rekeyed_at"),
    })
    .collect();
    let snapshots = rows(
        &ledger,
        "SELECT * FROM rds_snapshots ORDER BY account_id, created_at",
    )
    .await?
    .iter()
    .map(|r| Snap {
        name: s(r, "snapshot_identifier"),
        account: s(r, "account_id"),
        source: s(r, "source_database"),
        key: s(r, "key_arn"),
        key_status: s(r, "key_status"),
        key_state: s(r, "key_state"),
        shared: s(r, "shared_with"),
        created: date(r, "created_at"),
        attention: r
            .get("needs_attention")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
    })
    .collect();
    render(&RdsPage {
        chrome: Chrome::of(&state),
        as_of: as_of.unwrap_or_else(|| "now".into()),
        databases,
        snapshots,
    })
}
