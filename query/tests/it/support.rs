use std::sync::Arc;

use keyledger_query::Ledger;
use keyledger_schemas::{
    Stream, cloudtrail,
    kms_inventory::{self, InventoryRecord},
};
use keyledger_store::{Store, WriterOptions};
use object_store::memory::InMemory;

pub(crate) const ACCOUNT: &str = "111122223333";
pub(crate) const REGION: &str = "us-east-1";
pub(crate) const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

pub(crate) fn key_arn(account: &str, region: &str, id: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/{id}")
}

/// A CloudTrail KMS record about a key, as CloudTrail writes them.
pub(crate) fn kms_event(id: &str, time: &str, name: &str, key: &str, extra: &str) -> String {
    kms_call(id, time, name, &format!(r#"{{"keyId":"{key}"}}"#), extra)
}

/// The same with any request parameters.
pub(crate) fn kms_call(id: &str, time: &str, name: &str, params: &str, extra: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.11","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/admin/alice","accountId":"{ACCOUNT}","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::{ACCOUNT}:role/admin"}}}}}},"eventTime":"{time}","eventSource":"kms.amazonaws.com","eventName":"{name}","awsRegion":"{REGION}","sourceIPAddress":"10.0.0.1","eventID":"{id}","recipientAccountId":"{ACCOUNT}","requestParameters":{params}{extra}}}"#
    )
}

/// CreateKey with its metadata (spec, origin), named only in the response.
pub(crate) fn create_key(id: &str, time: &str, key_id: &str, spec: &str, origin: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.11","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::{ACCOUNT}:user/alice","accountId":"{ACCOUNT}"}},"eventTime":"{time}","eventSource":"kms.amazonaws.com","eventName":"CreateKey","awsRegion":"{REGION}","sourceIPAddress":"10.0.0.1","eventID":"{id}","recipientAccountId":"{ACCOUNT}","requestParameters":{{"keySpec":"{spec}","origin":"{origin}"}},"responseElements":{{"keyMetadata":{{"aWSAccountId":"{ACCOUNT}","keyId":"{key_id}","arn":"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}","creationDate":"{time}","keySpec":"{spec}","origin":"{origin}","keyManager":"CUSTOMER","keyState":"Enabled"}}}}}}"#
    )
}

/// A store holding these CloudTrail records and inventory snapshots, and a
/// session over it.
pub(crate) async fn ledger(records: &[String], inventory: &[InventoryRecord]) -> Ledger {
    let store = Store::from_object_store(Arc::new(InMemory::new()), "memory://");
    let mut w = store.writer(WriterOptions::default()).await.unwrap();
    let mut b = cloudtrail::BatchBuilder::new();
    for raw in records {
        b.push(
            &cloudtrail::parse(raw).unwrap_or_else(|e| panic!("{e}: {raw}")),
            raw,
            None,
        );
    }
    if !b.is_empty() {
        w.append(Stream::CloudTrail, &b.finish()).unwrap();
    }
    if !inventory.is_empty() {
        w.append(
            Stream::KmsInventory,
            &kms_inventory::to_batch(inventory, "kms://test"),
        )
        .unwrap();
    }
    w.flush().await.unwrap();
    Ledger::open(&store).await.unwrap()
}

/// Rows of a query as JSON objects.
pub(crate) async fn rows(
    ledger: &Ledger,
    sql: &str,
) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let batches = ledger.query(sql).await.unwrap();
    let mut w = arrow::json::ArrayWriter::new(Vec::new());
    for b in &batches {
        w.write(b).unwrap();
    }
    w.finish().unwrap();
    let bytes = w.into_inner();
    if bytes.is_empty() {
        Vec::new()
    } else {
        serde_json::from_slice(&bytes).unwrap()
    }
}

pub(crate) fn micros(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_micros()
}
