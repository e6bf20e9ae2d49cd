//! The SQL API only reads; everything from logs is escaped everywhere.

use axum::http::StatusCode;

use crate::support::{KEY, app, enc, send};

#[tokio::test]
async fn sql_that_is_not_a_read_is_refused() {
    let app = app(false).await;
    for sql in [
        "CREATE TABLE t AS SELECT 1",
        "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
        "CREATE VIEW v AS SELECT 1",
        "DROP TABLE cloudtrail",
        "INSERT INTO cloudtrail SELECT * FROM cloudtrail",
        "DELETE FROM cloudtrail",
        "UPDATE cloudtrail SET event_name = 'x'",
        "COPY (SELECT * FROM cloudtrail) TO '/tmp/out.csv'",
        "SET keyledger.policy_days = 1",
        "SELECT 1; DROP TABLE cloudtrail",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
    ] {
        let body = serde_json::json!({ "sql": sql }).to_string();
        let (status, _, text) = send(&app, "POST", "/api/v1/query", None, Some(&body)).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{sql} was not refused: {text}"
        );
        assert!(text.contains("\"error\""), "{text}");
    }
    let (_, _, metrics) = send(&app, "GET", "/metrics", None, None).await;
    assert!(
        metrics.contains("keyledger_sql_queries_refused_total 10")
            || metrics.contains("keyledger_sql_queries_refused_total 12"),
        "{metrics}"
    );
}

/// `<script>` and quotes from user agents, event names, principals and
/// policy text never reach a page unescaped.
#[tokio::test]
async fn hostile_log_text_is_escaped_everywhere() {
    let app = app(false).await;
    for uri in [
        "/events".to_owned(),
        "/events/odd-name".to_owned(),
        "/events/use-1".to_owned(),
        format!("/keys/{}", enc(KEY)),
        "/findings".to_owned(),
        "/rotation".to_owned(),
        "/reports/pci-dss?start=2026-01-01&end=2026-03-31".to_owned(),
        "/reports/soc2?start=2026-01-01&end=2026-03-31".to_owned(),
        "/".to_owned(),
    ] {
        let (status, _, body) = send(&app, "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(!body.contains("<script>"), "{uri} renders a raw <script>");
        assert!(
            !body.contains("alert(\"x\")"),
            "{uri} renders raw quotes from logs"
        );
    }
    // The key page shows the hostile principal in its chart and the policy text, escaped.
    let (_, _, key) = send(&app, "GET", &format!("/keys/{}", enc(KEY)), None, None).await;
    assert!(
        key.contains("&lt;script&gt;"),
        "the hostile text should be there, escaped"
    );
    // CSV quotes fields with quotes and commas.
    let body =
        serde_json::json!({"sql": "SELECT user_agent FROM cloudtrail LIMIT 1", "format": "csv"})
            .to_string();
    let (_, _, csv) = send(&app, "POST", "/api/v1/query", None, Some(&body)).await;
    let mut reader = csv.lines();
    assert_eq!(reader.next(), Some("user_agent"));
    assert_eq!(
        reader.next(),
        Some(r#""<script>alert(""x"")</script>'""&""#)
    );
}
