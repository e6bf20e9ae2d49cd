//! The `gateway` stream: one row per request an API or AI gateway logged.
//!
//! Formats (detected per line, or forced): AWS API Gateway JSON access logs
//! (REST, HTTP and WebSocket APIs), Kong file-log JSON (with AI gateway
//! usage), APIPark access logs, nginx combined (with or without a leading
//! virtual host), Envoy's default format (HTTP and TCP lines, plain or
//! wrapped in a Kubernetes JSON line) and LiteLLM spend-log rows.

mod batch;
mod formats;
mod text;

use std::{fmt, str::FromStr};

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use batch::{BatchBuilder, SCHEMA_VERSION, schema};
pub use formats::{detect, parse_with};

/// A gateway log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    AwsApiGateway,
    Kong,
    ApiPark,
    Nginx,
    Envoy,
    LiteLlm,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::AwsApiGateway,
        Format::Kong,
        Format::ApiPark,
        Format::Nginx,
        Format::Envoy,
        Format::LiteLlm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::AwsApiGateway => "aws-apigateway",
            Format::Kong => "kong",
            Format::ApiPark => "apipark",
            Format::Nginx => "nginx",
            Format::Envoy => "envoy",
            Format::LiteLlm => "litellm",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            format!("unknown gateway format {s:?} (aws-apigateway, kong, apipark, nginx, envoy, litellm)")
        })
    }
}

/// One gateway request, normalised.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GatewayRecord {
    /// Microseconds since the epoch, UTC.
    pub event_time: i64,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
    /// The authenticated caller: user, consumer, application, IAM `userArn`.
    pub principal: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub route: Option<String>,
    pub status: Option<i32>,
    pub latency_ms: Option<f64>,
    pub bytes_out: Option<i64>,
    pub user_agent: Option<String>,
    /// The API, service or upstream the request went to.
    pub api: Option<String>,
    pub ai_provider: Option<String>,
    pub ai_model: Option<String>,
    pub tokens_in: Option<i64>,
    pub tokens_out: Option<i64>,
}

/// The event id of a gateway line: stable across re-reads of the same file
/// (name and line number), so a file ingested twice is stored once, while
/// two identical lines (same second, same client) stay two requests.
pub fn event_id(format: Format, file_name: &str, line: u64, raw: &str) -> String {
    let mut h = Sha256::new();
    h.update(file_name.as_bytes());
    h.update(line.to_le_bytes());
    h.update(raw.as_bytes());
    format!("{format}:{}", hex::encode(&h.finalize()[..16]))
}
