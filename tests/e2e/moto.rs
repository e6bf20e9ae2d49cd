//! A moto server (S3 and KMS) for the tests: the one `.ci/run` started
//! (`KEYLEDGER_MOTO_URL`), or one started here from `moto_server` on PATH.

use std::sync::OnceLock;

use futures::StreamExt;

use crate::support::{Service, service};

static SERVER: OnceLock<Service> = OnceLock::new();

/// The moto endpoint URL.
pub(crate) fn url() -> &'static str {
    &SERVER
        .get_or_init(|| {
            service(
                "KEYLEDGER_MOTO_URL",
                "moto_server",
                "`pip install 'moto[server]'`",
                |port| {
                    vec![
                        "-H".into(),
                        "127.0.0.1".into(),
                        "-p".into(),
                        port.to_string(),
                    ]
                },
                |port| format!("http://127.0.0.1:{port}"),
            )
        })
        .address
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

/// The SDK's HTTP client with rustls and ring, as keyledger uses.
fn http_client() -> aws_sdk_kms::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
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
        .http_client(http_client())
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

/// An S3 client on moto (path-style addressing).
pub(crate) fn s3() -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(url())
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .http_client(http_client())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A new, empty bucket named after `name` (tests share one moto server,
/// which may outlive a run: each run makes its own).
pub(crate) async fn bucket(s3: &aws_sdk_s3::Client, name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("{name}-{nanos}");
    s3.create_bucket().bucket(&name).send().await.unwrap();
    name
}

/// Upload every file under `dir` to `bucket/prefix`, as CloudTrail delivers:
/// a digest's `.signature` file becomes its `x-amz-meta-signature`.
/// Returns how many objects were put.
pub(crate) async fn upload_tree(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    dir: &std::path::Path,
) -> usize {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.to_string_lossy().ends_with(".signature") {
                files.push(path);
            }
        }
    }
    let puts = files.iter().map(|path| {
        let key = format!(
            "{prefix}{}",
            path.strip_prefix(dir).unwrap().to_string_lossy()
        );
        let signature = std::fs::read_to_string(format!("{}.signature", path.display())).ok();
        let body = std::fs::read(path).unwrap();
        async move {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(body.into())
                .set_metadata(signature.map(|s| [("signature".to_owned(), s)].into()))
                .send()
                .await
                .unwrap();
        }
    });
    let n = files.len();
    futures::stream::iter(puts)
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
    n
}
