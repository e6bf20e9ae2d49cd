use std::{fmt, str::FromStr, sync::Arc};

use arrow::datatypes::{DataType, Field, SchemaRef};

/// The name of the Hive partition column every stream is partitioned by. It
/// is not stored inside the Parquet files; it lives in the path
/// (`date=YYYY-MM-DD`) and is added back by readers.
pub const PARTITION_COLUMN: &str = "date";

/// One table of the event store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    CloudTrail,
    KmsInventory,
    Gateway,
}

impl Stream {
    pub const ALL: [Stream; 3] = [Stream::CloudTrail, Stream::KmsInventory, Stream::Gateway];

    pub fn name(self) -> &'static str {
        match self {
            Stream::CloudTrail => "cloudtrail",
            Stream::KmsInventory => "kms_inventory",
            Stream::Gateway => "gateway",
        }
    }

    /// The schema of the stream's Parquet files (without the partition column).
    pub fn file_schema(self) -> SchemaRef {
        match self {
            Stream::CloudTrail => crate::cloudtrail::schema(),
            Stream::KmsInventory => crate::kms_inventory::schema(),
            Stream::Gateway => crate::gateway::schema(),
        }
    }

    /// Bumped whenever [`Stream::file_schema`] changes; recorded per segment.
    pub fn schema_version(self) -> u32 {
        match self {
            Stream::CloudTrail => crate::cloudtrail::SCHEMA_VERSION,
            Stream::KmsInventory => crate::kms_inventory::SCHEMA_VERSION,
            Stream::Gateway => crate::gateway::SCHEMA_VERSION,
        }
    }

    /// The partition column as readers expose it.
    pub fn partition_field() -> Arc<Field> {
        Arc::new(Field::new(PARTITION_COLUMN, DataType::Date32, false))
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown stream {0:?} (known: cloudtrail, kms_inventory, gateway)")]
pub struct UnknownStream(pub String);

impl FromStr for Stream {
    type Err = UnknownStream;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stream::ALL
            .into_iter()
            .find(|st| st.name() == s)
            .ok_or_else(|| UnknownStream(s.to_owned()))
    }
}
