//! The AWS SDK configuration shared by the S3 and KMS sources.

use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};

/// An SDK config from the standard AWS environment (endpoint, credentials,
/// region — `region` overrides it, and `us-east-1` is the fallback),
/// retrying throttled and failed calls up to `max_attempts` times with
/// adaptive backoff. TLS is rustls with ring.
pub async fn config(region: Option<&str>, max_attempts: u32) -> SdkConfig {
    let loader = |region: Option<&str>| -> ConfigLoader {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(
                aws_config::retry::RetryConfig::adaptive().with_max_attempts(max_attempts.max(1)),
            )
            .http_client(http);
        match region {
            Some(r) => loader.region(Region::new(r.to_owned())),
            None => loader,
        }
    };
    let config = loader(region).load().await;
    if config.region().is_some() {
        return config;
    }
    loader(Some("us-east-1")).load().await
}
