//! Building the organisation: its accounts, actors, keys and their
//! stories, databases and traffic flows, from a seed.

use super::*;
use crate::generate::rng::{Rng, name_hash};

const AGENTS: [&str; 5] = [
    "aws-sdk-java/2.30.21 md/io#async md/http#NettyNio ua/2.1 os/Linux#5.10.234-225.895.amzn2.x86_64 lang/java#17.0.14 md/OpenJDK_64-Bit_Server_VM#17.0.14+7-LTS",
    "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#5.10.227-219.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.36",
    "aws-sdk-go-v2/1.32.2 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/kms#1.37.2",
    "aws-cli/2.17.50 md/awscrt#0.21.2 ua/2.0 os/linux#6.8.0-1015-aws md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#kms.decrypt",
    "aws-sdk-nodejs/2.1691.0 linux/v20.17.0 exec-env/AWS_Lambda_nodejs20.x promise",
];
fn account_id(rng: &mut Rng) -> String {
    format!("{:012}", 100_000_000_000 + rng.below(899_999_999_999))
}

struct Builder<'a> {
    rng: Rng,
    org: &'a mut Org,
}

impl Builder<'_> {
    fn actor(
        &mut self,
        account: usize,
        kind: ActorKind,
        name: &str,
        agent: usize,
        ips: usize,
    ) -> usize {
        let id_rng = &mut Rng::new(name_hash(name), account as u64);
        let ips = match kind {
            ActorKind::Service => vec![name.to_owned()],
            _ => (0..ips)
                .map(|_| {
                    format!(
                        "10.{}.{}.{}",
                        self.rng.below(40),
                        self.rng.below(255),
                        2 + self.rng.below(250)
                    )
                })
                .collect(),
        };
        let session = match kind {
            ActorKind::Role if name.contains("admin") => "alice@acme.example".to_owned(),
            ActorKind::Role => format!("{name}-{}", id_rng.token(8).to_lowercase()),
            _ => String::new(),
        };
        let actors = &mut self.org.actors[account];
        actors.push(Actor {
            kind,
            name: name.to_owned(),
            session,
            ips,
            agent: if kind == ActorKind::Service {
                ""
            } else {
                AGENTS[agent % AGENTS.len()]
            },
            principal_id: format!("AROA{}", id_rng.alnum(17)),
            access_key: format!("ASIA{}", id_rng.alnum(16)),
        });
        actors.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn key(
        &mut self,
        account: usize,
        region: &'static str,
        alias: &'static str,
        spec: &'static str,
        usage: &'static str,
        origin: &'static str,
        story: Vec<(f64, KeyStep)>,
    ) -> usize {
        let mut id_rng = Rng::new(
            name_hash(alias),
            (account as u64) << 8 | region.len() as u64,
        );
        let id = if alias.starts_with("mrk") {
            format!("mrk-{}", id_rng.uuid().replace('-', ""))
        } else {
            id_rng.uuid()
        };
        let custom_key_store = (origin != "AWS_KMS" && origin != "EXTERNAL")
            .then(|| format!("cks-{}", id_rng.alnum(17).to_lowercase()));
        self.org.keys.push(Key {
            account,
            region,
            id,
            alias,
            spec,
            usage,
            origin,
            custom_key_store,
            aws_managed: alias.starts_with("aws/"),
            story,
        });
        self.org.keys.len() - 1
    }

    fn flow(
        &mut self,
        account: usize,
        key: usize,
        actor: usize,
        ops: &'static [&'static str],
        pattern: Pattern,
        weight: f64,
    ) {
        self.org.flows[account].push(Flow {
            key,
            actor,
            ops,
            pattern,
            weight,
            error: None,
        });
    }
}

const DECRYPT: &[&str] = &["Decrypt"];
const DATA_KEYS: &[&str] = &["GenerateDataKey", "Decrypt", "Decrypt", "Decrypt"];
const ENVELOPE: &[&str] = &["Encrypt", "Decrypt", "Decrypt", "GenerateDataKey"];
const RDS_OPS: &[&str] = &[
    "Decrypt",
    "GenerateDataKeyWithoutPlaintext",
    "Decrypt",
    "Decrypt",
];

/// A key created `created` days before the end with rotation enabled from
/// creation, and the automatic rotations that follow every `period` days.
fn rotating(created: f64, period: Option<u32>) -> Vec<(f64, KeyStep)> {
    let mut s = vec![
        (created, KeyStep::Create),
        (created - 0.001, KeyStep::CreateAlias),
        (created - 0.002, KeyStep::EnableRotation(period)),
    ];
    let p = f64::from(period.unwrap_or(365));
    let mut at = created - p;
    while at > 0.0 {
        s.push((at, KeyStep::AutoRotate));
        at -= p;
    }
    s
}

fn plain(created: f64) -> Vec<(f64, KeyStep)> {
    vec![
        (created, KeyStep::Create),
        (created - 0.001, KeyStep::CreateAlias),
    ]
}

impl Org {
    /// The organisation for a seed.
    pub fn new(seed: u64) -> Org {
        let mut rng = Rng::new(seed, 0x0516);
        let accounts = vec![
            Account {
                id: account_id(&mut rng),
                org_path: false,
            },
            Account {
                id: account_id(&mut rng),
                org_path: true,
            },
            Account {
                id: account_id(&mut rng),
                org_path: true,
            },
        ];
        let n = accounts.len();
        let mut org = Org {
            accounts,
            actors: vec![Vec::new(); n],
            keys: Vec::new(),
            flows: vec![Vec::new(); n],
            mgmt: Vec::new(),
            noise_weight: 0.35,
        };
        let mut b = Builder { rng, org: &mut org };
        let [r0, r1] = REGIONS;
        use KeyStep::*;

        // The management account: the organisation trail and its own key.
        let admin0 = b.actor(0, ActorKind::Role, "platform-admin", 3, 2);
        let ct = b.actor(0, ActorKind::Service, "cloudtrail.amazonaws.com", 0, 0);
        let trail_key = b.key(
            0,
            r0,
            "alias/cloudtrail-logs",
            "SYMMETRIC_DEFAULT",
            "ENCRYPT_DECRYPT",
            "AWS_KMS",
            rotating(880.0, None),
        );
        b.flow(
            0,
            trail_key,
            ct,
            &["GenerateDataKey"],
            Pattern::Constant,
            0.02,
        );
        b.org.mgmt.extend([
            (
                899.0,
                Mgmt::Trail {
                    account: 0,
                    step: TrailStep::CreateTrail,
                },
            ),
            (
                898.99,
                Mgmt::Trail {
                    account: 0,
                    step: TrailStep::StartLogging,
                },
            ),
            // Logging stopped for two hours: evidence is missing for that window.
            (
                6.4,
                Mgmt::Trail {
                    account: 0,
                    step: TrailStep::StopLogging,
                },
            ),
            (
                6.3,
                Mgmt::Trail {
                    account: 0,
                    step: TrailStep::StartLogging,
                },
            ),
        ]);
        let _ = admin0;

        for account in [1usize, 2] {
            let prod = account == 1;
            let admin = b.actor(account, ActorKind::Role, "platform-admin", 3, 2);
            let rds = b.actor(account, ActorKind::Service, "rds.amazonaws.com", 0, 0);
            let orders_api = b.actor(account, ActorKind::Role, "orders-api", 0, 3);
            let payments_api = b.actor(account, ActorKind::Role, "payments-api", 0, 3);
            let etl = b.actor(account, ActorKind::Role, "etl-nightly", 1, 1);
            let analytics_etl = b.actor(account, ActorKind::Role, "analytics-etl", 1, 1);
            let bi = b.actor(account, ActorKind::Role, "bi-dashboard", 2, 2);
            let legacy = b.actor(account, ActorKind::Role, "legacy-worker", 0, 1);
            let signer = b.actor(account, ActorKind::Role, "release-signer", 2, 1);
            let hooks = b.actor(account, ActorKind::Role, "webhooks", 4, 2);
            let lambda = b.actor(account, ActorKind::Role, "secrets-rotation-lambda", 4, 2);
            let ci = b.actor(account, ActorKind::Role, "ci-deployer", 3, 1);
            let backup = b.actor(account, ActorKind::Role, "backup-verifier", 1, 1);
            // A long-lived IAM user with access keys: the kind auditors ask about.
            let reporting = b.actor(account, ActorKind::User, "svc-legacy-reporting", 1, 1);
            let _ = admin;

            let orders = b.key(
                account,
                r0,
                "alias/orders-db",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                rotating(700.0, None),
            );
            let payments = b.key(
                account,
                r0,
                "alias/payments-db",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                rotating(400.0, Some(90)),
            );
            let mut s = plain(500.0);
            // A key policy that lets anyone use the key.
            s.push((3.2, PutPolicy { public: prod }));
            let analytics = b.key(
                account,
                r0,
                "alias/analytics",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                s,
            );
            let mut s = rotating(800.0, None);
            s.push((12.5, DisableRotation));
            let legacy_key = b.key(
                account,
                r0,
                "alias/legacy-app",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                s,
            );
            let reports = b.key(
                account,
                r0,
                "alias/reports",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                rotating(300.0, Some(730)),
            );
            let mut s = plain(600.0);
            // Rotation switched on late: the material is still the original.
            s.push((20.2, EnableRotation(None)));
            let batch = b.key(
                account,
                r0,
                "alias/batch-export",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                s,
            );
            let mut s = rotating(500.0, None);
            s.push((25.6, OnDemandRotate));
            let archive = b.key(
                account,
                r0,
                "alias/ledger-archive",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                s,
            );
            let signing = b.key(
                account,
                r0,
                "alias/release-signing",
                "RSA_2048",
                "SIGN_VERIFY",
                "AWS_KMS",
                plain(420.0),
            );
            let hmac = b.key(
                account,
                r0,
                "alias/webhooks-hmac",
                "HMAC_256",
                "GENERATE_VERIFY_MAC",
                "AWS_KMS",
                plain(260.0),
            );
            let mut s = plain(380.0);
            s.push((379.9, ImportMaterial));
            let byok = b.key(
                account,
                r0,
                "alias/byok-vault",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "EXTERNAL",
                s,
            );
            let mut s = plain(330.0);
            s.extend([(329.9, ImportMaterial), (9.4, DeleteImportedMaterial)]);
            let byok_retired = b.key(
                account,
                r0,
                "alias/byok-retired",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "EXTERNAL",
                s,
            );
            let hsm = b.key(
                account,
                r0,
                "alias/hsm-tokens",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_CLOUDHSM",
                plain(350.0),
            );
            let mut s = rotating(890.0, None);
            s.push((8.3, Disable));
            let old_backups = b.key(
                account,
                r0,
                "alias/old-backups",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                s,
            );
            let mut s = plain(60.0);
            s.push((5.1, ScheduleDeletion(30)));
            let temp = b.key(
                account,
                r0,
                "alias/temp-migration",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                s,
            );
            let mut s = rotating(400.0, None);
            s.extend([
                (15.4, ScheduleDeletion(7)),
                (14.2, CancelDeletion),
                (13.9, Enable),
            ]);
            let restored = b.key(
                account,
                r0,
                "alias/restored",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                s,
            );
            let legacy_v2 = b.key(
                account,
                r0,
                "alias/legacy-app-v2",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                rotating(31.0, None),
            );
            // Keys created before the trail existed: used, never configured in
            // the evidence. An auditor must see these as gaps.
            let shared = b.key(
                account,
                r0,
                "alias/shared-secrets",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                vec![],
            );
            let aws_rds = b.key(
                account,
                r0,
                "aws/rds",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                vec![],
            );
            // The disaster-recovery region.
            let dr = b.key(
                account,
                r1,
                "alias/orders-db-dr",
                "SYMMETRIC_DEFAULT",
                "ENCRYPT_DECRYPT",
                "AWS_KMS",
                rotating(650.0, Some(180)),
            );

            let w = if prod { 1.0 } else { 0.35 };
            b.flow(account, orders, rds, RDS_OPS, Pattern::Constant, 0.10 * w);
            b.flow(
                account,
                orders,
                orders_api,
                DATA_KEYS,
                Pattern::Diurnal,
                0.12 * w,
            );
            b.flow(account, payments, rds, RDS_OPS, Pattern::Constant, 0.06 * w);
            b.flow(
                account,
                payments,
                payments_api,
                DATA_KEYS,
                Pattern::Diurnal,
                0.08 * w,
            );
            b.flow(
                account,
                payments,
                etl,
                &["GenerateDataKey", "Decrypt"],
                Pattern::Nightly,
                0.06 * w,
            );
            b.flow(
                account,
                analytics,
                analytics_etl,
                ENVELOPE,
                Pattern::Weekly,
                0.03 * w,
            );
            b.flow(account, analytics, bi, DECRYPT, Pattern::Diurnal, 0.03 * w);
            b.flow(
                account,
                legacy_key,
                legacy,
                DECRYPT,
                Pattern::Constant,
                0.01 * w,
            );
            b.flow(
                account,
                legacy_v2,
                rds,
                RDS_OPS,
                Pattern::Constant,
                0.01 * w,
            );
            b.flow(account, reports, bi, ENVELOPE, Pattern::Diurnal, 0.01 * w);
            b.flow(
                account,
                reports,
                reporting,
                DECRYPT,
                Pattern::Diurnal,
                0.004 * w,
            );
            b.flow(
                account,
                byok_retired,
                payments_api,
                DECRYPT,
                Pattern::Diurnal,
                0.002 * w,
            );
            b.flow(
                account,
                batch,
                etl,
                &["GenerateDataKey"],
                Pattern::Nightly,
                0.02 * w,
            );
            b.flow(
                account,
                archive,
                etl,
                &["Encrypt", "GenerateDataKey"],
                Pattern::Nightly,
                0.01 * w,
            );
            b.flow(
                account,
                signing,
                signer,
                &["Sign", "Verify"],
                Pattern::Diurnal,
                0.004 * w,
            );
            b.flow(
                account,
                hmac,
                hooks,
                &["GenerateMac", "VerifyMac"],
                Pattern::Diurnal,
                0.02 * w,
            );
            b.flow(
                account,
                byok,
                payments_api,
                DECRYPT,
                Pattern::Diurnal,
                0.005 * w,
            );
            b.flow(
                account,
                hsm,
                payments_api,
                &["Encrypt", "Decrypt"],
                Pattern::Diurnal,
                0.005 * w,
            );
            b.flow(
                account,
                restored,
                orders_api,
                DECRYPT,
                Pattern::Diurnal,
                0.005 * w,
            );
            b.flow(
                account,
                shared,
                lambda,
                DECRYPT,
                Pattern::Constant,
                0.02 * w,
            );
            b.flow(account, aws_rds, rds, RDS_OPS, Pattern::Constant, 0.03 * w);
            b.flow(account, dr, rds, RDS_OPS, Pattern::Constant, 0.01 * w);
            b.flow(account, temp, legacy, DECRYPT, Pattern::Constant, 0.002 * w);
            // Errors of normal life: a CI role without kms:Decrypt, a verifier
            // that still tries the disabled backup key.
            b.org.flows[account].push(Flow {
                key: payments,
                actor: ci,
                ops: DECRYPT,
                pattern: Pattern::Diurnal,
                weight: 0.002 * w,
                error: Some(("AccessDenied", 1.0)),
            });
            b.flow(
                account,
                old_backups,
                backup,
                DECRYPT,
                Pattern::Nightly,
                0.002 * w,
            );

            // Databases and their keys.
            use RdsStep::*;
            let rds_events: Vec<(f64, RdsStep)> = vec![
                (
                    690.0,
                    CreateInstance {
                        db: "orders-prod",
                        key: Some(orders),
                        engine: "postgres",
                    },
                ),
                (
                    390.0,
                    CreateCluster {
                        db: "payments-aurora",
                        key: payments,
                    },
                ),
                (
                    450.0,
                    CreateInstance {
                        db: "analytics-replica",
                        key: None,
                        engine: "mysql",
                    },
                ),
                (
                    790.0,
                    CreateInstance {
                        db: "legacy-db",
                        key: Some(legacy_key),
                        engine: "postgres",
                    },
                ),
                // Manual re-key of legacy-db onto a new key.
                (
                    30.5,
                    CreateSnapshot {
                        db: "legacy-db",
                        snapshot: "legacy-db-rekey",
                    },
                ),
                (
                    30.4,
                    CopySnapshot {
                        from: "legacy-db-rekey",
                        to: "legacy-db-rekey-v2",
                        key: legacy_v2,
                    },
                ),
                (
                    29.6,
                    Restore {
                        db: "legacy-db-v2",
                        snapshot: "legacy-db-rekey-v2",
                        key: legacy_v2,
                    },
                ),
                (28.2, DeleteInstance { db: "legacy-db" }),
                (
                    2.6,
                    ShareSnapshot {
                        snapshot: "legacy-db-rekey",
                        with: if prod { "all" } else { "444455556666" },
                    },
                ),
                (
                    640.0,
                    CreateInstance {
                        db: "orders-dr",
                        key: Some(dr),
                        engine: "postgres",
                    },
                ),
            ];
            for (at, step) in rds_events {
                let region = if matches!(
                    step,
                    CreateInstance {
                        db: "orders-dr",
                        ..
                    }
                ) {
                    r1
                } else {
                    r0
                };
                b.org.mgmt.push((
                    at,
                    Mgmt::Rds {
                        account,
                        region,
                        step,
                    },
                ));
            }
            if prod {
                // Someone narrows the trail's event selectors: KMS events excluded.
                b.org.mgmt.push((
                    4.2,
                    Mgmt::Trail {
                        account,
                        step: TrailStep::PutEventSelectors { exclude_kms: true },
                    },
                ));
                b.org.mgmt.push((
                    4.1,
                    Mgmt::Trail {
                        account,
                        step: TrailStep::PutEventSelectors { exclude_kms: false },
                    },
                ));
            }
        }

        let steps: Vec<(f64, Mgmt)> = org
            .keys
            .iter()
            .enumerate()
            .flat_map(|(k, key)| {
                key.story.iter().map(move |(at, step)| {
                    (
                        *at,
                        Mgmt::Key {
                            key: k,
                            step: step.clone(),
                        },
                    )
                })
            })
            .collect();
        org.mgmt.extend(steps);
        org.mgmt.sort_by(|a, b| b.0.total_cmp(&a.0));
        org
    }

    /// The actor who manages things in an account (console admin).
    pub fn admin(&self, account: usize) -> &Actor {
        &self.actors[account][0]
    }
}
