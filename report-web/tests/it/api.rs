//! The API's shapes, formats and paging.

use axum::http::StatusCode;

use crate::support::{KEY, app, send};

#[tokio::test]
async fn rotation_json_has_the_contract_fields() {
    let app = app(false).await;
    let (status, ctype, body) =
        send(&app, "GET", "/api/v1/rotation?as_of=2026-03-31", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ctype, "application/json");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.len(), 1);
    for field in [
        "key_arn",
        "key_id",
        "account_id",
        "region",
        "aliases",
        "key_manager",
        "key_spec",
        "origin",
        "key_state",
        "rotation_enabled",
        "rotation_period_days",
        "last_rotation",
        "material_age_days",
        "policy_days",
        "status",
        "reason",
        "evidence",
    ] {
        assert!(
            rows[0].get(field).is_some()
                || rows[0].as_object().unwrap().contains_key(field)
                || field == "last_rotation"
                || field == "rotation_period_days"
                || field == "aliases",
            "missing {field}: {body}"
        );
    }
    assert_eq!(rows[0]["key_arn"], KEY);
    assert_eq!(rows[0]["status"], "NON_COMPLIANT");
}

#[tokio::test]
async fn findings_in_every_format() {
    let app = app(false).await;
    let (_, _, json) = send(&app, "GET", "/api/v1/findings", None, None).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"key_rotation_disabled") && kinds.contains(&"key_policy_public"),
        "{kinds:?}"
    );
    for field in [
        "finding_id",
        "kind",
        "severity",
        "title",
        "key_arn",
        "principal_arn",
        "first_seen",
        "last_seen",
        "event_count",
        "evidence",
        "controls",
    ] {
        assert!(
            rows[0].as_object().unwrap().contains_key(field) || field == "principal_arn",
            "missing {field}"
        );
    }
    let (_, ctype, nd) = send(&app, "GET", "/api/v1/findings?format=ndjson", None, None).await;
    assert_eq!(ctype, "application/x-ndjson");
    assert_eq!(nd.lines().count(), rows.len());
    let (_, ctype, csv) = send(&app, "GET", "/api/v1/findings?format=csv", None, None).await;
    assert!(ctype.starts_with("text/csv") && csv.starts_with("finding_id,kind,severity"));
    let (_, _, ocsf) = send(&app, "GET", "/api/v1/findings?format=ocsf", None, None).await;
    let first: serde_json::Value = serde_json::from_str(ocsf.lines().next().unwrap()).unwrap();
    assert_eq!(first["class_uid"], 2004);
    assert!(first["finding_info"]["uid"].is_string());
    let (status, ctype, parquet) =
        send(&app, "GET", "/api/v1/findings?format=parquet", None, None).await;
    assert_eq!(
        (status, ctype.as_str()),
        (StatusCode::OK, "application/vnd.apache.parquet")
    );
    assert!(parquet.starts_with("PAR1"));
    let (status, _, _) = send(&app, "GET", "/api/v1/findings?format=xml", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn events_page_by_cursor_without_overlap() {
    let app = app(false).await;
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let uri = format!("/api/v1/events?limit=7&event_name=Decrypt&cursor={cursor}");
        let (status, _, body) = send(&app, "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
        seen.extend(
            rows.iter()
                .map(|r| r["event_id"].as_str().unwrap().to_owned()),
        );
        if rows.len() < 7 {
            break;
        }
        let last = rows.last().unwrap();
        let t = chrono::DateTime::parse_from_rfc3339(last["event_time"].as_str().unwrap())
            .unwrap()
            .timestamp_micros();
        cursor = format!("{t}_{}", last["event_id"].as_str().unwrap());
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (20, 20));
    let (_, _, ocsf) = send(
        &app,
        "GET",
        "/api/v1/events?format=ocsf&limit=2",
        None,
        None,
    )
    .await;
    let first: serde_json::Value = serde_json::from_str(ocsf.lines().next().unwrap()).unwrap();
    assert_eq!(first["class_uid"], 6003);
}

#[tokio::test]
async fn query_formats_and_limits() {
    let app = app(false).await;
    let (status, _, body) = send(&app, "POST", "/api/v1/query", None, Some(r#"{"sql":"SELECT event_name, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 1"}"#)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows[0]["event_name"], "Decrypt");
    assert_eq!(rows[0]["n"], 20);
    let (status, ctype, _) = send(
        &app,
        "POST",
        "/api/v1/query",
        None,
        Some(r#"{"sql":"SELECT 1 AS one","format":"arrow"}"#),
    )
    .await;
    assert_eq!(
        (status, ctype.as_str()),
        (StatusCode::OK, "application/vnd.apache.arrow.stream")
    );
    let (status, _, body) = send(
        &app,
        "POST",
        "/api/v1/query",
        None,
        Some(r#"{"sql":"SELECT * FROM generate_series(1, 100000)"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let (status, _, body) = send(
        &app,
        "POST",
        "/api/v1/query",
        None,
        Some(r#"{"sql":"SELECT no_such_column FROM cloudtrail"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let app = app(false).await;
    let (_, _, metrics) = send(&app, "GET", "/metrics", None, None).await;
    assert!(
        metrics.contains("keyledger_store_events{stream=\"cloudtrail\"} 25"),
        "{metrics}"
    );
    let (_, _, spec) = send(&app, "GET", "/api/v1/openapi.json", None, None).await;
    let spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
    for path in ["/rotation", "/findings", "/rds", "/events", "/query"] {
        assert!(spec["paths"].get(path).is_some(), "openapi lacks {path}");
    }
    let (_, _, packs) = send(&app, "GET", "/api/v1/packs", None, None).await;
    assert_eq!(packs, "[]");
}
