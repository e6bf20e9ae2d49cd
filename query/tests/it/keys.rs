//! The rotation decision table: one case per scope rule and verdict, from
//! CloudTrail events and from KMS inventory snapshots.

use keyledger_schemas::kms_inventory::InventoryRecord;
use rstest::rstest;

use crate::support::{
    ACCOUNT, KEY_ID, REGION, create_key, key_arn, kms_call, kms_event, ledger, micros, rows,
};

fn ev(id: &str, time: &str, name: &str) -> String {
    kms_event(id, time, name, KEY_ID, "")
}

const CREATED: &str = "2026-01-10T09:00:00Z";
const LONG_AGO: &str = "2025-01-01T09:00:00Z";

fn symmetric(time: &str) -> String {
    create_key("create", time, KEY_ID, "SYMMETRIC_DEFAULT", "AWS_KMS")
}

fn enable_rotation(time: &str, period: Option<u32>) -> String {
    let params = match period {
        Some(p) => format!(r#"{{"keyId":"{KEY_ID}","rotationPeriodInDays":{p}}}"#),
        None => format!(r#"{{"keyId":"{KEY_ID}"}}"#),
    };
    kms_call("enable-rotation", time, "EnableKeyRotation", &params, "")
}

fn rotate_2025(time: &str, kind: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.11","userIdentity":{{"accountId":"{ACCOUNT}","invokedBy":"AWS Internal"}},"eventTime":"{time}","eventSource":"kms.amazonaws.com","eventName":"RotateKey","awsRegion":"{REGION}","sourceIPAddress":"AWS Internal","eventID":"rotate-{kind}","readOnly":false,"resources":[{{"accountId":"{ACCOUNT}","type":"AWS::KMS::Key","ARN":"{}"}}],"eventType":"AwsServiceEvent","recipientAccountId":"{ACCOUNT}","serviceEventDetails":{{"rotationType":"{kind}","keyOrigin":"AWS_KMS","keyId":"{KEY_ID}"}}}}"#,
        key_arn(ACCOUNT, REGION, KEY_ID)
    )
}

fn inventory(f: impl FnOnce(&mut InventoryRecord)) -> InventoryRecord {
    let mut r = InventoryRecord {
        snapshot_time: micros("2026-06-01T00:00:00Z"),
        key_arn: key_arn(ACCOUNT, REGION, KEY_ID),
        key_id: KEY_ID.into(),
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        key_manager: Some("CUSTOMER".into()),
        key_spec: Some("SYMMETRIC_DEFAULT".into()),
        key_usage: Some("ENCRYPT_DECRYPT".into()),
        origin: Some("AWS_KMS".into()),
        key_state: Some("Enabled".into()),
        creation_date: Some(micros(CREATED)),
        rotation_enabled: Some(true),
        rotation_period_days: Some(365),
        ..Default::default()
    };
    f(&mut r);
    r
}

fn s(v: &str) -> Option<String> {
    Some(v.into())
}

#[rstest]
// --- from CloudTrail events ---
#[case::ct_compliant(vec![symmetric(CREATED), enable_rotation(CREATED, None)], vec![], 365, "COMPLIANT", "within_policy")]
#[case::ct_rotation_never_enabled(vec![symmetric(CREATED)], vec![], 365, "NON_COMPLIANT", "rotation_disabled")]
#[case::ct_period_exceeds_policy(vec![symmetric(CREATED), enable_rotation(CREATED, Some(730))], vec![], 365, "NON_COMPLIANT", "period_exceeds_policy")]
#[case::ct_period_exceeds_a_90_day_policy(vec![symmetric(CREATED), enable_rotation(CREATED, None)], vec![], 90, "NON_COMPLIANT", "period_exceeds_policy")]
#[case::ct_material_overdue(vec![symmetric(LONG_AGO), enable_rotation("2026-06-01T00:00:00Z", None)], vec![], 365, "NON_COMPLIANT", "material_overdue")]
#[case::ct_automatic_rotation_2025_format(vec![symmetric(LONG_AGO), enable_rotation(LONG_AGO, None), rotate_2025("2026-01-01T00:00:00Z", "AUTOMATIC")], vec![], 365, "COMPLIANT", "within_policy")]
#[case::ct_on_demand_rotation_refreshes_material(vec![symmetric(LONG_AGO), enable_rotation(LONG_AGO, None), ev("ondemand", "2026-05-01T00:00:00Z", "RotateKeyOnDemand")], vec![], 365, "COMPLIANT", "within_policy")]
#[case::ct_asymmetric(vec![create_key("c", CREATED, KEY_ID, "RSA_2048", "AWS_KMS")], vec![], 365, "NOT_APPLICABLE", "asymmetric")]
#[case::ct_hmac(vec![create_key("c", CREATED, KEY_ID, "HMAC_256", "AWS_KMS")], vec![], 365, "NOT_APPLICABLE", "hmac")]
#[case::ct_imported_material(vec![create_key("c", CREATED, KEY_ID, "SYMMETRIC_DEFAULT", "EXTERNAL"), ev("import", CREATED, "ImportKeyMaterial")], vec![], 365, "NOT_APPLICABLE", "imported_material")]
#[case::ct_imported_material_deleted(vec![create_key("c", CREATED, KEY_ID, "SYMMETRIC_DEFAULT", "EXTERNAL"), ev("import", CREATED, "ImportKeyMaterial"), ev("del", "2026-03-01T00:00:00Z", "DeleteImportedKeyMaterial")], vec![], 365, "NOT_APPLICABLE", "pending_import")]
#[case::ct_cloudhsm(vec![create_key("c", CREATED, KEY_ID, "SYMMETRIC_DEFAULT", "AWS_CLOUDHSM")], vec![], 365, "NOT_APPLICABLE", "custom_key_store")]
#[case::ct_external_key_store(vec![create_key("c", CREATED, KEY_ID, "SYMMETRIC_DEFAULT", "EXTERNAL_KEY_STORE")], vec![], 365, "NOT_APPLICABLE", "custom_key_store")]
#[case::ct_disabled(vec![symmetric(CREATED), enable_rotation(CREATED, None), ev("dis", "2026-03-01T00:00:00Z", "DisableKey")], vec![], 365, "NOT_APPLICABLE", "disabled")]
#[case::ct_pending_deletion(vec![symmetric(CREATED), enable_rotation(CREATED, None), ev("del", "2026-03-01T00:00:00Z", "ScheduleKeyDeletion")], vec![], 365, "NOT_APPLICABLE", "pending_deletion")]
#[case::ct_deletion_cancelled_leaves_disabled(vec![symmetric(CREATED), enable_rotation(CREATED, None), ev("del", "2026-03-01T00:00:00Z", "ScheduleKeyDeletion"), ev("cancel", "2026-03-02T00:00:00Z", "CancelKeyDeletion")], vec![], 365, "NOT_APPLICABLE", "disabled")]
#[case::ct_cancelled_then_enabled_is_evaluated(vec![symmetric(CREATED), enable_rotation(CREATED, None), ev("del", "2026-03-01T00:00:00Z", "ScheduleKeyDeletion"), ev("cancel", "2026-03-02T00:00:00Z", "CancelKeyDeletion"), ev("en", "2026-03-03T00:00:00Z", "EnableKey")], vec![], 365, "COMPLIANT", "within_policy")]
#[case::ct_rotation_disabled_later(vec![symmetric(CREATED), enable_rotation(CREATED, None), ev("off", "2026-03-01T00:00:00Z", "DisableKeyRotation")], vec![], 365, "NON_COMPLIANT", "rotation_disabled")]
#[case::ct_failed_enable_changes_nothing(vec![symmetric(CREATED), kms_event("e", CREATED, "EnableKeyRotation", KEY_ID, r#","errorCode":"AccessDeniedException","errorMessage":"no""#)], vec![], 365, "NON_COMPLIANT", "rotation_disabled")]
#[case::ct_used_but_never_configured(vec![ev("use", "2026-06-01T00:00:00Z", "Decrypt")], vec![], 365, "UNKNOWN", "no_configuration_evidence")]
// --- from KMS inventory snapshots ---
#[case::inv_compliant(vec![], vec![inventory(|_| {})], 365, "COMPLIANT", "within_policy")]
#[case::inv_aws_managed(vec![], vec![inventory(|r| r.key_manager = s("AWS"))], 365, "NOT_APPLICABLE", "aws_managed")]
#[case::inv_rotation_disabled(vec![], vec![inventory(|r| r.rotation_enabled = Some(false))], 365, "NON_COMPLIANT", "rotation_disabled")]
#[case::inv_period_exceeds_policy(vec![], vec![inventory(|r| r.rotation_period_days = Some(400))], 365, "NON_COMPLIANT", "period_exceeds_policy")]
#[case::inv_material_overdue(vec![], vec![inventory(|r| { r.creation_date = Some(micros("2024-01-01T00:00:00Z")); r.last_rotation = Some(micros("2025-01-01T00:00:00Z")); r.last_rotation_type = s("AUTOMATIC"); })], 365, "NON_COMPLIANT", "material_overdue")]
#[case::inv_rotated_on_demand(vec![], vec![inventory(|r| { r.creation_date = Some(micros("2024-01-01T00:00:00Z")); r.last_rotation = Some(micros("2026-05-01T00:00:00Z")); r.last_rotation_type = s("ON_DEMAND"); })], 365, "COMPLIANT", "within_policy")]
#[case::inv_asymmetric(vec![], vec![inventory(|r| r.key_spec = s("ECC_NIST_P256"))], 365, "NOT_APPLICABLE", "asymmetric")]
#[case::inv_hmac(vec![], vec![inventory(|r| r.key_spec = s("HMAC_512"))], 365, "NOT_APPLICABLE", "hmac")]
#[case::inv_imported_material(vec![], vec![inventory(|r| r.origin = s("EXTERNAL"))], 365, "NOT_APPLICABLE", "imported_material")]
#[case::inv_cloudhsm(vec![], vec![inventory(|r| r.origin = s("AWS_CLOUDHSM"))], 365, "NOT_APPLICABLE", "custom_key_store")]
#[case::inv_disabled(vec![], vec![inventory(|r| r.key_state = s("Disabled"))], 365, "NOT_APPLICABLE", "disabled")]
#[case::inv_pending_deletion(vec![], vec![inventory(|r| r.key_state = s("PendingDeletion"))], 365, "NOT_APPLICABLE", "pending_deletion")]
#[case::inv_describe_failed(vec![], vec![inventory(|r| { r.key_manager = None; r.key_spec = None; r.origin = None; r.key_state = None; r.creation_date = None; r.rotation_enabled = None; r.errors = s(r#"[{"api":"DescribeKey","code":"AccessDeniedException"}]"#); })], 365, "UNKNOWN", "no_configuration_evidence")]
#[case::inv_rotation_status_unreadable(vec![], vec![inventory(|r| { r.rotation_enabled = None; r.rotation_period_days = None; })], 365, "UNKNOWN", "rotation_status_unknown")]
// An inventory snapshot, then a later CloudTrail event: the later one wins.
#[case::inv_then_rotation_disabled(vec![ev("off", "2026-06-15T00:00:00Z", "DisableKeyRotation")], vec![inventory(|_| {})], 365, "NON_COMPLIANT", "rotation_disabled")]
#[tokio::test]
async fn verdict(
    #[case] events: Vec<String>,
    #[case] snapshots: Vec<InventoryRecord>,
    #[case] policy: u32,
    #[case] status: &str,
    #[case] reason: &str,
) {
    let ledger = ledger(&events, &snapshots).await;
    ledger.set("as_of", "2026-06-30").unwrap();
    ledger.set("policy_days", &policy.to_string()).unwrap();
    let rows = rows(
        &ledger,
        "SELECT key_arn, status, reason, evidence FROM rotation_compliance",
    )
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["key_arn"], key_arn(ACCOUNT, REGION, KEY_ID));
    assert_eq!(
        (
            rows[0]["status"].as_str().unwrap(),
            rows[0]["reason"].as_str().unwrap()
        ),
        (status, reason),
        "{rows:?}"
    );
    if status != "UNKNOWN" {
        assert!(
            !rows[0]["evidence"].as_array().unwrap().is_empty(),
            "a verdict without evidence: {rows:?}"
        );
    }
}

#[tokio::test]
async fn a_key_named_by_id_and_by_arn_is_one_key() {
    let arn = key_arn(ACCOUNT, REGION, KEY_ID);
    let ledger = ledger(
        &[
            symmetric(CREATED),
            kms_event(
                "by-id",
                "2026-02-01T00:00:00Z",
                "EnableKeyRotation",
                KEY_ID,
                "",
            ),
            kms_event("by-arn", "2026-02-02T00:00:00Z", "Decrypt", &arn, ""),
        ],
        &[],
    )
    .await;
    let rows = rows(&ledger, "SELECT key_arn, status FROM rotation_compliance").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "COMPLIANT");
}

#[tokio::test]
async fn the_same_key_id_in_two_accounts_or_regions_is_two_keys() {
    let other_account = r#"{"eventVersion":"1.11","eventTime":"2026-02-01T00:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","eventID":"acc2","recipientAccountId":"444455556666","requestParameters":{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}}"#;
    let other_region = r#"{"eventVersion":"1.11","eventTime":"2026-02-01T00:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"eu-west-1","eventID":"reg2","recipientAccountId":"111122223333","requestParameters":{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}}"#;
    let ledger = ledger(
        &[
            symmetric(CREATED),
            other_account.into(),
            other_region.into(),
        ],
        &[],
    )
    .await;
    let rows = rows(
        &ledger,
        "SELECT key_arn, status FROM rotation_compliance ORDER BY key_arn",
    )
    .await;
    let arns: Vec<&str> = rows
        .iter()
        .map(|r| r["key_arn"].as_str().unwrap())
        .collect();
    assert_eq!(
        arns,
        vec![
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ]
    );
    // Seen, never configured: evidence gaps, not compliance.
    assert_eq!(rows.iter().filter(|r| r["status"] == "UNKNOWN").count(), 2);
}

#[tokio::test]
async fn as_of_in_the_past_gives_that_days_verdict() {
    let ledger = ledger(
        &[
            symmetric(CREATED),
            enable_rotation(CREATED, None),
            ev("off", "2026-03-01T12:00:00Z", "DisableKeyRotation"),
        ],
        &[],
    )
    .await;
    let status = |as_of: &'static str| {
        let ledger = ledger.clone();
        async move {
            ledger.set("as_of", as_of).unwrap();
            rows(&ledger, "SELECT status FROM rotation_compliance").await[0]["status"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(status("2026-02-28").await, "COMPLIANT");
    assert_eq!(status("2026-03-01").await, "NON_COMPLIANT");
    // Before the key existed, there is nothing to say about it.
    ledger.set("as_of", "2026-01-01").unwrap();
    assert!(
        rows(&ledger, "SELECT status FROM rotation_compliance")
            .await
            .is_empty()
    );
    // The policy is a session setting, from SQL too.
    ledger.set("as_of", "2026-02-28").unwrap();
    ledger
        .sql("SET keyledger.policy_days = 30")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let r = rows(
        &ledger,
        "SELECT status, reason, policy_days FROM rotation_compliance",
    )
    .await;
    assert_eq!(
        (
            r[0]["status"].as_str(),
            r[0]["reason"].as_str(),
            r[0]["policy_days"].as_i64()
        ),
        (
            Some("NON_COMPLIANT"),
            Some("period_exceeds_policy"),
            Some(30)
        )
    );
}
