use serde_json::{Map, Value};

use super::{
    Format, GatewayRecord,
    text::{tokens, value},
};
use crate::{RecordError, time};

type Obj = Map<String, Value>;

/// A field as text, whatever its JSON type; `-` and empty are absent.
fn s(o: &Obj, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(v) => value(v),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn path<'a>(o: &'a Obj, keys: &[&str]) -> Option<&'a Value> {
    let (first, rest) = keys.split_first()?;
    rest.iter().try_fold(o.get(*first)?, |v, k| v.get(*k))
}

fn ps(o: &Obj, keys: &[&str]) -> Option<String> {
    match path(o, keys)? {
        Value::String(v) => value(v),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num(v: Option<String>) -> Option<f64> {
    v?.trim().parse().ok()
}

fn int(v: Option<String>) -> Option<i64> {
    num(v).map(|f| f as i64)
}

fn when(v: Option<String>) -> Result<i64, RecordError> {
    let v = v.ok_or(RecordError::MissingEventTime)?;
    time::parse_text(&v)
        .map(time::to_micros)
        .ok_or(RecordError::BadEventTime(v))
}

fn first_ip(v: Option<String>) -> Option<String> {
    v.and_then(|x| value(x.split(',').next().unwrap_or("")))
}

/// `GET /path HTTP/1.1` → (method, path).
fn request_line(r: &str) -> (Option<String>, Option<String>) {
    let mut parts = r.split(' ');
    let method = parts.next().and_then(value);
    let path = parts.next().and_then(value);
    (method, path)
}

/// Which format a line is in, judged by its shape.
pub fn detect(line: &str) -> Option<Format> {
    let t = line.trim_start();
    if t.starts_with('{') {
        let o: Obj = serde_json::from_str(t).ok()?;
        if o.get("message").is_some_and(Value::is_string)
            && (o.contains_key("kubernetes") || o.contains_key("stream"))
        {
            return Some(Format::Envoy);
        }
        if o.contains_key("requestId")
            && (o.contains_key("requestTime") || o.contains_key("requestTimeEpoch"))
        {
            return Some(Format::AwsApiGateway);
        }
        if o.contains_key("latencies")
            || (o.contains_key("started_at") && o.contains_key("request"))
        {
            return Some(Format::Kong);
        }
        if o.contains_key("startTime")
            && (o.contains_key("call_type") || o.contains_key("custom_llm_provider"))
        {
            return Some(Format::LiteLlm);
        }
        if o.contains_key("msec")
            || o.contains_key("ai_model_input_token")
            || (o.contains_key("request_uri") && o.contains_key("src_ip"))
        {
            return Some(Format::ApiPark);
        }
        return None;
    }
    if t.starts_with('[') || t.starts_with("ACCESS [") {
        return Some(Format::Envoy);
    }
    let tok = tokens(t);
    let bracket = tok.iter().position(|x| x.starts_with('['))?;
    (bracket == 3 || bracket == 4).then_some(Format::Nginx)
}

/// Parse one line in a known format.
pub fn parse_with(format: Format, line: &str) -> Result<GatewayRecord, RecordError> {
    let line = line.trim();
    match format {
        Format::Nginx => nginx(line),
        Format::Envoy => envoy(line),
        _ => {
            let v: Value =
                serde_json::from_str(line).map_err(|e| RecordError::InvalidJson(e.to_string()))?;
            let Value::Object(o) = v else {
                return Err(RecordError::NotAnObject("a scalar or array"));
            };
            match format {
                Format::AwsApiGateway => apigateway(&o),
                Format::Kong => kong(&o),
                Format::ApiPark => apipark(&o),
                Format::LiteLlm => litellm(&o),
                Format::Nginx | Format::Envoy => unreachable!("handled above"),
            }
        }
    }
}

fn apigateway(o: &Obj) -> Result<GatewayRecord, RecordError> {
    let event_time = match s(o, "requestTimeEpoch") {
        Some(e) => num(Some(e.clone()))
            .and_then(time::from_epoch)
            .map(time::to_micros)
            .ok_or(RecordError::BadEventTime(e))?,
        None => when(s(o, "requestTime"))?,
    };
    // REST APIs log `resourcePath`, HTTP APIs `routeKey` ("GET /pets"), WebSocket `routeKey` ("$connect").
    let route = s(o, "resourcePath").or_else(|| s(o, "routeKey"));
    let method = s(o, "httpMethod").or_else(|| s(o, "eventType"));
    // HTTP API route keys carry the method: "GET /pets/{id}".
    let route_path = route
        .as_deref()
        .map(|r| r.split_once(' ').map_or(r, |(_, p)| p).to_owned());
    Ok(GatewayRecord {
        event_time,
        request_id: s(o, "requestId"),
        client_ip: s(o, "ip").or_else(|| s(o, "sourceIp")),
        principal: s(o, "userArn")
            .or_else(|| s(o, "user"))
            .or_else(|| s(o, "caller"))
            .or_else(|| s(o, "principalId")),
        method,
        path: s(o, "path").or(route_path),
        route,
        status: int(s(o, "status")).map(|v| v as i32),
        latency_ms: num(s(o, "responseLatency")).or_else(|| num(s(o, "integrationLatency"))),
        bytes_out: int(s(o, "responseLength")),
        user_agent: s(o, "userAgent"),
        api: s(o, "apiId").or_else(|| s(o, "domainName")),
        ..Default::default()
    })
}

fn kong(o: &Obj) -> Result<GatewayRecord, RecordError> {
    let started = s(o, "started_at").ok_or(RecordError::MissingEventTime)?;
    let event_time = num(Some(started.clone()))
        .and_then(time::from_epoch)
        .map(time::to_micros)
        .ok_or(RecordError::BadEventTime(started))?;
    let mut r = GatewayRecord {
        event_time,
        request_id: ps(o, &["request", "id"])
            .or_else(|| ps(o, &["request", "headers", "x-request-id"])),
        client_ip: s(o, "client_ip"),
        principal: ps(o, &["consumer", "username"])
            .or_else(|| ps(o, &["consumer", "custom_id"]))
            .or_else(|| ps(o, &["consumer", "id"]))
            .or_else(|| ps(o, &["authenticated_entity", "id"])),
        method: ps(o, &["request", "method"]),
        path: ps(o, &["request", "uri"]),
        route: ps(o, &["route", "name"]).or_else(|| {
            path(o, &["route", "paths"])
                .and_then(|p| p.get(0))
                .and_then(Value::as_str)
                .map(str::to_owned)
        }),
        status: path(o, &["response", "status"])
            .and_then(Value::as_i64)
            .map(|v| v as i32),
        latency_ms: path(o, &["latencies", "request"]).and_then(Value::as_f64),
        bytes_out: path(o, &["response", "size"]).and_then(Value::as_i64),
        user_agent: ps(o, &["request", "headers", "user-agent"]),
        api: ps(o, &["service", "name"]).or_else(|| ps(o, &["service", "host"])),
        ..Default::default()
    };
    // AI gateway plugins log under ai.<plugin>.{meta,usage}.
    if let Some(Value::Object(ai)) = o.get("ai") {
        for plugin in ai.values().filter_map(Value::as_object) {
            let meta = |k: &str| {
                plugin
                    .get("meta")
                    .and_then(|m| m.get(k))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            let usage = |k: &str| {
                plugin
                    .get("usage")
                    .and_then(|m| m.get(k))
                    .and_then(Value::as_i64)
            };
            r.ai_provider = r.ai_provider.or_else(|| meta("provider_name"));
            r.ai_model = r
                .ai_model
                .or_else(|| meta("response_model"))
                .or_else(|| meta("request_model"));
            r.tokens_in = r.tokens_in.or_else(|| usage("prompt_tokens"));
            r.tokens_out = r.tokens_out.or_else(|| usage("completion_tokens"));
        }
    }
    Ok(r)
}

fn apipark(o: &Obj) -> Result<GatewayRecord, RecordError> {
    let event_time = match s(o, "msec") {
        Some(m) => num(Some(m.clone()))
            .and_then(time::from_epoch)
            .map(time::to_micros)
            .ok_or(RecordError::BadEventTime(m))?,
        None => when(s(o, "time_iso8601"))?,
    };
    let uri = s(o, "request_uri");
    Ok(GatewayRecord {
        event_time,
        request_id: s(o, "request_id"),
        client_ip: s(o, "src_ip").or_else(|| first_ip(s(o, "remote_addr"))),
        principal: s(o, "application").or_else(|| s(o, "authorization")),
        method: s(o, "request_method"),
        path: uri
            .as_deref()
            .map(|u| u.split('?').next().unwrap_or(u).to_owned()),
        route: s(o, "api"),
        status: int(s(o, "status")).map(|v| v as i32),
        // request_time is in seconds (nginx convention).
        latency_ms: num(s(o, "request_time")).map(|t| t * 1000.0),
        bytes_out: None,
        user_agent: None,
        api: s(o, "service").or_else(|| s(o, "api")),
        ai_provider: s(o, "ai_provider"),
        ai_model: s(o, "ai_model"),
        tokens_in: int(s(o, "ai_model_input_token")),
        tokens_out: int(s(o, "ai_model_output_token")),
    })
}

fn litellm(o: &Obj) -> Result<GatewayRecord, RecordError> {
    let start = when(s(o, "startTime"))?;
    let end = s(o, "endTime")
        .and_then(|e| time::parse_text(&e))
        .map(time::to_micros);
    let status = match s(o, "status").as_deref() {
        Some("success") | None => 200,
        Some(_) => 500,
    };
    Ok(GatewayRecord {
        event_time: start,
        request_id: s(o, "request_id"),
        client_ip: s(o, "requester_ip_address"),
        principal: s(o, "user")
            .or_else(|| s(o, "end_user"))
            .or_else(|| s(o, "team_id"))
            .or_else(|| s(o, "api_key")),
        method: Some("POST".into()),
        path: s(o, "call_type"),
        route: s(o, "model_group"),
        status: Some(status),
        latency_ms: end.map(|e| (e - start) as f64 / 1000.0),
        bytes_out: None,
        user_agent: None,
        api: s(o, "api_base"),
        ai_provider: s(o, "custom_llm_provider"),
        ai_model: s(o, "model"),
        tokens_in: int(s(o, "prompt_tokens")),
        tokens_out: int(s(o, "completion_tokens")),
    })
}

fn nginx(line: &str) -> Result<GatewayRecord, RecordError> {
    let t = tokens(line);
    let bad = || RecordError::InvalidJson(format!("not an nginx combined line: {line:.120}"));
    let b = t
        .iter()
        .position(|x| x.starts_with('['))
        .filter(|b| *b == 3 || *b == 4)
        .ok_or_else(bad)?;
    let (vhost, ip, user) = if b == 4 {
        (value(&t[0]), &t[1], &t[3])
    } else {
        (None, &t[0], &t[2])
    };
    let stamp = t[b]
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let (method, path) = request_line(t.get(b + 1).ok_or_else(bad)?);
    Ok(GatewayRecord {
        event_time: when(Some(stamp))?,
        client_ip: value(ip),
        principal: value(user),
        method,
        path,
        status: t.get(b + 2).and_then(|x| x.parse().ok()),
        bytes_out: t.get(b + 3).and_then(|x| x.parse().ok()),
        user_agent: t.get(b + 5).and_then(|x| value(x)),
        api: vhost,
        ..Default::default()
    })
}

fn envoy(line: &str) -> Result<GatewayRecord, RecordError> {
    // Kubernetes wraps the line: {"message": "ACCESS [...] ...", "kubernetes": {...}}.
    if line.starts_with('{') {
        let o: Obj =
            serde_json::from_str(line).map_err(|e| RecordError::InvalidJson(e.to_string()))?;
        let inner = s(&o, "message").ok_or(RecordError::NotAnEvent)?;
        let mut r = envoy(&inner)?;
        r.api = r
            .api
            .or_else(|| ps(&o, &["kubernetes", "labels", "service"]));
        return Ok(r);
    }
    let line = line.strip_prefix("ACCESS ").unwrap_or(line);
    let t = tokens(line);
    let bad = || RecordError::InvalidJson(format!("not an Envoy access log line: {line:.120}"));
    let stamp = t.first().filter(|x| x.starts_with('[')).ok_or_else(bad)?;
    let stamp = stamp
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let (method, path) = request_line(t.get(1).ok_or_else(bad)?);
    let get = |i: usize| t.get(i).and_then(|x| value(x));
    Ok(GatewayRecord {
        event_time: when(Some(stamp))?,
        request_id: get(10),
        client_ip: first_ip(get(8)),
        principal: None,
        method,
        path,
        route: None,
        // TCP lines log response code 0: no HTTP status.
        status: t
            .get(2)
            .and_then(|x| x.parse().ok())
            .filter(|s: &i32| *s > 0),
        latency_ms: get(6).and_then(|d| d.parse().ok()),
        bytes_out: get(5).and_then(|b| b.parse().ok()),
        user_agent: get(9),
        api: get(11).or_else(|| get(12)),
        ..Default::default()
    })
}
