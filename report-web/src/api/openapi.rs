//! `GET /api/v1/openapi.json`: the API, described.

use axum::Json;
use serde_json::{Value, json};

fn param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
}

fn export(summary: &str, params: Vec<Value>, ocsf: bool) -> Value {
    let mut params = params;
    let formats = if ocsf {
        "json (default), ndjson, csv, parquet, arrow, ocsf"
    } else {
        "json (default), ndjson, csv, parquet, arrow"
    };
    params.push(param("format", formats));
    params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}, "description": "page size; the next page's cursor is in the x-next-cursor header"}));
    params.push(param("cursor", "the x-next-cursor of the previous page"));
    json!({"get": {
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": {"description": "rows in the requested format (streamed when unpaged)", "headers": {"x-next-cursor": {"schema": {"type": "string"}}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"}
        }
    }})
}

pub(crate) async fn document() -> Json<Value> {
    Json(json!({
        "openapi": "3.0.3",
        "info": {"title": "keyledger API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Key rotation compliance, findings, database key lineage and the event ledger, for SIEMs and auditors. Authenticate with a bearer token (roles: auditor, siem, admin)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/rotation": export("Cryptoperiod verdict of every key", vec![
                param("as_of", "date (end of day) or RFC 3339 time; default now"),
                param("policy_days", "cryptoperiod policy in days; default 365"),
                param("account", "account id"), param("region", "region"),
                param("status", "COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or UNKNOWN")], false),
            "/findings": export("Critical key events and anomalies", vec![
                param("kind", "e.g. key_deletion_scheduled, decrypt_spike"),
                param("severity", "critical, high, medium, low, info"),
                param("since", "first seen at or after (RFC 3339 or date)"),
                param("until", "first seen before")], true),
            "/rds": export("Databases, their keys and re-key history", vec![param("as_of", "date or time"), param("account", "account id")], false),
            "/events": export("The CloudTrail ledger, newest first", vec![
                param("from", "date"), param("to", "date"), param("account", "account id"), param("event_name", "event name"),
                param("principal", "principal ARN"), param("key", "key ARN"), param("ip", "source address")], true),
            "/query": {"post": {
                "summary": "Read-only SQL over the ledger and its views (SELECT, WITH, EXPLAIN)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["sql"],
                    "properties": {"sql": {"type": "string"}, "format": {"type": "string", "enum": ["json", "ndjson", "csv", "arrow", "parquet"]}}
                }}}},
                "responses": {
                    "200": {"description": "the result"},
                    "400": {"$ref": "#/components/responses/Error"},
                    "408": {"$ref": "#/components/responses/Error"},
                    "413": {"$ref": "#/components/responses/Error"}
                }
            }},
            "/packs": {"get": {"summary": "Stored compliance packs", "responses": {"200": {"description": "the list"}}}},
            "/packs/{name}": {"get": {"summary": "Download a pack", "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the zip"}, "404": {"$ref": "#/components/responses/Error"}}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "an error", "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}}}}
        }
    }))
}
