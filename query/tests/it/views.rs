//! Findings and RDS lineage from realistic records.

use crate::support::{
    ACCOUNT, KEY_ID, REGION, create_key, key_arn, kms_call, kms_event, ledger, rows,
};

fn rds_call(id: &str, time: &str, name: &str, params: &str, response: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.11","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::{ACCOUNT}:user/dba","accountId":"{ACCOUNT}"}},"eventTime":"{time}","eventSource":"rds.amazonaws.com","eventName":"{name}","awsRegion":"{REGION}","sourceIPAddress":"10.0.0.9","eventID":"{id}","recipientAccountId":"{ACCOUNT}","requestParameters":{params},"responseElements":{response}}}"#
    )
}

#[tokio::test]
async fn critical_events_become_findings_and_failures_do_not() {
    let arn = key_arn(ACCOUNT, REGION, KEY_ID);
    let open_policy = r#"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"kms:Decrypt\"}]}"#;
    let org_policy = r#"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"kms:Decrypt\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-1\"}}}]}"#;
    let records = vec![
        create_key("c", "2026-01-01T00:00:00Z", KEY_ID, "SYMMETRIC_DEFAULT", "AWS_KMS"),
        kms_event("sched", "2026-02-01T00:00:00Z", "ScheduleKeyDeletion", KEY_ID, ""),
        kms_event("sched-failed", "2026-02-01T00:00:01Z", "ScheduleKeyDeletion", KEY_ID, r#","errorCode":"AccessDeniedException""#),
        kms_event("disable", "2026-02-02T00:00:00Z", "DisableKey", KEY_ID, ""),
        kms_event("rot-off", "2026-02-03T00:00:00Z", "DisableKeyRotation", KEY_ID, ""),
        kms_event("mat", "2026-02-04T00:00:00Z", "DeleteImportedKeyMaterial", KEY_ID, ""),
        kms_call("policy-open", "2026-02-05T00:00:00Z", "PutKeyPolicy", &format!(r#"{{"keyId":"{KEY_ID}","policyName":"default","policy":"{open_policy}"}}"#), ""),
        kms_call("policy-org", "2026-02-05T00:00:01Z", "PutKeyPolicy", &format!(r#"{{"keyId":"{KEY_ID}","policyName":"default","policy":"{org_policy}"}}"#), ""),
        kms_call("stop", "2026-02-06T00:00:00Z", "StopLogging", r#"{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}"#, "").replace("kms.amazonaws.com", "cloudtrail.amazonaws.com"),
        kms_call("sel", "2026-02-07T00:00:00Z", "PutEventSelectors", r#"{"trailName":"main","eventSelectors":[{"readWriteType":"All","includeManagementEvents":true,"excludeManagementEventSources":["kms.amazonaws.com"]}]}"#, "").replace("kms.amazonaws.com\",\"eventName", "cloudtrail.amazonaws.com\",\"eventName"),
        rds_call("db-plain", "2026-02-08T00:00:00Z", "CreateDBInstance", r#"{"dBInstanceIdentifier":"plain","engine":"mysql","storageEncrypted":false}"#, r#"{"dBInstanceIdentifier":"plain","storageEncrypted":false}"#),
        rds_call("snap-public", "2026-02-09T00:00:00Z", "ModifyDBSnapshotAttribute", r#"{"dBSnapshotIdentifier":"s1","attributeName":"restore","valuesToAdd":["all"]}"#, "null"),
        rds_call("snap-shared", "2026-02-10T00:00:00Z", "ModifyDBSnapshotAttribute", r#"{"dBSnapshotIdentifier":"s2","attributeName":"restore","valuesToAdd":["444455556666"]}"#, "null"),
    ];
    let ledger = ledger(&records, &[]).await;
    let found = rows(
        &ledger,
        "SELECT kind, severity, key_arn, evidence, controls FROM findings ORDER BY first_seen",
    )
    .await;
    let kinds: Vec<&str> = found.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec![
            "key_deletion_scheduled",
            "key_disabled",
            "key_rotation_disabled",
            "key_material_deleted",
            "key_policy_public",
            "trail_stopped",
            "kms_events_excluded",
            "rds_unencrypted",
            "rds_snapshot_public",
            "rds_snapshot_shared",
        ]
    );
    assert_eq!(found[0]["severity"], "critical");
    assert_eq!(found[0]["key_arn"], arn);
    assert_eq!(found[0]["evidence"], serde_json::json!(["sched"]));
    assert!(
        found[2]["controls"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("PCI-DSS-4.0.1:3.7.4"))
    );
    assert_eq!(found[4]["evidence"], serde_json::json!(["policy-open"]));
}

#[tokio::test]
async fn rds_lineage_follows_a_rekey_through_a_snapshot_copy() {
    let old = key_arn(ACCOUNT, REGION, KEY_ID);
    let new_id = "99999999-12ab-34cd-56ef-1234567890ab";
    let new = key_arn(ACCOUNT, REGION, new_id);
    let records = vec![
        create_key(
            "k1",
            "2025-01-01T00:00:00Z",
            KEY_ID,
            "SYMMETRIC_DEFAULT",
            "AWS_KMS",
        ),
        create_key(
            "k2",
            "2026-03-01T00:00:00Z",
            new_id,
            "SYMMETRIC_DEFAULT",
            "AWS_KMS",
        ),
        rds_call(
            "db",
            "2025-01-02T00:00:00Z",
            "CreateDBInstance",
            &format!(
                r#"{{"dBInstanceIdentifier":"orders","engine":"postgres","storageEncrypted":true,"kmsKeyId":"{KEY_ID}"}}"#
            ),
            &format!(
                r#"{{"dBInstanceIdentifier":"orders","storageEncrypted":true,"kmsKeyId":"{old}"}}"#
            ),
        ),
        rds_call(
            "snap",
            "2026-03-02T00:00:00Z",
            "CreateDBSnapshot",
            r#"{"dBSnapshotIdentifier":"orders-snap","dBInstanceIdentifier":"orders"}"#,
            r#"{"encrypted":true}"#,
        ),
        rds_call(
            "copy",
            "2026-03-02T01:00:00Z",
            "CopyDBSnapshot",
            &format!(
                r#"{{"sourceDBSnapshotIdentifier":"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:orders-snap","targetDBSnapshotIdentifier":"orders-snap-v2","kmsKeyId":"{new}"}}"#
            ),
            "null",
        ),
        rds_call(
            "restore",
            "2026-03-03T00:00:00Z",
            "RestoreDBInstanceFromDBSnapshot",
            r#"{"dBInstanceIdentifier":"orders-v2","dBSnapshotIdentifier":"orders-snap-v2"}"#,
            "null",
        ),
        rds_call(
            "delete",
            "2026-03-04T00:00:00Z",
            "DeleteDBInstance",
            r#"{"dBInstanceIdentifier":"orders"}"#,
            "null",
        ),
    ];
    let ledger = ledger(&records, &[]).await;
    ledger.set("as_of", "2026-06-30").unwrap();
    let dbs = rows(&ledger, "SELECT db_identifier, key_arn, active, previous_key_arn, previous_database, key_status FROM rds_keys ORDER BY created_at").await;
    assert_eq!(dbs.len(), 2, "{dbs:?}");
    assert_eq!(
        (dbs[0]["db_identifier"].as_str(), dbs[0]["active"].as_bool()),
        (Some("orders"), Some(false))
    );
    assert_eq!(dbs[0]["key_arn"], old);
    assert_eq!(dbs[1]["db_identifier"], "orders-v2");
    assert_eq!(dbs[1]["key_arn"], new);
    assert_eq!(dbs[1]["previous_key_arn"], old);
    assert_eq!(dbs[1]["previous_database"], "orders");
    // Rotation is off on both keys (never enabled): the verdict travels with the key.
    assert_eq!(dbs[1]["key_status"], "NON_COMPLIANT");

    // As of before the re-key, only the old database exists, on the old key.
    ledger.set("as_of", "2026-03-01").unwrap();
    let dbs = rows(&ledger, "SELECT db_identifier, active FROM rds_keys").await;
    assert_eq!(dbs.len(), 1);
    assert_eq!(
        (dbs[0]["db_identifier"].as_str(), dbs[0]["active"].as_bool()),
        (Some("orders"), Some(true))
    );

    ledger.set("as_of", "2026-06-30").unwrap();
    let snaps = rows(&ledger, "SELECT snapshot_identifier, key_arn, needs_attention FROM rds_snapshots ORDER BY created_at").await;
    assert_eq!(snaps[0]["snapshot_identifier"], "orders-snap");
    assert_eq!(snaps[0]["key_arn"], old);
    assert_eq!(snaps[1]["key_arn"], new);
    assert_eq!(snaps[0]["needs_attention"], true);
}
