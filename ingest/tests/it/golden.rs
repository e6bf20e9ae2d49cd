//! Golden tests: the normalised columns of real records, pinned with insta.

use keyledger_ingest::source::file::FileOptions;
use rstest::rstest;

use crate::support::{batches, fixtures, read_all, rows};

/// The columns an auditor filters by: who, which key, from where, did it fail.
const COLUMNS: &[&str] = &[
    "event_time",
    "event_id",
    "event_id_derived",
    "event_source",
    "event_name",
    "event_type",
    "aws_region",
    "recipient_account_id",
    "principal_type",
    "principal_arn",
    "session_arn",
    "invoked_by",
    "source_ip",
    "error_code",
    "error_message",
    "read_only",
    "key_arn",
    "resource_arns",
];

async fn normalised(path: &str, only: Option<(&str, &str)>) -> Vec<serde_json::Value> {
    let (chunks, _) = read_all(&fixtures().join(path), FileOptions::default()).await;
    rows(&batches(&chunks))
        .into_iter()
        .filter(|r| only.is_none_or(|(col, v)| r.get(col).and_then(|x| x.as_str()) == Some(v)))
        .map(|r| {
            let picked: serde_json::Map<_, _> = COLUMNS
                .iter()
                .filter_map(|c| r.get(*c).map(|v| ((*c).to_owned(), v.clone())))
                .collect();
            serde_json::Value::Object(picked)
        })
        .collect()
}

#[rstest]
// An assumed-role Lambda decrypt, delivered through an organisation trail.
#[case::org_trail_assumed_role_decrypt(
    "data/cloudtrail/cloud-snitch-delivered-gz/aws-cloudtrail-logs/AWSLogs/o-1234abcde/222222222222/CloudTrail/us-east-1/2025/03/06/222222222222_CloudTrail_us-east-1_20250306T0230Z_QF6qcgyiaVnSueXa.json.gz",
    Some(("event_source", "kms.amazonaws.com"))
)]
// A decrypt by an AWS service (CloudFront) for a customer key.
#[case::aws_service_decrypt(
    "data/cloudtrail/cloud-snitch-delivered-gz/aws-cloudtrail-logs/AWSLogs/333333333333/CloudTrail/us-east-1/2025/03/06/333333333333_CloudTrail_us-east-1_20250306T0320Z_ZgdYr0lP8M9fWEH8.json.gz",
    None
)]
// RotateKey in the 2025 format: an AWS service event naming the key in resources.
#[case::rotate_key_2025(
    "data/cloudtrail/aws-kms-developer-guide-current-transcribed/ct-rotatekey-2025.json",
    None
)]
#[case::rotate_key_on_demand(
    "data/cloudtrail/aws-kms-developer-guide-current-transcribed/ct-rotatekeyondemand-2024.json",
    None
)]
// Insights events: no eventName, eventSource or userIdentity at the top.
#[case::insights_events(
    "data/cloudtrail/aws-cloudtrail-user-guide/ct-userguide-2023-combined-Records.json",
    Some(("event_type", "AwsCloudTrailInsight"))
)]
// A failed call: error fields, and no state change should follow from it.
#[case::failed_call(
    "data/cloudtrail/aws-cloudtrail-user-guide/blocks/cloudtrail-log-file-examples-7.json",
    None
)]
// Key ids given bare in requestParameters, resolved with account and region.
#[case::bare_key_id(
    "data/cloudtrail/aws-kms-developer-guide/blocks/ct-enablekeyrotation-1.json",
    None
)]
// CreateKey names its key only in responseElements.keyMetadata.
#[case::create_key(
    "data/cloudtrail/aws-kms-developer-guide/blocks/ct-createkey-1.json",
    None
)]
// Alias ARNs in resources are not keys.
#[case::update_alias(
    "data/cloudtrail/aws-kms-developer-guide/blocks/ct-updatealias-1.json",
    None
)]
#[case::unusual_identities(
    "data/cloudtrail/aws-cloudtrail-processing-library/SerializerVariousUserIdentityTestFile.json",
    None
)]
#[case::no_event_id(
    "data/cloudtrail/aws-cloudtrail-processing-library/SerializerTestFileMissField.json",
    None
)]
#[tokio::test]
async fn golden(#[case] path: &str, #[case] only: Option<(&str, &str)>) {
    let rows = normalised(path, only).await;
    assert!(!rows.is_empty(), "no rows from {path}");
    let name = std::thread::current()
        .name()
        .unwrap_or("golden")
        .rsplit("::")
        .next()
        .unwrap_or("golden")
        .to_owned();
    insta::assert_json_snapshot!(name, rows);
}

#[tokio::test]
async fn organisation_trail_path_is_kept_as_the_source() {
    let path = "data/cloudtrail/cloud-snitch-delivered-gz/aws-cloudtrail-logs/AWSLogs/o-1234abcde/222222222222";
    let (chunks, _) = read_all(&fixtures().join(path), FileOptions::default()).await;
    let rows = rows(&batches(&chunks));
    assert!(!rows.is_empty());
    for r in rows {
        let source = r["source"].as_str().unwrap();
        assert!(
            source.contains("AWSLogs/o-1234abcde/222222222222/CloudTrail/us-east-1/2025/03/06/"),
            "{source}"
        );
        assert_eq!(r["recipient_account_id"], "222222222222");
    }
}
