use keyledger_schemas::Stream;

/// Store failures. Tampering found by `verify` is not an error: it is the
/// report ([`crate::VerifyReport`]); these are failures to do the work.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unsupported store location {url:?}: {reason}")]
    Location { url: String, reason: String },
    #[error("object store {operation} {path}: {source}")]
    ObjectStore {
        operation: &'static str,
        path: String,
        source: object_store::Error,
    },
    #[error("manifest commit {path} is unreadable: {reason}")]
    BadCommit { path: String, reason: String },
    #[error("{stream} batch does not match the stream schema: {reason}")]
    SchemaMismatch { stream: Stream, reason: String },
    #[error("parquet {path}: {source}")]
    Parquet {
        path: String,
        source: parquet::errors::ParquetError,
    },
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("no pack named {name:?}")]
    PackNotFound { name: String },
    #[error("gave up committing after {attempts} conflicting commits from other writers")]
    TooManyConflicts { attempts: usize },
}

impl Error {
    pub(crate) fn os(
        operation: &'static str,
        path: &impl ToString,
        source: object_store::Error,
    ) -> Self {
        Error::ObjectStore {
            operation,
            path: path.to_string(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
