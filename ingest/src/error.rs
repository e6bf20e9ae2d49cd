use std::path::PathBuf;

/// Failures of a source itself (as opposed to bad records, which are
/// quarantined and never fail a run).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot walk {path}: {source}")]
    Walk {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: no such file or directory")]
    NotFound { path: PathBuf },
    #[error("public keys in {path}: {reason}")]
    PublicKeys { path: PathBuf, reason: String },
    #[error("{origin}: {reason}")]
    Source { origin: String, reason: String },
    #[error("ingest worker stopped unexpectedly: {0}")]
    Worker(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
