//! `kms://REGION`: a snapshot of every KMS key in a region, through the KMS
//! API (aws-sdk-kms; endpoint, region and credentials from the standard AWS
//! environment, so `AWS_ENDPOINT_URL` points it at an emulator).
//!
//! For each key: DescribeKey, GetKeyRotationStatus, ListKeyRotations and
//! GetKeyPolicy, plus ListAliases once. A call that fails for one key is
//! recorded on that key's row (`errors`) and the run goes on: an auditor must
//! see which configuration could not be read. Throttling is retried with
//! adaptive backoff by the SDK.

use std::collections::BTreeMap;

use aws_sdk_kms::{Client, error::ProvideErrorMetadata};
use futures::StreamExt;
use keyledger_schemas::{
    Stream,
    kms_inventory::{self, InventoryRecord},
};
use serde_json::json;

use super::{Chunk, Source, SourceStats};
use crate::{Error, Result};

/// Keys described at once.
const CONCURRENCY: usize = 8;

#[derive(Debug)]
pub struct KmsSource {
    id: String,
    region: String,
    client: Client,
    done: bool,
    stats: SourceStats,
}

fn micros(t: &aws_sdk_kms::primitives::DateTime) -> i64 {
    t.secs() * 1_000_000 + i64::from(t.subsec_nanos() / 1000)
}

impl KmsSource {
    pub async fn connect(region: &str, max_attempts: u32) -> Result<Self> {
        if region.is_empty() {
            return Err(Error::Source {
                origin: "kms://".into(),
                reason: "no region: use kms://REGION".into(),
            });
        }
        let config = super::aws::config(Some(region), max_attempts).await;
        Ok(KmsSource {
            id: format!("kms://{region}"),
            region: region.to_owned(),
            client: Client::new(&config),
            done: false,
            stats: SourceStats::default(),
        })
    }

    fn failed<E: ProvideErrorMetadata + std::fmt::Display>(
        errors: &mut Vec<serde_json::Value>,
        api: &str,
        e: &E,
    ) {
        errors.push(json!({
            "api": api,
            "code": e.code().unwrap_or("Unknown"),
            "message": e.message().map(str::to_owned).unwrap_or_else(|| e.to_string()),
        }));
    }

    async fn describe(
        &self,
        key_id: String,
        key_arn: String,
        snapshot: i64,
        aliases: Vec<String>,
    ) -> InventoryRecord {
        let c = &self.client;
        let mut errors = Vec::new();
        let mut r = InventoryRecord {
            snapshot_time: snapshot,
            key_arn: key_arn.clone(),
            key_id: key_id.clone(),
            account_id: key_arn.split(':').nth(4).unwrap_or_default().to_owned(),
            region: self.region.clone(),
            aliases,
            ..Default::default()
        };
        match c.describe_key().key_id(&key_id).send().await {
            Ok(out) => {
                if let Some(m) = out.key_metadata() {
                    r.key_manager = m.key_manager().map(|v| v.as_str().to_owned());
                    r.key_spec = m.key_spec().map(|v| v.as_str().to_owned());
                    r.key_usage = m.key_usage().map(|v| v.as_str().to_owned());
                    r.origin = m.origin().map(|v| v.as_str().to_owned());
                    r.key_state = m.key_state().map(|v| v.as_str().to_owned());
                    r.creation_date = m.creation_date().map(micros);
                    r.deletion_date = m.deletion_date().map(micros);
                    r.custom_key_store_id = m.custom_key_store_id().map(str::to_owned);
                    r.multi_region = m.multi_region();
                    r.description = m.description().filter(|d| !d.is_empty()).map(str::to_owned);
                }
            }
            Err(e) => Self::failed(&mut errors, "DescribeKey", &e.into_service_error()),
        }
        match c.get_key_rotation_status().key_id(&key_id).send().await {
            Ok(out) => {
                r.rotation_enabled = Some(out.key_rotation_enabled());
                r.rotation_period_days = out.rotation_period_in_days();
                r.next_rotation_date = out.next_rotation_date().map(micros);
            }
            Err(e) => Self::failed(&mut errors, "GetKeyRotationStatus", &e.into_service_error()),
        }
        let rotations: std::result::Result<Vec<_>, _> = c
            .list_key_rotations()
            .key_id(&key_id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        match rotations {
            Ok(list) => {
                let mut entries: Vec<(i64, String)> = list
                    .iter()
                    .filter_map(|e| {
                        Some((
                            micros(e.rotation_date()?),
                            e.rotation_type()?.as_str().to_owned(),
                        ))
                    })
                    .collect();
                entries.sort();
                if let Some((t, kind)) = entries.last() {
                    r.last_rotation = Some(*t);
                    r.last_rotation_type = Some(kind.clone());
                }
                let json: Vec<_> = entries
                    .iter()
                    .map(|(t, k)| json!({"date": t, "type": k}))
                    .collect();
                r.rotations = Some(serde_json::Value::from(json).to_string());
            }
            Err(e) => Self::failed(&mut errors, "ListKeyRotations", &e.into_service_error()),
        }
        match c
            .get_key_policy()
            .key_id(&key_id)
            .policy_name("default")
            .send()
            .await
        {
            Ok(out) => r.policy = out.policy().map(str::to_owned),
            Err(e) => Self::failed(&mut errors, "GetKeyPolicy", &e.into_service_error()),
        }
        if !errors.is_empty() {
            r.errors = Some(serde_json::Value::from(errors).to_string());
        }
        r
    }

    async fn snapshot(&mut self) -> Result<Vec<InventoryRecord>> {
        let fail = |api: &str, e: &dyn std::fmt::Display| Error::Source {
            origin: self.id.clone(),
            reason: format!("{api}: {e}"),
        };
        let snapshot = chrono::Utc::now().timestamp_micros();
        let keys: Vec<_> = self
            .client
            .list_keys()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| fail("ListKeys", &e.into_service_error()))?;
        let aliases: Vec<_> = self
            .client
            .list_aliases()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| fail("ListAliases", &e.into_service_error()))?;
        let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in aliases {
            if let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) {
                by_key
                    .entry(target.to_owned())
                    .or_default()
                    .push(name.to_owned());
            }
        }
        let this = &*self;
        let records: Vec<InventoryRecord> = futures::stream::iter(keys)
            .filter_map(|k| async move { Some((k.key_id()?.to_owned(), k.key_arn()?.to_owned())) })
            .map(|(id, arn)| {
                let aliases = by_key.get(&id).cloned().unwrap_or_default();
                this.describe(id, arn, snapshot, aliases)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut records = records;
        records.sort_by(|a, b| a.key_arn.cmp(&b.key_arn));
        Ok(records)
    }
}

#[async_trait::async_trait]
impl Source for KmsSource {
    fn id(&self) -> &str {
        &self.id
    }

    async fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let records = self.snapshot().await?;
        self.stats.objects = records.len() as u64;
        self.stats.records = records.len() as u64;
        let batch = kms_inventory::to_batch(&records, &self.id);
        Ok(Some(Chunk {
            batches: vec![(Stream::KmsInventory, batch)],
            ..Default::default()
        }))
    }

    fn stats(&self) -> SourceStats {
        self.stats
    }

    fn unit(&self) -> &'static str {
        "keys"
    }
}
