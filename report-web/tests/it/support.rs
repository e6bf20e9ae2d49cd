use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt;
use keyledger_query::{
    Ledger,
    store::{Store, WriterOptions},
};
use keyledger_schemas::{Stream, cloudtrail};
use keyledger_web::{AppState, Auth, Role, TokenConfig, WebConfig, hash_token};
use object_store::memory::InMemory;
use tower::ServiceExt;

pub(crate) const ACCOUNT: &str = "111122223333";
pub(crate) const KEY: &str =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
pub(crate) const XSS: &str = r#"<script>alert("x")</script>'"&"#;

fn rec(id: &str, time: &str, name: &str, role: &str, extra: serde_json::Value) -> String {
    let mut v = serde_json::json!({
        "eventVersion": "1.11",
        "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s"), "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}")}}},
        "eventTime": time, "eventSource": "kms.amazonaws.com", "eventName": name, "awsRegion": "us-east-1",
        "sourceIPAddress": "10.0.0.1", "userAgent": XSS, "eventID": id, "recipientAccountId": ACCOUNT,
        "resources": [{"type": "AWS::KMS::Key", "ARN": KEY}]
    });
    if let (Some(o), serde_json::Value::Object(more)) = (v.as_object_mut(), extra) {
        o.extend(more);
    }
    v.to_string()
}

/// Records with a key's life, its use, and hostile strings where logs can
/// carry them (user agent, event name, principal, policy text).
pub(crate) fn records() -> Vec<String> {
    use serde_json::json;
    let policy = json!({"Statement": [{"Sid": XSS, "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt"}]}).to_string();
    let mut out = vec![
        rec(
            "create",
            "2026-01-05T10:00:00Z",
            "CreateKey",
            "admin",
            json!({
                "requestParameters": {"keySpec": "SYMMETRIC_DEFAULT"},
                "responseElements": {"keyMetadata": {"arn": KEY, "keySpec": "SYMMETRIC_DEFAULT", "origin": "AWS_KMS", "keyManager": "CUSTOMER", "creationDate": "2026-01-05T10:00:00Z"}}
            }),
        ),
        rec(
            "rotation-on",
            "2026-01-05T10:01:00Z",
            "EnableKeyRotation",
            "admin",
            json!({"requestParameters": {"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}}),
        ),
        rec(
            "policy",
            "2026-02-01T10:00:00Z",
            "PutKeyPolicy",
            "admin",
            json!({"requestParameters": {"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "policy": policy}}),
        ),
        rec(
            "rotation-off",
            "2026-03-01T10:00:00Z",
            "DisableKeyRotation",
            "admin",
            json!({}),
        ),
        rec("odd-name", "2026-03-02T10:00:00Z", XSS, "admin", json!({})),
    ];
    for d in 0..20 {
        out.push(rec(
            &format!("use-{d}"),
            &format!("2026-03-{:02}T12:00:00Z", d + 3),
            "Decrypt",
            XSS,
            json!({}),
        ));
    }
    out
}

pub(crate) async fn ledger() -> Ledger {
    let store = Store::from_object_store(Arc::new(InMemory::new()), "memory://");
    let mut w = store.writer(WriterOptions::default()).await.unwrap();
    let mut b = cloudtrail::BatchBuilder::new();
    for raw in records() {
        let r = cloudtrail::parse(&raw).unwrap_or_else(|e| panic!("{e}: {raw}"));
        b.push(&r, &raw, Some("test"));
    }
    w.append(Stream::CloudTrail, &b.finish()).unwrap();
    w.flush().await.unwrap();
    Ledger::open(&store).await.unwrap()
}

pub(crate) fn tokens() -> Vec<TokenConfig> {
    [
        ("ann", Role::Auditor),
        ("sam", Role::Siem),
        ("ada", Role::Admin),
    ]
    .into_iter()
    .map(|(n, r)| TokenConfig {
        name: n.into(),
        role: r,
        sha256: hash_token(&format!("token-{n}")),
    })
    .collect()
}

pub(crate) async fn app(auth: bool) -> Router {
    // Internal errors are logged, not sent: show them with a failing test.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn")
        .try_init();
    let config = WebConfig {
        tokens: tokens(),
        query_timeout_seconds: 5,
        query_max_rows: 1000,
        ..Default::default()
    };
    let auth = if auth {
        Auth::from_config(&config.tokens)
    } else {
        Auth::Off
    };
    keyledger_web::router(AppState::new(ledger().await, auth, config))
}

/// Send a request; returns status, content type and body text.
pub(crate) async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, String, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, ctype, String::from_utf8_lossy(&bytes).into_owned())
}

pub(crate) fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
