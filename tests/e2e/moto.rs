//! A moto server (S3 and KMS) for the tests: the one `.ci/run` started
//! (`KEYLEDGER_MOTO_URL`), or one started here from `moto_server` on PATH.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::Duration,
};

struct Server {
    url: String,
    _child: Option<ChildGuard>,
}

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

static SERVER: OnceLock<Server> = OnceLock::new();

fn start() -> Server {
    if let Ok(url) = std::env::var("KEYLEDGER_MOTO_URL") {
        return Server { url, _child: None };
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = ChildGuard(Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server not found: run `bash .ci/run`, or `pip install 'moto[server]'`, or set KEYLEDGER_MOTO_URL"));
    for _ in 0..120 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Server {
                url: format!("http://127.0.0.1:{port}"),
                _child: Some(child),
            };
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("moto_server did not start on port {port}");
}

/// The moto endpoint URL.
pub(crate) fn url() -> &'static str {
    &SERVER.get_or_init(start).url
}

/// The environment a `keyledger` process needs to talk to moto.
pub(crate) fn env(region: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", url().to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", region.to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// A KMS client on moto.
pub(crate) fn kms(region: &str) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .region(aws_sdk_kms::config::Region::new(region.to_owned()))
        .endpoint_url(url())
        .credentials_provider(aws_sdk_kms::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                ))
                .build_https(),
        )
        .build();
    aws_sdk_kms::Client::from_conf(config)
}
