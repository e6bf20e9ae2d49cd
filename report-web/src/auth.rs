//! Bearer tokens with roles, and the access log.
//!
//! | role | may |
//! |---|---|
//! | `auditor` | read pages and the read API |
//! | `siem` | read API and SQL queries |
//! | `admin` | everything, including pack generation |

use std::{collections::HashMap, time::Instant};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::{AppError, AppState, TokenConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Auditor,
    Siem,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Auditor => "auditor",
            Role::Siem => "siem",
            Role::Admin => "admin",
        }
    }
}

/// Who may do what.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Everyone is admin (demo, loopback only): said on every page.
    Off,
    Tokens(HashMap<String, (String, Role)>),
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Auth {
    pub fn from_config(tokens: &[TokenConfig]) -> Auth {
        Auth::Tokens(
            tokens
                .iter()
                .map(|t| (t.sha256.to_ascii_lowercase(), (t.name.clone(), t.role)))
                .collect(),
        )
    }

    fn who(&self, header: Option<&str>) -> Result<(String, Role), AppError> {
        match self {
            Auth::Off => Ok(("anonymous".into(), Role::Admin)),
            Auth::Tokens(map) => {
                let token = header
                    .and_then(|h| h.strip_prefix("Bearer "))
                    .ok_or(AppError::Unauthorized)?;
                map.get(&hash_token(token.trim()))
                    .cloned()
                    .ok_or(AppError::Unauthorized)
            }
        }
    }
}

/// What a role may reach.
fn allowed(role: Role, method: &axum::http::Method, path: &str) -> bool {
    let api = path.starts_with("/api/v1/");
    let query = path == "/api/v1/query";
    let packs_write = (path.starts_with("/api/v1/packs") || path == "/packs")
        && method != axum::http::Method::GET;
    match role {
        Role::Admin => true,
        Role::Auditor => !query && !packs_write,
        Role::Siem => api && !packs_write,
    }
}

/// Authenticate, authorise and log every request.
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let header = req
        .headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok());
    let (who, response) = match state.auth.who(header) {
        Err(e) => ("unauthenticated".to_owned(), e.into_response()),
        // Known, but not allowed: logged with the name.
        Ok((who, role)) if !allowed(role, &method, &path) => {
            (who, AppError::Forbidden.into_response())
        }
        Ok((who, role)) => {
            let mut req = req;
            req.extensions_mut().insert(role);
            (who, next.run(req).await)
        }
    };
    // The auditors' own audit trail: who read what.
    tracing::info!(
        target: "keyledger::access",
        who = %who,
        method = %method,
        path = %path,
        query = query.as_deref().unwrap_or(""),
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        let get = axum::http::Method::GET;
        let post = axum::http::Method::POST;
        assert!(allowed(Role::Auditor, &get, "/rotation"));
        assert!(allowed(Role::Auditor, &get, "/api/v1/findings"));
        assert!(!allowed(Role::Auditor, &post, "/api/v1/query"));
        assert!(allowed(Role::Siem, &post, "/api/v1/query"));
        assert!(!allowed(Role::Siem, &get, "/rotation"));
        assert!(!allowed(Role::Siem, &post, "/api/v1/packs"));
        assert!(allowed(Role::Admin, &post, "/api/v1/packs"));
        assert!(!allowed(Role::Auditor, &post, "/packs"));
        assert!(allowed(Role::Auditor, &get, "/packs"));
    }
}
