//! No token → 401; a token whose role may not → 403; the right role → 200.

use axum::http::StatusCode;

use crate::support::{app, send};

/// Method, path, token, JSON body, expected status.
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    StatusCode,
);

#[tokio::test]
async fn tokens_and_roles() {
    let app = app(true).await;
    let cases: &[Case] = &[
        ("GET", "/rotation", None, None, StatusCode::UNAUTHORIZED),
        (
            "GET",
            "/rotation",
            Some("wrong"),
            None,
            StatusCode::UNAUTHORIZED,
        ),
        ("GET", "/rotation", Some("token-ann"), None, StatusCode::OK),
        (
            "GET",
            "/rotation",
            Some("token-sam"),
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            "GET",
            "/api/v1/findings",
            Some("token-ann"),
            None,
            StatusCode::OK,
        ),
        (
            "GET",
            "/api/v1/findings",
            Some("token-sam"),
            None,
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/v1/query",
            Some("token-ann"),
            Some(r#"{"sql":"SELECT 1"}"#),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            "/api/v1/query",
            Some("token-sam"),
            Some(r#"{"sql":"SELECT 1"}"#),
            StatusCode::OK,
        ),
        (
            "POST",
            "/api/v1/query",
            Some("token-ada"),
            Some(r#"{"sql":"SELECT 1"}"#),
            StatusCode::OK,
        ),
        ("GET", "/", Some("token-ada"), None, StatusCode::OK),
        // Health and metrics are for the platform, not behind tokens.
        ("GET", "/healthz", None, None, StatusCode::OK),
        ("GET", "/metrics", None, None, StatusCode::OK),
    ];
    for (method, uri, token, body, want) in cases {
        let (status, _, text) = send(&app, method, uri, *token, *body).await;
        assert_eq!(status, *want, "{method} {uri} with {token:?}: {text}");
    }
    let (_, _, body) = send(&app, "GET", "/rotation", None, None).await;
    assert!(body.contains("authentication required"));
}

#[tokio::test]
async fn open_access_says_so() {
    let app = app(false).await;
    let (status, _, body) = send(&app, "GET", "/rotation", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Authentication is off"));
}
