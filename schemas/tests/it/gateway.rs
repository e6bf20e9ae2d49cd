//! Golden tests of the gateway log parsers over the real samples.

use std::path::Path;

use keyledger_schemas::gateway::{self, Format};
use rstest::rstest;

fn fixture(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Lines of a log file, or the one JSON document of a pretty-printed sample.
fn lines(text: &str) -> Vec<String> {
    if text.trim_start().starts_with('{') && serde_json::from_str::<serde_json::Value>(text).is_ok()
    {
        return vec![
            serde_json::from_str::<serde_json::Value>(text)
                .unwrap()
                .to_string(),
        ];
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[rstest]
#[case::apigateway_rest(
    "data/gateway/aws-apigateway/elastic-integrations-transcribed/test-apigateway-rest.log",
    Format::AwsApiGateway
)]
#[case::apigateway_http(
    "data/gateway/aws-apigateway/elastic-integrations-transcribed/test-apigateway.log",
    Format::AwsApiGateway
)]
#[case::apigateway_websocket(
    "data/gateway/aws-apigateway/elastic-integrations-transcribed/test-apigateway-websocket.log",
    Format::AwsApiGateway
)]
#[case::kong_line(
    "data/gateway/kong/kong-docs-transcribed/kong-log-format-3.4plus.ndjson-line.json",
    Format::Kong
)]
#[case::kong_document(
    "data/gateway/kong/kong-docs-transcribed/kong-log-format-3.4plus.json",
    Format::Kong
)]
#[case::nginx_combined(
    "data/gateway/nginx/elastic-integrations-transcribed/test-access.log",
    Format::Nginx
)]
#[case::envoy(
    "data/gateway/envoy/elastic-integrations-transcribed/test-log.log",
    Format::Envoy
)]
#[case::litellm(
    "data/gateway/llm-gateways/litellm-transcribed/spend_logs_payload.json",
    Format::LiteLlm
)]
#[case::apipark("apipark-access-log-sample.ndjson", Format::ApiPark)]
fn golden(#[case] path: &str, #[case] format: Format) {
    let mut out = Vec::new();
    for line in lines(&fixture(path)) {
        assert_eq!(
            gateway::detect(&line),
            Some(format),
            "detected wrongly: {line}"
        );
        out.push(gateway::parse_with(format, &line).unwrap_or_else(|e| panic!("{e}: {line}")));
    }
    assert!(!out.is_empty());
    let name = std::thread::current()
        .name()
        .unwrap_or("golden")
        .rsplit("::")
        .next()
        .unwrap_or("golden")
        .to_owned();
    insta::assert_json_snapshot!(name, out);
}

#[test]
fn what_each_format_yields() {
    let l = &lines(&fixture(
        "data/gateway/envoy/elastic-integrations-transcribed/test-log.log",
    ));
    // A TCP line has no HTTP status; a Kubernetes-wrapped line is unwrapped.
    let tcp = gateway::parse_with(Format::Envoy, &l[0]).unwrap();
    assert_eq!((tcp.status, tcp.method.as_deref()), (None, None));
    let wrapped = gateway::parse_with(Format::Envoy, &l[5]).unwrap();
    assert_eq!(wrapped.status, Some(501));
    assert_eq!(wrapped.client_ip.as_deref(), Some("172.17.0.3"));

    let nginx = lines(&fixture(
        "data/gateway/nginx/elastic-integrations-transcribed/test-access.log",
    ));
    let vhost = nginx
        .iter()
        .find(|l| l.starts_with("lessons.example.com"))
        .unwrap();
    let r = gateway::parse_with(Format::Nginx, vhost).unwrap();
    assert_eq!(
        (r.api.as_deref(), r.client_ip.as_deref(), r.status),
        (Some("lessons.example.com"), Some("192.168.0.1"), Some(206))
    );

    let apipark = lines(&fixture("apipark-access-log-sample.ndjson"));
    let ai = gateway::parse_with(Format::ApiPark, &apipark[0]).unwrap();
    assert_eq!(
        (ai.ai_model.as_deref(), ai.tokens_in, ai.tokens_out),
        (Some("gpt-4o"), Some(812), Some(164))
    );
    assert_eq!(ai.principal.as_deref(), Some("merchant-portal"));
}

#[test]
fn lines_of_no_known_format_are_refused() {
    assert_eq!(gateway::detect("hello world"), None);
    assert_eq!(gateway::detect(r#"{"some":"json"}"#), None);
    assert!(gateway::parse_with(Format::Nginx, "not a log line").is_err());
    assert!(gateway::parse_with(Format::AwsApiGateway, r#"{"requestId":"x"}"#).is_err());
}
