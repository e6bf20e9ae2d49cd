//! CloudTrail records shaped like the real ones: field order, identity
//! shapes, service events, errors, the locale date inside `CreateKey`
//! responses, the 2025 `RotateKey` service event.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    org::{
        Actor, ActorKind, CONSOLE_AGENT, Flow, Key, KeyStep, Mgmt, Org, RdsStep, TRAIL_BUCKET,
        TRAIL_NAME, TrailStep,
    },
    rng::Rng,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    event_version: &'a str,
    user_identity: Value,
    event_time: String,
    event_source: &'a str,
    event_name: &'a str,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    request_parameters: Value,
    response_elements: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_event_data: Option<Value>,
    #[serde(rename = "requestID", skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(rename = "eventID")]
    event_id: String,
    read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<Value>,
    event_type: &'a str,
    management_event: bool,
    recipient_account_id: &'a str,
    #[serde(rename = "sharedEventID", skip_serializing_if = "Option::is_none")]
    shared_event_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_event_details: Option<Value>,
    event_category: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_details: Option<Value>,
}

/// One generated event: where it is delivered, when, and its JSON.
#[derive(Debug)]
pub struct Generated {
    pub account: usize,
    pub region: &'static str,
    pub time: DateTime<Utc>,
    pub json: String,
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The `creationDate` format real `CreateKey` responses carry.
fn locale_date(t: DateTime<Utc>) -> String {
    t.format("%b %-d, %Y, %-I:%M:%S %p").to_string()
}

fn identity(org: &Org, account: usize, a: &Actor, t: DateTime<Utc>) -> Value {
    let acc = &org.accounts[account].id;
    match a.kind {
        ActorKind::Service => json!({"type": "AWSService", "invokedBy": a.name}),
        ActorKind::User => json!({
            "type": "IAMUser", "principalId": a.principal_id.replace("AROA", "AIDA"),
            "arn": format!("arn:aws:iam::{acc}:user/{}", a.name), "accountId": acc,
            "accessKeyId": a.access_key.replace("ASIA", "AKIA"), "userName": a.name
        }),
        ActorKind::Role => json!({
            "type": "AssumedRole",
            "principalId": format!("{}:{}", a.principal_id, a.session),
            "arn": format!("arn:aws:sts::{acc}:assumed-role/{}/{}", a.name, a.session),
            "accountId": acc,
            "accessKeyId": a.access_key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role", "principalId": a.principal_id,
                    "arn": format!("arn:aws:iam::{acc}:role/{}", a.name),
                    "accountId": acc, "userName": a.name
                },
                "attributes": {
                    "creationDate": iso(t - chrono::Duration::minutes(17)),
                    "mfaAuthenticated": if a.name.contains("admin") { "true" } else { "false" }
                }
            }
        }),
    }
}

fn tls(service: &str, region: &str) -> Value {
    json!({
        "tlsVersion": "TLSv1.3",
        "cipherSuite": "TLS_AES_128_GCM_SHA256",
        "clientProvidedHostHeader": format!("{service}.{region}.amazonaws.com")
    })
}

/// Common parts of one call.
struct Call<'a> {
    account: usize,
    region: &'static str,
    t: DateTime<Utc>,
    actor: &'a Actor,
    source: &'a str,
    name: &'a str,
    request: Value,
    response: Value,
    read_only: bool,
    resources: Option<Value>,
    error: Option<(&'a str, String)>,
}

fn emit(org: &Org, rng: &mut Rng, c: Call<'_>) -> Generated {
    let acc = &org.accounts[c.account].id;
    let service = c.actor.kind == ActorKind::Service;
    let ip = if service {
        c.actor.name.clone()
    } else {
        rng.pick(&c.actor.ips).clone()
    };
    let short = c.source.trim_end_matches(".amazonaws.com");
    let rec = Record {
        event_version: "1.11",
        user_identity: identity(org, c.account, c.actor, c.t),
        event_time: iso(c.t),
        event_source: c.source,
        event_name: c.name,
        aws_region: c.region,
        source_ip_address: &ip,
        user_agent: if service {
            &c.actor.name
        } else {
            c.actor.agent
        },
        error_code: c.error.as_ref().map(|e| e.0),
        error_message: c.error.as_ref().map(|e| e.1.clone()),
        request_parameters: c.request,
        response_elements: c.response,
        additional_event_data: None,
        request_id: Some(rng.uuid()),
        event_id: rng.uuid(),
        read_only: c.read_only,
        resources: c.resources,
        event_type: "AwsApiCall",
        management_event: true,
        recipient_account_id: acc,
        shared_event_id: service.then(|| rng.uuid()),
        service_event_details: None,
        event_category: "Management",
        tls_details: (!service).then(|| tls(short, c.region)),
    };
    Generated {
        account: c.account,
        region: c.region,
        time: c.t,
        json: serde_json::to_string(&rec).unwrap_or_default(),
    }
}

fn key_resource(org: &Org, key: &Key) -> Value {
    json!([{"accountId": org.accounts[key.account].id, "type": "AWS::KMS::Key", "ARN": key.arn(org)}])
}

/// One use of a key by a flow's actor.
pub fn kms_use(
    org: &Org,
    rng: &mut Rng,
    t: DateTime<Utc>,
    flow: &Flow,
    op: &'static str,
    error: Option<&str>,
) -> Generated {
    let key = &org.keys[flow.key];
    let actor = &org.actors[key.account][flow.actor];
    let acc = &org.accounts[key.account].id;
    // Callers name the key by ARN, bare id or alias, as real clients do.
    let key_ref = match rng.below(3) {
        0 => key.arn(org),
        1 => key.id.clone(),
        _ => key.alias.to_string(),
    };
    let context = match actor.kind {
        ActorKind::Service if actor.name.starts_with("rds") => {
            json!({"aws:rds:db-id": format!("db-{}", rng.alnum(26))})
        }
        ActorKind::Service => {
            json!({"aws:cloudtrail:arn": format!("arn:aws:cloudtrail:{}:{acc}:trail/{TRAIL_NAME}", key.region)})
        }
        _ => json!({"app": actor.name, "tenant": format!("t-{}", rng.below(40))}),
    };
    let request = match op {
        "Decrypt" => {
            json!({"encryptionContext": context, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"})
        }
        "Encrypt" => {
            json!({"keyId": key_ref, "encryptionContext": context, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"})
        }
        "GenerateDataKey" => {
            json!({"keyId": key_ref, "encryptionContext": context, "keySpec": "AES_256"})
        }
        "GenerateDataKeyWithoutPlaintext" => {
            json!({"keyId": key_ref, "encryptionContext": context, "numberOfBytes": 32})
        }
        "Sign" => {
            json!({"keyId": key_ref, "messageType": "DIGEST", "signingAlgorithm": "RSASSA_PSS_SHA_256"})
        }
        "Verify" => {
            json!({"keyId": key_ref, "messageType": "DIGEST", "signingAlgorithm": "RSASSA_PSS_SHA_256"})
        }
        "GenerateMac" | "VerifyMac" => json!({"keyId": key_ref, "macAlgorithm": "HMAC_SHA_256"}),
        _ => json!({"keyId": key_ref}),
    };
    let error = error.map(|code| {
        let msg = match code {
            "AccessDenied" => format!(
                "User: arn:aws:sts::{acc}:assumed-role/{}/{} is not authorized to perform: kms:{op} on resource: {} because no identity-based policy allows the kms:{op} action",
                actor.name, actor.session, key.arn(org)
            ),
            "DisabledException" => format!("{} is disabled.", key.arn(org)),
            _ => format!("{} is not usable in its current state.", key.arn(org)),
        };
        (code, msg)
    });
    emit(
        org,
        rng,
        Call {
            account: key.account,
            region: key.region,
            t,
            actor,
            source: "kms.amazonaws.com",
            name: op,
            request,
            response: Value::Null,
            read_only: !matches!(op, "Encrypt"),
            resources: Some(key_resource(org, key)),
            error,
        },
    )
}

/// Management events of a key's story, databases and the trail.
pub fn management(org: &Org, rng: &mut Rng, t: DateTime<Utc>, m: &Mgmt) -> Vec<Generated> {
    match m {
        Mgmt::Key { key, step } => key_step(org, rng, t, &org.keys[*key], step),
        Mgmt::Rds {
            account,
            region,
            step,
        } => vec![rds_step(org, rng, t, *account, region, step)],
        Mgmt::Trail { account, step } => vec![trail_step(org, rng, t, *account, step)],
    }
}

fn key_step(
    org: &Org,
    rng: &mut Rng,
    t: DateTime<Utc>,
    key: &Key,
    step: &KeyStep,
) -> Vec<Generated> {
    let acc = &org.accounts[key.account].id;
    let admin = org.admin(key.account);
    let arn = key.arn(org);
    let call = |name: &'static str, request: Value, response: Value| Call {
        account: key.account,
        region: key.region,
        t,
        actor: admin,
        source: "kms.amazonaws.com",
        name,
        request,
        response,
        read_only: false,
        resources: Some(key_resource(org, key)),
        error: None,
    };
    let c = match step {
        KeyStep::Create => {
            let mut meta = json!({
                "aWSAccountId": acc, "keyId": key.id, "arn": arn,
                "creationDate": locale_date(t), "enabled": key.origin != "EXTERNAL",
                "description": format!("{} key", key.alias.trim_start_matches("alias/")),
                "keyUsage": key.usage, "keyState": if key.origin == "EXTERNAL" { "PendingImport" } else { "Enabled" },
                "origin": key.origin, "keyManager": if key.aws_managed { "AWS" } else { "CUSTOMER" },
                "customerMasterKeySpec": key.spec, "keySpec": key.spec,
                "encryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "multiRegion": false
            });
            if let Some(cks) = &key.custom_key_store {
                meta["customKeyStoreId"] = json!(cks);
                meta["cloudHsmClusterId"] =
                    json!(format!("cluster-{}", rng.alnum(11).to_lowercase()));
            }
            let mut request = json!({"keyUsage": key.usage, "keySpec": key.spec, "origin": key.origin,
                "description": meta["description"], "bypassPolicyLockoutSafetyCheck": false});
            if let Some(cks) = &key.custom_key_store {
                request["customKeyStoreId"] = json!(cks);
            }
            // CreateKey names the new key only in its response.
            Call {
                resources: None,
                ..call("CreateKey", request, json!({"keyMetadata": meta}))
            }
        }
        KeyStep::CreateAlias => call(
            "CreateAlias",
            json!({"aliasName": key.alias, "targetKeyId": key.id}),
            Value::Null,
        ),
        KeyStep::EnableRotation(period) => {
            let mut req = json!({"keyId": key.id});
            if let Some(p) = period {
                req["rotationPeriodInDays"] = json!(p);
            }
            call("EnableKeyRotation", req, Value::Null)
        }
        KeyStep::DisableRotation => call("DisableKeyRotation", json!({"keyId": arn}), Value::Null),
        KeyStep::Disable => call("DisableKey", json!({"keyId": key.id}), Value::Null),
        KeyStep::Enable => call("EnableKey", json!({"keyId": key.id}), Value::Null),
        KeyStep::ScheduleDeletion(days) => {
            let when = t + chrono::Duration::days(i64::from(*days));
            call(
                "ScheduleKeyDeletion",
                json!({"keyId": key.id, "pendingWindowInDays": days}),
                json!({"keyId": arn, "deletionDate": locale_date(when), "keyState": "PendingDeletion", "pendingWindowInDays": days}),
            )
        }
        KeyStep::CancelDeletion => call(
            "CancelKeyDeletion",
            json!({"keyId": key.id}),
            json!({"keyId": arn}),
        ),
        KeyStep::ImportMaterial => call(
            "ImportKeyMaterial",
            json!({"keyId": key.id, "expirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}),
            json!({"keyId": arn, "keyMaterialId": hex_id(rng)}),
        ),
        KeyStep::DeleteImportedMaterial => call(
            "DeleteImportedKeyMaterial",
            json!({"keyId": key.id}),
            Value::Null,
        ),
        KeyStep::PutPolicy { public } => {
            let mut statements = vec![json!({
                "Sid": "Enable IAM User Permissions", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{acc}:root")}, "Action": "kms:*", "Resource": "*"
            })];
            if *public {
                statements.push(json!({"Sid": "Allow partner access", "Effect": "Allow",
                    "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"}));
            } else {
                statements.push(
                    json!({"Sid": "Allow use within the organisation", "Effect": "Allow",
                    "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt"], "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": super::org::ORG_ID}}}),
                );
            }
            let policy =
                json!({"Version": "2012-10-17", "Id": "key-policy", "Statement": statements});
            // The policy arrives as a JSON string, as in real records.
            call(
                "PutKeyPolicy",
                json!({"keyId": key.id, "policyName": "default", "policy": policy.to_string(), "bypassPolicyLockoutSafetyCheck": false}),
                Value::Null,
            )
        }
        KeyStep::AutoRotate | KeyStep::OnDemandRotate => {
            let rotation = if *step == KeyStep::AutoRotate {
                "AUTOMATIC"
            } else {
                "ON_DEMAND"
            };
            let mut out = Vec::new();
            if *step == KeyStep::OnDemandRotate {
                out.push(emit(
                    org,
                    rng,
                    call(
                        "RotateKeyOnDemand",
                        json!({"keyId": key.id}),
                        json!({"keyId": arn}),
                    ),
                ));
            }
            // The 2025 service event that records the rotation itself.
            let rec = Record {
                event_version: "1.11",
                user_identity: json!({"accountId": acc, "invokedBy": "AWS Internal"}),
                event_time: iso(t + chrono::Duration::seconds(2)),
                event_source: "kms.amazonaws.com",
                event_name: "RotateKey",
                aws_region: key.region,
                source_ip_address: "AWS Internal",
                user_agent: "AWS Internal",
                error_code: None,
                error_message: None,
                request_parameters: Value::Null,
                response_elements: Value::Null,
                additional_event_data: None,
                request_id: None,
                event_id: rng.uuid(),
                read_only: false,
                resources: Some(key_resource(org, key)),
                event_type: "AwsServiceEvent",
                management_event: true,
                recipient_account_id: acc,
                shared_event_id: None,
                service_event_details: Some(json!({
                    "rotationType": rotation, "keyOrigin": key.origin,
                    "previousKeyMaterialId": hex_id(rng), "currentKeyMaterialId": hex_id(rng), "keyId": key.id
                })),
                event_category: "Management",
                tls_details: None,
            };
            out.push(Generated {
                account: key.account,
                region: key.region,
                time: t + chrono::Duration::seconds(2),
                json: serde_json::to_string(&rec).unwrap_or_default(),
            });
            return out;
        }
    };
    vec![emit(org, rng, c)]
}

fn hex_id(rng: &mut Rng) -> String {
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

fn rds_step(
    org: &Org,
    rng: &mut Rng,
    t: DateTime<Utc>,
    account: usize,
    region: &'static str,
    step: &RdsStep,
) -> Generated {
    let acc = &org.accounts[account].id;
    let admin = org.admin(account);
    let key_arn = |k: &usize| org.keys[*k].arn(org);
    let db_arn = |db: &str| format!("arn:aws:rds:{region}:{acc}:db:{db}");
    let snap_arn = |s: &str| format!("arn:aws:rds:{region}:{acc}:snapshot:{s}");
    let (name, request, response) = match step {
        RdsStep::CreateInstance { db, key, engine } => (
            "CreateDBInstance",
            json!({"dBInstanceIdentifier": db, "dBInstanceClass": "db.r6g.large", "engine": engine,
                   "allocatedStorage": 200, "masterUsername": "admin", "storageEncrypted": key.is_some(),
                   "kmsKeyId": key.as_ref().map(key_arn), "multiAZ": true, "publiclyAccessible": false}),
            json!({"dBInstanceIdentifier": db, "dBInstanceArn": db_arn(db), "engine": engine,
                   "storageEncrypted": key.is_some(), "kmsKeyId": key.as_ref().map(key_arn),
                   "dBInstanceStatus": "creating", "dbiResourceId": format!("db-{}", rng.alnum(26))}),
        ),
        RdsStep::CreateCluster { db, key } => (
            "CreateDBCluster",
            json!({"dBClusterIdentifier": db, "engine": "aurora-postgresql", "storageEncrypted": true,
                   "kmsKeyId": key_arn(key), "masterUsername": "admin"}),
            json!({"dBClusterIdentifier": db, "dBClusterArn": format!("arn:aws:rds:{region}:{acc}:cluster:{db}"),
                   "storageEncrypted": true, "kmsKeyId": key_arn(key), "status": "creating"}),
        ),
        RdsStep::CreateSnapshot { db, snapshot } => (
            "CreateDBSnapshot",
            json!({"dBSnapshotIdentifier": snapshot, "dBInstanceIdentifier": db}),
            json!({"dBSnapshotIdentifier": snapshot, "dBInstanceIdentifier": db, "dBSnapshotArn": snap_arn(snapshot),
                   "encrypted": true, "status": "creating"}),
        ),
        RdsStep::CopySnapshot { from, to, key } => (
            "CopyDBSnapshot",
            json!({"sourceDBSnapshotIdentifier": snap_arn(from), "targetDBSnapshotIdentifier": to, "kmsKeyId": key_arn(key)}),
            json!({"dBSnapshotIdentifier": to, "dBSnapshotArn": snap_arn(to), "encrypted": true,
                   "kmsKeyId": key_arn(key), "sourceDBSnapshotIdentifier": snap_arn(from), "status": "creating"}),
        ),
        RdsStep::Restore { db, snapshot, key } => (
            "RestoreDBInstanceFromDBSnapshot",
            json!({"dBInstanceIdentifier": db, "dBSnapshotIdentifier": snapshot, "dBInstanceClass": "db.r6g.large"}),
            json!({"dBInstanceIdentifier": db, "dBInstanceArn": db_arn(db), "storageEncrypted": true,
                   "kmsKeyId": key_arn(key), "dBInstanceStatus": "creating"}),
        ),
        RdsStep::DeleteInstance { db } => (
            "DeleteDBInstance",
            json!({"dBInstanceIdentifier": db, "skipFinalSnapshot": false, "finalDBSnapshotIdentifier": format!("{db}-final")}),
            json!({"dBInstanceIdentifier": db, "dBInstanceArn": db_arn(db), "dBInstanceStatus": "deleting"}),
        ),
        RdsStep::ShareSnapshot { snapshot, with } => (
            "ModifyDBSnapshotAttribute",
            json!({"dBSnapshotIdentifier": snapshot, "attributeName": "restore", "valuesToAdd": [with]}),
            json!({"dBSnapshotIdentifier": snapshot, "dBSnapshotAttributes": [{"attributeName": "restore", "attributeValues": [with]}]}),
        ),
    };
    emit(
        org,
        rng,
        Call {
            account,
            region,
            t,
            actor: admin,
            source: "rds.amazonaws.com",
            name,
            request,
            response,
            read_only: false,
            resources: None,
            error: None,
        },
    )
}

fn trail_step(
    org: &Org,
    rng: &mut Rng,
    t: DateTime<Utc>,
    account: usize,
    step: &TrailStep,
) -> Generated {
    let home = super::org::REGIONS[0];
    let mgmt_acc = &org.accounts[0].id;
    let trail_arn = format!("arn:aws:cloudtrail:{home}:{mgmt_acc}:trail/{TRAIL_NAME}");
    let (name, request, response) = match step {
        TrailStep::CreateTrail => (
            "CreateTrail",
            json!({"name": TRAIL_NAME, "s3BucketName": TRAIL_BUCKET, "isMultiRegionTrail": true,
                   "enableLogFileValidation": true, "isOrganizationTrail": true}),
            json!({"name": TRAIL_NAME, "s3BucketName": TRAIL_BUCKET, "trailARN": trail_arn,
                   "logFileValidationEnabled": true, "isOrganizationTrail": true}),
        ),
        TrailStep::StartLogging => ("StartLogging", json!({"name": trail_arn}), Value::Null),
        TrailStep::StopLogging => ("StopLogging", json!({"name": trail_arn}), Value::Null),
        TrailStep::PutEventSelectors { exclude_kms } => {
            let mut sel = json!({"readWriteType": "All", "includeManagementEvents": true, "dataResources": []});
            if *exclude_kms {
                sel["excludeManagementEventSources"] = json!(["kms.amazonaws.com"]);
            }
            (
                "PutEventSelectors",
                json!({"trailName": trail_arn, "eventSelectors": [sel]}),
                json!({"trailARN": trail_arn, "eventSelectors": [sel]}),
            )
        }
    };
    emit(
        org,
        rng,
        Call {
            account,
            region: home,
            t,
            actor: org.admin(account),
            source: "cloudtrail.amazonaws.com",
            name,
            request,
            response,
            read_only: false,
            resources: None,
            error: None,
        },
    )
}

/// Everything else an account's trail records.
pub fn noise(
    org: &Org,
    rng: &mut Rng,
    t: DateTime<Utc>,
    account: usize,
    region: &'static str,
) -> Generated {
    let actors = &org.actors[account];
    let actor = rng.pick(actors);
    let acc = &org.accounts[account].id;
    let (source, name, request, read_only): (&str, &str, Value, bool) = match rng.below(10) {
        0..=2 => (
            "sts.amazonaws.com",
            "AssumeRole",
            json!({"roleArn": format!("arn:aws:iam::{acc}:role/{}", actor.name), "roleSessionName": actor.session, "durationSeconds": 3600}),
            false,
        ),
        3..=4 => (
            "ec2.amazonaws.com",
            "DescribeInstances",
            json!({"instancesSet": {}, "filterSet": {}}),
            true,
        ),
        5 => (
            "ssm.amazonaws.com",
            "UpdateInstanceInformation",
            json!({"instanceId": format!("i-{:017x}", rng.next_u64() >> 4), "agentVersion": "3.3.1611.0", "agentStatus": "Active", "platformType": "Linux"}),
            false,
        ),
        6 => (
            "monitoring.amazonaws.com",
            "GetMetricData",
            json!({"startTime": iso(t - chrono::Duration::hours(3)), "endTime": iso(t)}),
            true,
        ),
        7 => (
            "logs.amazonaws.com",
            "CreateLogStream",
            json!({"logGroupName": format!("/aws/lambda/{}", actor.name), "logStreamName": rng.token(32)}),
            false,
        ),
        8 => (
            "s3.amazonaws.com",
            "ListBuckets",
            json!({"Host": format!("s3.{region}.amazonaws.com")}),
            true,
        ),
        _ => (
            "iam.amazonaws.com",
            "GetRole",
            json!({"roleName": actor.name}),
            true,
        ),
    };
    let region = if source == "iam.amazonaws.com" {
        "us-east-1"
    } else {
        region
    };
    let mut g = emit(
        org,
        rng,
        Call {
            account,
            region,
            t,
            actor,
            source,
            name,
            request,
            response: Value::Null,
            read_only,
            resources: None,
            error: None,
        },
    );
    // Console sign-ins now and then, with their own shape.
    if name == "GetRole" && rng.chance(0.05) {
        let rec = json!({
            "eventVersion": "1.09", "userIdentity": identity(org, account, org.admin(account), t),
            "eventTime": iso(t), "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
            "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.24", "userAgent": CONSOLE_AGENT,
            "requestParameters": null, "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "Yes"},
            "eventID": rng.uuid(), "readOnly": false, "eventType": "AwsConsoleSignIn", "managementEvent": true,
            "recipientAccountId": acc, "eventCategory": "Management"
        });
        g.json = rec.to_string();
    }
    g
}
