//! `ingest kms://REGION` end to end against moto: keys of every kind moto
//! can create, snapshotted through the real AWS SDK, folded into verdicts.

use std::{collections::BTreeMap, process::Command};

use aws_sdk_kms::types::{KeySpec, KeyUsageType, OriginType};

use crate::{moto, support::p};

fn keyledger_with(env: &[(&'static str, String)], args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args(args)
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_kms_inventory_snapshot_folds_into_verdicts() {
    // A region of its own: tests share one moto server.
    let region = "ap-southeast-2";
    let kms = moto::kms(region);
    let mut keys: BTreeMap<&str, String> = BTreeMap::new();
    let create =
        |spec: Option<KeySpec>, usage: Option<KeyUsageType>, origin: Option<OriginType>| {
            let mut req = kms.create_key();
            if let Some(s) = spec {
                req = req.key_spec(s);
            }
            if let Some(u) = usage {
                req = req.key_usage(u);
            }
            if let Some(o) = origin {
                req = req.origin(o);
            }
            req.send()
        };
    let id = |out: aws_sdk_kms::operation::create_key::CreateKeyOutput| {
        out.key_metadata().unwrap().key_id().to_owned()
    };

    let rotating = id(create(None, None, None).await.unwrap());
    kms.enable_key_rotation()
        .key_id(&rotating)
        .send()
        .await
        .unwrap();
    kms.create_alias()
        .alias_name("alias/orders-db")
        .target_key_id(&rotating)
        .send()
        .await
        .unwrap();
    keys.insert("rotating", rotating);

    keys.insert("not_rotating", id(create(None, None, None).await.unwrap()));

    let on_demand = id(create(None, None, None).await.unwrap());
    kms.enable_key_rotation()
        .key_id(&on_demand)
        .send()
        .await
        .unwrap();
    kms.rotate_key_on_demand()
        .key_id(&on_demand)
        .send()
        .await
        .unwrap();
    keys.insert("on_demand", on_demand);

    keys.insert(
        "rsa",
        id(
            create(Some(KeySpec::Rsa2048), Some(KeyUsageType::SignVerify), None)
                .await
                .unwrap(),
        ),
    );
    keys.insert(
        "hmac",
        id(create(
            Some(KeySpec::Hmac256),
            Some(KeyUsageType::GenerateVerifyMac),
            None,
        )
        .await
        .unwrap()),
    );
    keys.insert(
        "external",
        id(create(None, None, Some(OriginType::External))
            .await
            .unwrap()),
    );

    let disabled = id(create(None, None, None).await.unwrap());
    kms.enable_key_rotation()
        .key_id(&disabled)
        .send()
        .await
        .unwrap();
    kms.disable_key().key_id(&disabled).send().await.unwrap();
    keys.insert("disabled", disabled);

    let deleting = id(create(None, None, None).await.unwrap());
    kms.schedule_key_deletion()
        .key_id(&deleting)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    keys.insert("deleting", deleting);

    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let env = moto::env(region);
    let source = format!("kms://{region}");
    let (code, _, err) = keyledger_with(&env, &["ingest", "--store", p(&store), &source]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("stored {} new events", keys.len())),
        "{err}"
    );

    let (code, out, err) = keyledger_with(
        &env,
        &["rotation", "--store", p(&store), "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let by_id: BTreeMap<&str, &serde_json::Value> = rows
        .iter()
        .map(|r| (r["key_id"].as_str().unwrap(), r))
        .collect();
    let verdict = |name: &str| {
        let r = by_id[keys[name].as_str()];
        (
            r["status"].as_str().unwrap().to_owned(),
            r["reason"].as_str().unwrap().to_owned(),
        )
    };
    let expect = |name: &str, status: &str, reason: &str| {
        assert_eq!(
            verdict(name),
            (status.to_owned(), reason.to_owned()),
            "{name}: {:?}",
            by_id[keys[name].as_str()]
        );
    };
    expect("rotating", "COMPLIANT", "within_policy");
    expect("not_rotating", "NON_COMPLIANT", "rotation_disabled");
    expect("on_demand", "COMPLIANT", "within_policy");
    expect("rsa", "NOT_APPLICABLE", "asymmetric");
    expect("hmac", "NOT_APPLICABLE", "hmac");
    expect("external", "NOT_APPLICABLE", "imported_material");
    expect("disabled", "NOT_APPLICABLE", "disabled");
    expect("deleting", "NOT_APPLICABLE", "pending_deletion");
    let rotating = by_id[keys["rotating"].as_str()];
    assert_eq!(rotating["aliases"], serde_json::json!(["alias/orders-db"]));
    assert!(
        rotating["key_arn"]
            .as_str()
            .unwrap()
            .starts_with(&format!("arn:aws:kms:{region}:"))
    );
    // The on-demand rotation listed by ListKeyRotations is the material's date.
    assert!(by_id[keys["on_demand"].as_str()]["last_rotation"].is_string());
    assert!(!rotating["evidence"].as_array().unwrap().is_empty());

    // A second snapshot later is a new event per key, not a duplicate.
    let (code, _, err) = keyledger_with(&env, &["ingest", "--store", p(&store), &source]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = keyledger_with(
        &env,
        &[
            "query",
            "--store",
            p(&store),
            "--format",
            "csv",
            "SELECT count(*) AS n, count(DISTINCT key_arn) AS k FROM kms_inventory",
        ],
    );
    assert_eq!(
        out.trim(),
        format!("n,k\n{},{}", 2 * keys.len(), keys.len())
    );
}

#[test]
fn an_unreachable_kms_endpoint_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = moto::env("eu-north-1");
    env[0].1 = "http://127.0.0.1:9".into();
    env.push(("AWS_MAX_ATTEMPTS", "2".into()));
    let (code, _, err) = keyledger_with(
        &env,
        &["ingest", "--store", p(dir.path()), "kms://eu-north-1"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("kms://eu-north-1") && err.contains("ListKeys"),
        "{err}"
    );
}
