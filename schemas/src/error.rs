/// Why one record could not become a row. These are facts about the *input*,
/// reported to the user and quarantined, never a bug of ours.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum RecordError {
    #[error("not valid UTF-8")]
    NotUtf8,
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("expected a JSON object, found {0}")]
    NotAnObject(&'static str),
    #[error("record has no eventTime")]
    MissingEventTime,
    #[error("unreadable eventTime {0:?}")]
    BadEventTime(String),
    #[error(
        "not a CloudTrail event: none of eventID, eventName, eventSource, eventType is present"
    )]
    NotAnEvent,
}

pub type Result<T, E = RecordError> = std::result::Result<T, E>;
