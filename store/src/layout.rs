//! Where things live inside a store. Everything else goes through here.
//!
//! ```text
//! data/<stream>/date=YYYY-MM-DD/<segment-id>.parquet   committed segments (Hive layout)
//! manifest/<20-digit sequence>.json                    one file per commit, the hash chain
//! quarantine/date=YYYY-MM-DD/<id>.ndjson               bad input, with origin and reason
//! _staging/<id>.<ext>                                  written, not yet published
//! ```

use keyledger_schemas::{Stream, time};
use object_store::path::Path;

pub const DATA: &str = "data";
pub const MANIFEST: &str = "manifest";
pub const QUARANTINE: &str = "quarantine";
pub const STAGING: &str = "_staging";

pub fn commit_path(sequence: u64) -> Path {
    Path::from(format!("{MANIFEST}/{sequence:020}.json"))
}

/// The sequence number of a commit file name, if it is one.
pub fn commit_sequence(path: &Path) -> Option<u64> {
    let name = path.filename()?;
    let digits = name.strip_suffix(".json")?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

pub fn segment_path(stream: Stream, date: i32, id: &str) -> String {
    format!(
        "{DATA}/{stream}/date={}/{id}.parquet",
        time::date32_to_string(date)
    )
}

pub fn quarantine_path(date: &str, id: &str) -> String {
    format!("{QUARANTINE}/date={date}/{id}.ndjson")
}

/// Where an object waits until its commit is durable.
pub fn staging_path(final_path: &str) -> Path {
    let name = final_path.rsplit('/').next().unwrap_or(final_path);
    Path::from(format!("{STAGING}/{name}"))
}

/// The `date=` partition of a data path.
pub fn partition_of(path: &str) -> Option<i32> {
    let part = path.split('/').find_map(|p| p.strip_prefix("date="))?;
    time::date32_from_str(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            commit_path(7).as_ref(),
            "manifest/00000000000000000007.json"
        );
        assert_eq!(commit_sequence(&commit_path(7)), Some(7));
        assert_eq!(commit_sequence(&Path::from("manifest/7.json")), None);
        let d = time::date32_from_str("2025-03-06").unwrap();
        let p = segment_path(Stream::CloudTrail, d, "abc");
        assert_eq!(p, "data/cloudtrail/date=2025-03-06/abc.parquet");
        assert_eq!(partition_of(&p), Some(d));
        assert_eq!(staging_path(&p).as_ref(), "_staging/abc.parquet");
    }
}
