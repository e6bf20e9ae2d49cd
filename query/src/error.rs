#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] keyledger_store::Error),
    /// A query the user wrote is wrong (syntax, unknown column, …).
    #[error("{0}")]
    Query(datafusion::error::DataFusionError),
    #[error("output: {0}")]
    Output(String),
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::Query(e)
    }
}

impl From<arrow::error::ArrowError> for Error {
    fn from(e: arrow::error::ArrowError) -> Self {
        Error::Output(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
