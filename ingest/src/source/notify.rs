//! S3 event notifications: which objects to read, from the messages that
//! announce them.

use std::collections::BTreeSet;

/// The objects named by S3 event notifications, as `(bucket, key)`.
///
/// Accepts, one JSON document per line or one document in all: CloudTrail's
/// SNS notification (`{"s3Bucket":…,"s3ObjectKey":[…]}`), the SNS envelope
/// around it (`{"Type":"Notification","Message":"…"}`), S3 event
/// notifications (`{"Records":[{"s3":{"bucket":{"name"},"object":{"key"}}}]}`,
/// keys URL-encoded), and an SQS `ReceiveMessage` response holding any of
/// these as message bodies.
pub fn parse_notifications(text: &str) -> std::result::Result<Vec<(String, String)>, String> {
    fn visit(v: &serde_json::Value, out: &mut Vec<(String, String)>) -> Result<(), String> {
        use serde_json::Value;
        if let Some(msgs) = v.get("Messages").and_then(Value::as_array) {
            for m in msgs {
                let body = m.get("Body").and_then(Value::as_str).unwrap_or("");
                visit(&serde_json::from_str(body).map_err(|e| e.to_string())?, out)?;
            }
        } else if let Some(inner) = v.get("Message").and_then(Value::as_str) {
            visit(
                &serde_json::from_str(inner).map_err(|e| e.to_string())?,
                out,
            )?;
        } else if let Some(bucket) = v.get("s3Bucket").and_then(Value::as_str) {
            let keys = v
                .get("s3ObjectKey")
                .and_then(Value::as_array)
                .ok_or("s3ObjectKey is not a list")?;
            for k in keys.iter().filter_map(Value::as_str) {
                out.push((bucket.to_owned(), k.to_owned()));
            }
        } else if let Some(records) = v.get("Records").and_then(Value::as_array) {
            for r in records {
                let s3 = r.get("s3").ok_or("a record without s3")?;
                let bucket = s3.pointer("/bucket/name").and_then(Value::as_str);
                let key = s3.pointer("/object/key").and_then(Value::as_str);
                let (Some(bucket), Some(key)) = (bucket, key) else {
                    return Err("an S3 event without bucket name or object key".into());
                };
                out.push((bucket.to_owned(), url_decode(key)));
            }
        } else if v.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
            // sent once when notifications are set up
        } else {
            return Err("not an S3 or CloudTrail notification".into());
        }
        Ok(())
    }
    let mut out = Vec::new();
    let docs: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(v) => vec![v],
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
            .collect::<std::result::Result<_, _>>()?,
    };
    for d in &docs {
        visit(d, &mut out)?;
    }
    // The same object is often announced more than once.
    let mut seen = BTreeSet::new();
    out.retain(|o| seen.insert(o.clone()));
    Ok(out)
}

/// S3 event keys are form-encoded (`+` for space, `%XX`).
fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn notifications_in_every_wrapping() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/cloudtrail/aws-cloudtrail-processing-library/"
        );
        let sns = std::fs::read_to_string(format!("{dir}SQSMessageBody")).unwrap();
        let got = parse_notifications(&sns).unwrap();
        assert_eq!(got.len(), 1, "the duplicate key is read once");
        assert_eq!(got[0].0, "my-test-bucket");
        assert!(
            got[0]
                .1
                .ends_with("_20140309T2015Z_996mpJdKNLd1Yvzl.json.gz")
        );
        assert!(
            parse_notifications(
                &std::fs::read_to_string(format!("{dir}SQSMessageBodyWrongFormat")).unwrap()
            )
            .is_err()
        );

        let s3_event = r#"{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"b"},"object":{"key":"AWSLogs/1/CloudTrail/us-east-1/2025/01/02/a%3Ab+c.json.gz"}}}]}"#;
        let sqs = json!({"Messages":[{"Body": s3_event}, {"Body": sns}]}).to_string();
        let got = parse_notifications(&sqs).unwrap();
        assert_eq!(
            got[0],
            (
                "b".into(),
                "AWSLogs/1/CloudTrail/us-east-1/2025/01/02/a:b c.json.gz".into()
            )
        );
        assert_eq!(got.len(), 2);
        let lines = format!("{s3_event}\n\n{}\n", r#"{"Event":"s3:TestEvent"}"#);
        assert_eq!(parse_notifications(&lines).unwrap().len(), 1);
    }
}
