//! OCSF (Open Cybersecurity Schema Framework 1.1) shapes: findings as
//! Detection Finding (class 2004), events as API Activity (class 6003).

use serde_json::{Value, json};

use crate::rows::Row;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Finding,
    Event,
}

fn millis(v: Option<&Value>) -> Option<i64> {
    let t = keyledger_schemas::time::parse_text(v?.as_str()?)?;
    Some(t.timestamp_millis())
}

fn text<'a>(r: &'a Row, k: &str) -> Option<&'a str> {
    r.get(k).and_then(Value::as_str)
}

fn product() -> Value {
    json!({"name": "keyledger", "vendor_name": "keyledger", "version": env!("CARGO_PKG_VERSION")})
}

pub(crate) fn convert(kind: Kind, rows: &[Row]) -> Vec<Value> {
    rows.iter()
        .map(|r| match kind {
            Kind::Finding => finding(r),
            Kind::Event => event(r),
        })
        .collect()
}

fn finding(r: &Row) -> Value {
    let severity_id = match text(r, "severity") {
        Some("critical") => 5,
        Some("high") => 4,
        Some("medium") => 3,
        Some("low") => 2,
        _ => 1,
    };
    let mut resources = Vec::new();
    if let Some(k) = text(r, "key_arn") {
        resources.push(json!({"uid": k, "type": "AWS::KMS::Key"}));
    }
    if let Some(res) = text(r, "resource_arn") {
        resources.push(json!({"uid": res}));
    }
    json!({
        "class_uid": 2004, "class_name": "Detection Finding", "category_uid": 2, "category_name": "Findings",
        "activity_id": 1, "activity_name": "Create", "type_uid": 200401,
        "time": millis(r.get("first_seen")),
        "severity_id": severity_id, "severity": text(r, "severity"),
        "status_id": 1, "status": "New",
        "message": text(r, "title"),
        "finding_info": {
            "uid": text(r, "finding_id"), "title": text(r, "title"), "desc": text(r, "detail"),
            "types": [text(r, "kind")],
            "first_seen_time": millis(r.get("first_seen")), "last_seen_time": millis(r.get("last_seen")),
            "related_events_count": r.get("event_count"),
        },
        "actor": {"user": {"uid": text(r, "principal_arn")}},
        "src_endpoint": {"ip": text(r, "source_ip")},
        "resources": resources,
        "evidences": r.get("evidence").and_then(Value::as_array).map(|a| a.iter().map(|id| json!({"data": {"event_id": id}})).collect::<Vec<_>>()),
        "unmapped": {"controls": r.get("controls"), "observed": r.get("observed"), "expected": r.get("expected"), "score": r.get("score")},
        "cloud": {"provider": "AWS", "account": {"uid": text(r, "account_id")}, "region": text(r, "region")},
        "metadata": {"product": product(), "version": "1.1.0"},
    })
}

fn event(r: &Row) -> Value {
    let read_only = r.get("read_only").and_then(Value::as_bool);
    let (activity_id, activity_name) = match (text(r, "event_name"), read_only) {
        (Some(n), _) if n.starts_with("Create") => (1, "Create"),
        (_, Some(true)) => (2, "Read"),
        (Some(n), _) if n.starts_with("Delete") || n.starts_with("Schedule") => (4, "Delete"),
        (Some(_), Some(false)) => (3, "Update"),
        _ => (99, "Other"),
    };
    let failed = text(r, "error_code").is_some();
    json!({
        "class_uid": 6003, "class_name": "API Activity", "category_uid": 6, "category_name": "Application Activity",
        "activity_id": activity_id, "activity_name": activity_name, "type_uid": 600300 + activity_id,
        "time": millis(r.get("event_time")),
        "status_id": if failed { 2 } else { 1 }, "status": if failed { "Failure" } else { "Success" },
        "status_code": text(r, "error_code"), "status_detail": text(r, "error_message"),
        "api": {
            "operation": text(r, "event_name"),
            "service": {"name": text(r, "event_source")},
            "request": {"uid": text(r, "request_id")},
        },
        "actor": {
            "user": {"uid": text(r, "principal_arn"), "type": text(r, "principal_type"), "account": {"uid": text(r, "principal_account_id")}},
            "session": {"uid": text(r, "session_arn")},
            "invoked_by": text(r, "invoked_by"),
        },
        "src_endpoint": {"ip": text(r, "source_ip")},
        "http_request": {"user_agent": text(r, "user_agent")},
        "cloud": {"provider": "AWS", "region": text(r, "aws_region"), "account": {"uid": text(r, "recipient_account_id")}},
        "resources": text(r, "key_arn").map(|k| vec![json!({"uid": k, "type": "AWS::KMS::Key"})]).unwrap_or_default(),
        "metadata": {"product": product(), "uid": text(r, "event_id"), "version": "1.1.0"},
        "raw_data": text(r, "raw"),
    })
}
