use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// Everything a handler can fail with. [`IntoResponse`] is the one place
/// that maps errors to status codes; internal details are logged, never
/// sent to the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is wrong (a bad parameter, refused SQL): said as is.
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("authentication required")]
    Unauthorized,
    #[error("this token's role may not do that")]
    Forbidden,
    #[error("the query took longer than {0} seconds")]
    Timeout(u64),
    #[error("the result is larger than {0} rows; narrow the query or page through it")]
    TooLarge(usize),
    /// Our failure: logged with detail, reported as a generic 500.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<keyledger_query::Error> for AppError {
    fn from(e: keyledger_query::Error) -> Self {
        match e {
            // A query the caller wrote is their mistake, and says so.
            keyledger_query::Error::Query(q) => match q.find_root() {
                datafusion::error::DataFusionError::ResourcesExhausted(m) => {
                    AppError::BadRequest(format!("the query needs more memory than allowed: {m}"))
                }
                datafusion::error::DataFusionError::Plan(_)
                | datafusion::error::DataFusionError::SQL(..)
                | datafusion::error::DataFusionError::SchemaError(..)
                | datafusion::error::DataFusionError::NotImplemented(_) => {
                    AppError::BadRequest(q.to_string())
                }
                _ => AppError::Internal(q.to_string()),
            },
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let mut resp = (
            status,
            axum::Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                "www-authenticate",
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}
