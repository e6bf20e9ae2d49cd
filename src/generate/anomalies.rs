//! `generate --anomalies`: labelled anomalies of every kind the detectors
//! look for, injected into the normal traffic, and the labels written to
//! `anomaly-labels.csv` so that detection can be scored.

use chrono::{DateTime, Duration, Utc};

use super::{
    events::{self, Generated},
    gateway::{self, Line},
    org::{Flow, Org, Pattern},
    rng::Rng,
};

/// One injected anomaly.
#[derive(Debug, Clone)]
pub struct Label {
    pub kind: &'static str,
    pub principal_arn: String,
    pub key_arn: String,
    pub source_ip: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Label {
    pub const CSV_HEADER: &'static str = "kind,principal_arn,key_arn,source_ip,start,end";

    pub fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{}",
            self.kind,
            self.principal_arn,
            self.key_arn,
            self.source_ip,
            self.start
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

/// Where the address of an injected call is set: the record's
/// `sourceIPAddress`, replaced in place so the record keeps its shape.
fn from_address(mut g: Generated, ip: &str) -> Generated {
    const FIELD: &str = "\"sourceIPAddress\":\"";
    if let Some(start) = g.json.find(FIELD).map(|i| i + FIELD.len())
        && let Some(len) = g.json[start..].find('"')
    {
        g.json.replace_range(start..start + len, ip);
    }
    g
}

/// What was injected on one day: CloudTrail events, gateway lines, labels.
#[derive(Debug, Default)]
pub struct Injected {
    pub events: Vec<Generated>,
    pub lines: Vec<Line>,
    pub labels: Vec<Label>,
}

fn actor_index(org: &Org, account: usize, name: &str) -> usize {
    org.actors[account]
        .iter()
        .position(|a| a.name == name)
        .unwrap_or(0)
}

fn key_index(org: &Org, account: usize, alias: &str) -> usize {
    org.keys
        .iter()
        .position(|k| k.account == account && k.alias == alias)
        .unwrap_or(0)
}

fn role_arn(org: &Org, account: usize, name: &str) -> String {
    format!("arn:aws:iam::{}:role/{name}", org.accounts[account].id)
}

/// The anomalies scheduled on the day starting at `day` (`days_before_end`
/// days before the end of the corpus), for traffic of `scale` events a day.
pub fn inject(
    org: &Org,
    rng: &mut Rng,
    day: DateTime<Utc>,
    days_before_end: i64,
    scale: f64,
    total_weight: f64,
) -> Injected {
    let prod = 1;
    let mut out = Injected::default();
    let flow = |actor: &str, alias: &str| Flow {
        key: key_index(org, prod, alias),
        actor: actor_index(org, prod, actor),
        ops: &["Decrypt"],
        pattern: Pattern::Constant,
        weight: 0.0,
        error: None,
    };
    let at = |h: i64, m: i64| day + Duration::hours(h) + Duration::minutes(m);
    let key_arn = |alias: &str| org.keys[key_index(org, prod, alias)].arn(org);
    match days_before_end {
        // A spike: orders-api decrypting many times its usual hourly volume.
        5 => {
            let f = flow("orders-api", "alias/orders-db");
            let usual = org.flows[prod]
                .iter()
                .find(|x| x.key == f.key && x.actor == f.actor)
                .map_or(10.0, |x| scale * x.weight / total_weight / 24.0 / 0.55);
            let n = (usual * 8.0).max(300.0) as u64;
            for _ in 0..n {
                let t = at(15, 0) + Duration::milliseconds(rng.below(3_600_000) as i64);
                out.events
                    .push(events::kms_use(org, rng, t, &f, "Decrypt", None));
            }
            out.labels.push(Label {
                kind: "decrypt_spike",
                principal_arn: role_arn(org, prod, "orders-api"),
                key_arn: key_arn("alias/orders-db"),
                source_ip: String::new(),
                start: at(15, 0),
                end: at(16, 0),
            });
        }
        // A principal that never used the payments key starts decrypting with it.
        4 => {
            let f = flow("ci-deployer", "alias/payments-db");
            for i in 0..12 {
                out.events.push(events::kms_use(
                    org,
                    rng,
                    at(11, 20) + Duration::seconds(i * 50),
                    &f,
                    "Decrypt",
                    None,
                ));
            }
            out.labels.push(Label {
                kind: "new_principal_key_pair",
                principal_arn: role_arn(org, prod, "ci-deployer"),
                key_arn: key_arn("alias/payments-db"),
                source_ip: String::new(),
                start: at(11, 20),
                end: at(11, 30),
            });
        }
        // A known principal decrypting from an address it never used.
        3 => {
            let f = flow("orders-api", "alias/orders-db");
            let ip = "198.51.100.250";
            for i in 0..15 {
                let g = events::kms_use(
                    org,
                    rng,
                    at(9, 0) + Duration::seconds(i * 110),
                    &f,
                    "Decrypt",
                    None,
                );
                out.events.push(from_address(g, ip));
            }
            out.labels.push(Label {
                kind: "new_source_ip",
                principal_arn: role_arn(org, prod, "orders-api"),
                key_arn: key_arn("alias/orders-db"),
                source_ip: ip.into(),
                start: at(9, 0),
                end: at(9, 30),
            });
        }
        // Someone probing the payments key with a role that may not use it.
        2 => {
            let f = flow("analytics-etl", "alias/payments-db");
            for i in 0..40 {
                let t = at(22, 10) + Duration::milliseconds(i * 4500);
                out.events.push(events::kms_use(
                    org,
                    rng,
                    t,
                    &f,
                    "Decrypt",
                    Some("AccessDenied"),
                ));
            }
            out.labels.push(Label {
                kind: "access_denied_burst",
                principal_arn: role_arn(org, prod, "analytics-etl"),
                key_arn: key_arn("alias/payments-db"),
                source_ip: String::new(),
                start: at(22, 10),
                end: at(22, 13),
            });
        }
        // Stolen credentials: tried against the API, then used against KMS.
        1 => {
            let ip = "203.0.113.250";
            for i in 0..35 {
                let t = at(13, 0) + Duration::milliseconds(i * 6800);
                out.lines
                    .push(gateway::apigateway_line(rng, t, ip, 401, None));
            }
            let f = flow("payments-api", "alias/payments-db");
            for i in 0..8 {
                let g = events::kms_use(
                    org,
                    rng,
                    at(13, 20) + Duration::seconds(i * 40),
                    &f,
                    "Decrypt",
                    None,
                );
                out.events.push(from_address(g, ip));
            }
            out.labels.push(Label {
                kind: "gateway_auth_failures_then_decrypt",
                principal_arn: role_arn(org, prod, "payments-api"),
                key_arn: key_arn("alias/payments-db"),
                source_ip: ip.into(),
                start: at(13, 0),
                end: at(13, 26),
            });
        }
        _ => {}
    }
    out
}
