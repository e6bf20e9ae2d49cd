//! Gateway access logs in front of the organisation's APIs: the payments
//! API behind AWS API Gateway (JSON access logs, hourly files) and the web
//! front end behind nginx (combined format, daily files). Normal traffic
//! has its own errors, authentication failures included, scattered over many
//! clients.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{org::Pattern, rng::Rng};

/// One gateway log line and where it goes.
#[derive(Debug)]
pub struct Line {
    pub time: DateTime<Utc>,
    /// Path under `gateway/`.
    pub file: String,
    pub text: String,
}

pub const API_ID: &str = "k7x2pay9q1";
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/payments/{id}"),
    ("POST", "/v1/payments"),
    ("GET", "/v1/payments"),
    ("POST", "/v1/refunds"),
    ("GET", "/v1/health"),
];
const AGENTS: &[&str] = &[
    "okhttp/4.12.0",
    "python-requests/2.32.3",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "PostmanRuntime/7.42.0",
];

/// A client address from the documentation ranges, stable per index.
pub fn client_ip(i: u64) -> String {
    let blocks = ["192.0.2", "198.51.100", "203.0.113"];
    format!("{}.{}", blocks[(i % 3) as usize], 10 + (i / 3) % 240)
}

/// One API Gateway access-log line (all values strings, `-` for none).
pub fn apigateway_line(
    rng: &mut Rng,
    t: DateTime<Utc>,
    ip: &str,
    status: u16,
    user: Option<&str>,
) -> Line {
    let (method, route) = *rng.pick(ROUTES);
    let path = route.replace("{id}", &format!("pay_{}", rng.token(12)));
    let latency = if status >= 400 {
        3 + rng.below(20)
    } else {
        20 + rng.below(400)
    };
    let body = json!({
        "requestId": rng.uuid(),
        "ip": ip,
        "caller": "-",
        "user": user.unwrap_or("-"),
        "requestTime": t.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        "httpMethod": method,
        "resourcePath": route,
        "path": path,
        "status": status.to_string(),
        "protocol": "HTTP/1.1",
        "responseLength": (if status >= 400 { 61 } else { 200 + rng.below(4000) }).to_string(),
        "responseLatency": latency.to_string(),
        "userAgent": *rng.pick(AGENTS),
        "stage": "prod",
        "apiId": API_ID,
    });
    Line {
        time: t,
        file: format!("aws-apigateway/{API_ID}/{}.log", t.format("%Y/%m/%d/%H")),
        text: body.to_string(),
    }
}

fn nginx_line(rng: &mut Rng, t: DateTime<Utc>, ip: &str) -> Line {
    let pages = [
        "/",
        "/checkout",
        "/account",
        "/static/app.js",
        "/static/app.css",
        "/api/session",
    ];
    let page = *rng.pick(&pages);
    let status = match rng.below(100) {
        0..=1 => 404,
        2 => 401,
        3 => 500,
        4..=9 => 304,
        _ => 200,
    };
    let vhost = if rng.chance(0.5) {
        "shop.acme.example "
    } else {
        ""
    };
    let text = format!(
        "{vhost}{ip} - - [{}] \"GET {page} HTTP/1.1\" {status} {} \"-\" \"{}\"",
        t.format("%d/%b/%Y:%H:%M:%S +0000"),
        if status == 304 {
            0
        } else {
            200 + rng.below(90_000)
        },
        rng.pick(AGENTS)
    );
    Line {
        time: t,
        file: format!("nginx/access-{}.log", t.format("%Y-%m-%d")),
        text,
    }
}

/// A day of normal gateway traffic: `per_day` requests with a diurnal rhythm.
pub fn day(rng: &mut Rng, start: DateTime<Utc>, weekday: u32, per_day: f64) -> Vec<Line> {
    let mean = (0..7)
        .flat_map(|d| (0..24).map(move |h| Pattern::Diurnal.weight(h, d)))
        .sum::<f64>()
        / 168.0;
    let mut out = Vec::new();
    for hour in 0..24 {
        let lambda = per_day / 24.0 * Pattern::Diurnal.weight(hour, weekday) / mean;
        for _ in 0..rng.poisson(lambda) {
            let t = start
                + Duration::hours(i64::from(hour))
                + Duration::milliseconds(rng.below(3_600_000) as i64);
            let ip = client_ip(rng.below(600));
            if rng.chance(0.7) {
                let status = match rng.below(1000) {
                    0..=7 => 401,
                    8..=11 => 403,
                    12..=40 => 400,
                    41..=55 => 404,
                    56..=60 => 502,
                    _ => 200,
                };
                let user = (status < 400 && rng.chance(0.6))
                    .then(|| format!("merchant-{}", rng.below(80)));
                out.push(apigateway_line(rng, t, &ip, status, user.as_deref()));
            } else {
                out.push(nginx_line(rng, t, &ip));
            }
        }
    }
    out
}
