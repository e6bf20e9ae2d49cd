//! The synthetic organisation: accounts, keys with their life stories,
//! databases, the people and services that use them, and how often.
//!
//! Every story is written relative to the end of the corpus, so whatever
//! `--end` and `--days` are, the interesting moments (a rotation disabled,
//! a key scheduled for deletion, a database re-keyed) fall inside recent
//! history, and the long ones (rotations a year apart) before it.

mod build;

pub const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
pub const ORG_ID: &str = "o-7k2q9xw4lm";
pub const TRAIL_BUCKET: &str = "acme-org-cloudtrail";
pub const TRAIL_NAME: &str = "org-trail";

/// When an actor is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Office-hours peak on weekdays, quiet nights and weekends.
    Diurnal,
    /// A batch job: 01:00–03:00 UTC every night.
    Nightly,
    /// A weekly job: Sunday 04:00–06:00 UTC.
    Weekly,
    /// Steady around the clock (services).
    Constant,
}

impl Pattern {
    /// Relative activity at an hour of a weekday (0 = Monday).
    pub fn weight(self, hour: u32, weekday: u32) -> f64 {
        let weekend = weekday >= 5;
        match self {
            Pattern::Diurnal => {
                let base = match hour {
                    8..=18 => 1.0,
                    6..=7 | 19..=21 => 0.45,
                    _ => 0.12,
                };
                if weekend { base * 0.25 } else { base }
            }
            Pattern::Nightly => {
                if (1..=2).contains(&hour) {
                    11.5
                } else {
                    0.02
                }
            }
            Pattern::Weekly => {
                if weekday == 6 && (4..=5).contains(&hour) {
                    80.0
                } else {
                    0.0
                }
            }
            Pattern::Constant => {
                1.0 + 0.15 * (((hour as f64) / 24.0) * std::f64::consts::TAU).sin()
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// An IAM role used through sessions (AssumedRole).
    Role,
    /// An AWS service acting itself (AWSService).
    Service,
    /// An IAM user.
    User,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: ActorKind,
    /// Role or user name, or the service principal (`rds.amazonaws.com`).
    pub name: String,
    pub session: String,
    pub ips: Vec<String>,
    pub agent: &'static str,
    pub principal_id: String,
    pub access_key: String,
}

/// One step in a key's life.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyStep {
    Create,
    EnableRotation(Option<u32>),
    DisableRotation,
    AutoRotate,
    OnDemandRotate,
    Disable,
    Enable,
    ScheduleDeletion(u32),
    CancelDeletion,
    ImportMaterial,
    DeleteImportedMaterial,
    PutPolicy { public: bool },
    CreateAlias,
}

#[derive(Debug, Clone)]
pub struct Key {
    pub account: usize,
    pub region: &'static str,
    pub id: String,
    pub alias: &'static str,
    pub spec: &'static str,
    pub usage: &'static str,
    pub origin: &'static str,
    pub custom_key_store: Option<String>,
    pub aws_managed: bool,
    /// (days before the end, step)
    pub story: Vec<(f64, KeyStep)>,
}

impl Key {
    pub fn arn(&self, org: &Org) -> String {
        format!(
            "arn:aws:kms:{}:{}:key/{}",
            self.region, org.accounts[self.account].id, self.id
        )
    }
}

#[derive(Debug, Clone)]
pub enum RdsStep {
    CreateInstance {
        db: &'static str,
        key: Option<usize>,
        engine: &'static str,
    },
    CreateCluster {
        db: &'static str,
        key: usize,
    },
    CreateSnapshot {
        db: &'static str,
        snapshot: &'static str,
    },
    CopySnapshot {
        from: &'static str,
        to: &'static str,
        key: usize,
    },
    Restore {
        db: &'static str,
        snapshot: &'static str,
        key: usize,
    },
    DeleteInstance {
        db: &'static str,
    },
    ShareSnapshot {
        snapshot: &'static str,
        with: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrailStep {
    CreateTrail,
    StartLogging,
    StopLogging,
    PutEventSelectors { exclude_kms: bool },
}

/// A management event at a point in time.
#[derive(Debug, Clone)]
pub enum Mgmt {
    Key {
        key: usize,
        step: KeyStep,
    },
    Rds {
        account: usize,
        region: &'static str,
        step: RdsStep,
    },
    Trail {
        account: usize,
        step: TrailStep,
    },
}

/// Who uses which key, how, and how much.
#[derive(Debug, Clone)]
pub struct Flow {
    pub key: usize,
    pub actor: usize,
    pub ops: &'static [&'static str],
    pub pattern: Pattern,
    /// Share of the daily volume.
    pub weight: f64,
    /// (error code, probability).
    pub error: Option<(&'static str, f64)>,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    /// Delivered through the organisation trail (`AWSLogs/<org>/<account>/…`).
    pub org_path: bool,
}

#[derive(Debug, Clone)]
pub struct Org {
    pub accounts: Vec<Account>,
    pub actors: Vec<Vec<Actor>>,
    pub keys: Vec<Key>,
    pub flows: Vec<Vec<Flow>>,
    pub mgmt: Vec<(f64, Mgmt)>,
    /// Share of daily volume that is other services' noise, per account.
    pub noise_weight: f64,
}

pub const CONSOLE_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

/// What a key can do at a moment of its story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    NotYetCreated,
    Enabled,
    Disabled,
    PendingDeletion,
    PendingImport,
}

impl Key {
    /// The key's state `days_before_end` days before the end of the corpus.
    pub fn state_at(&self, days_before_end: f64) -> KeyState {
        let mut state = if self.story.iter().any(|(_, s)| *s == KeyStep::Create) {
            KeyState::NotYetCreated
        } else {
            KeyState::Enabled
        };
        // Stories are listed oldest first within each key, but be safe.
        let mut steps: Vec<_> = self
            .story
            .iter()
            .filter(|(at, _)| *at >= days_before_end)
            .collect();
        steps.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, step) in steps {
            state = match step {
                KeyStep::Create | KeyStep::Enable => KeyState::Enabled,
                KeyStep::Disable | KeyStep::CancelDeletion => KeyState::Disabled,
                KeyStep::ScheduleDeletion(_) => KeyState::PendingDeletion,
                KeyStep::DeleteImportedMaterial => KeyState::PendingImport,
                _ => state,
            };
        }
        state
    }
}
