//! Every valid record of the real fixtures is read, every invalid file is
//! quarantined with a reason. The expected numbers come from an independent,
//! deliberately simple reading of the same files (serde_json values, RFC
//! 3339 times), not from the code under test.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::Read,
    path::Path,
};

use keyledger_ingest::source::file::FileOptions;

use crate::support::{batches, fixtures, read_all, rows};

#[derive(Default, Debug)]
struct Expected {
    ids: BTreeSet<String>,
    without_id: usize,
    /// Files with something that is not a valid record.
    bad_files: BTreeSet<String>,
}

fn is_event(v: &serde_json::Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    let time_ok = o
        .get("eventTime")
        .and_then(|t| t.as_str())
        .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok());
    time_ok
        && ["eventID", "eventName", "eventSource", "eventType"]
            .iter()
            .any(|k| o.get(*k).is_some_and(|v| !v.is_null()))
}

fn walk(dir: &Path, out: &mut Expected) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
            continue;
        }
        let name = path.to_string_lossy().into_owned();
        if !(name.ends_with(".json") || name.ends_with(".json.gz")) {
            continue;
        }
        let mut bytes = std::fs::read(&path).unwrap();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .unwrap();
            bytes = out;
        }
        // A file is a sequence of JSON values (usually one); whatever follows
        // the first broken value is lost.
        let mut docs = Vec::new();
        for v in serde_json::Deserializer::from_slice(&bytes).into_iter::<serde_json::Value>() {
            match v {
                Ok(v) => docs.push(v),
                Err(_) => {
                    out.bad_files.insert(name.clone());
                    break;
                }
            }
        }
        let mut records = Vec::new();
        for doc in docs {
            if doc.get("digestS3Object").is_some() {
                continue; // a digest file: checked, not ingested
            }
            match doc {
                serde_json::Value::Object(o) if o.contains_key("Records") => {
                    records.extend(o["Records"].as_array().cloned().unwrap_or_default())
                }
                serde_json::Value::Array(a) => records.extend(a),
                other => records.push(other),
            }
        }
        for r in records {
            if !is_event(&r) {
                out.bad_files.insert(name.clone());
            } else if let Some(id) = r.get("eventID").and_then(|v| v.as_str()) {
                out.ids.insert(id.to_owned());
            } else {
                out.without_id += 1;
            }
        }
    }
}

#[tokio::test]
async fn every_valid_record_is_read_and_every_bad_file_quarantined() {
    let root = fixtures().join("data/cloudtrail");
    let mut expected = Expected::default();
    walk(&root, &mut expected);

    let (chunks, source) = read_all(&root, FileOptions::default()).await;
    let rows = rows(&batches(&chunks));
    let mut ids = BTreeSet::new();
    let mut derived = 0;
    for r in &rows {
        if r["event_id_derived"] == true {
            derived += 1;
        } else {
            ids.insert(r["event_id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(
        ids, expected.ids,
        "event ids read differ from the independent count"
    );
    assert_eq!(derived, expected.without_id);
    // Sanity: the fixtures are what we think they are.
    assert!(expected.ids.len() >= 90, "{}", expected.ids.len());

    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &chunks {
        for q in &c.quarantine {
            assert!(!q.reason.is_empty());
            reasons
                .entry(q.origin.clone())
                .or_default()
                .push(q.reason.clone());
        }
    }
    let quarantined: BTreeSet<String> = reasons.keys().cloned().collect();
    assert_eq!(
        quarantined, expected.bad_files,
        "quarantined files differ from the files with bad input"
    );
    for name in expected
        .bad_files
        .iter()
        .filter(|n| n.contains(".INVALID."))
    {
        assert!(!reasons[name].is_empty(), "{name} has no reason");
    }
    let stats = keyledger_ingest::Source::stats(&source);
    assert_eq!(stats.records as usize, rows.len());
    assert_eq!(
        stats.quarantined as usize,
        reasons.values().map(Vec::len).sum::<usize>()
    );
}

#[tokio::test]
async fn lookup_events_output_is_read_from_its_json_strings() {
    let (chunks, _) = read_all(
        &fixtures().join("lookup-events-output.json"),
        FileOptions::default(),
    )
    .await;
    let rows = rows(&batches(&chunks));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["event_id"], "654ccbc0-ba0d-486a-9076-dbf7274677a7");
    assert_eq!(
        rows[0]["principal_arn"],
        "arn:aws:iam::123456789012:role/my-role"
    );
    // `raw` is the event itself, decoded from its string.
    assert!(
        rows[0]["raw"]
            .as_str()
            .unwrap()
            .starts_with("{\"eventVersion\":\"1.02\"")
    );
}
