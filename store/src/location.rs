//! Choosing a back-end by URL: a directory, `file:///…`, `memory://`, or
//! `s3://bucket/prefix`. The rest of the store only ever sees
//! `Arc<dyn ObjectStore>`.

use std::sync::Arc;

use object_store::{
    ObjectStore, aws::AmazonS3Builder, local::LocalFileSystem, memory::InMemory, path::Path,
    prefix::PrefixStore,
};

use crate::{Error, Result};

pub(crate) fn object_store_for(url: &str) -> Result<Arc<dyn ObjectStore>> {
    let err = |reason: &str| Error::Location {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    if url == "memory://" {
        return Ok(Arc::new(InMemory::new()));
    }
    if let Some(rest) = url.strip_prefix("s3://") {
        return s3(rest).map_err(|e| err(&e));
    }
    if let Some((scheme, _)) = url.split_once("://")
        && scheme != "file"
    {
        return Err(err(
            "supported locations are a directory, file:///path, s3://bucket/prefix and memory://",
        ));
    }
    let dir = url.strip_prefix("file://").unwrap_or(url);
    if dir.is_empty() {
        return Err(err("empty path"));
    }
    std::fs::create_dir_all(dir).map_err(|e| err(&format!("cannot create the directory: {e}")))?;
    let fs = LocalFileSystem::new_with_prefix(dir).map_err(|e| err(&e.to_string()))?;
    Ok(Arc::new(fs))
}

/// The first set of these variables names the S3 endpoint (an emulator, a
/// VPC endpoint); the standard `AWS_ENDPOINT_URL_S3` wins.
const ENDPOINT_VARS: [&str; 2] = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"];

/// S3 through object_store, configured from the standard AWS environment.
/// Commits rely on conditional PUT (`If-None-Match: *`), which S3 has
/// supported since 2024.
fn s3(rest: &str) -> std::result::Result<Arc<dyn ObjectStore>, String> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err("no bucket in the URL".into());
    }
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
        builder = builder.with_region("us-east-1");
    }
    if let Some(endpoint) = ENDPOINT_VARS.iter().find_map(|v| std::env::var(v).ok()) {
        builder = builder
            .with_allow_http(endpoint.starts_with("http://"))
            .with_endpoint(endpoint);
    }
    let s3: Arc<dyn ObjectStore> = Arc::new(builder.build().map_err(|e| e.to_string())?);
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        return Ok(s3);
    }
    Ok(Arc::new(PrefixStore::new(s3, Path::from(prefix))))
}
