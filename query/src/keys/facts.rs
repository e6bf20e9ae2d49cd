use std::collections::{BTreeMap, BTreeSet};

use super::{Change, KeyEvent};

/// How a key was used (any event naming it), up to an instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub events: u64,
}

/// What was true of one key at an instant, and which events say so.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyFacts {
    pub key_arn: String,
    pub key_id: String,
    pub account_id: String,
    pub region: String,
    pub aliases: BTreeSet<String>,
    pub key_manager: Option<String>,
    pub key_spec: Option<String>,
    pub key_usage: Option<String>,
    pub origin: Option<String>,
    pub custom_key_store_id: Option<String>,
    pub key_state: Option<String>,
    pub created_at: Option<i64>,
    pub rotation_enabled: Option<bool>,
    pub rotation_period_days: Option<i32>,
    pub last_automatic_rotation: Option<i64>,
    pub last_on_demand_rotation: Option<i64>,
    pub deletion_date: Option<i64>,
    pub policy: Option<String>,
    /// Failed API calls of the latest inventory snapshot (JSON).
    pub inventory_errors: Option<String>,
    pub last_inventory: Option<i64>,
    /// When the latest alias assignment happened, per alias (to settle
    /// aliases moved between keys).
    pub alias_times: BTreeMap<String, i64>,
    /// Event ids behind each current fact, by fact.
    pub evidence: BTreeMap<&'static str, String>,
    pub usage: Usage,
}

impl KeyFacts {
    fn new(key_arn: &str) -> Self {
        // arn:aws:kms:REGION:ACCOUNT:key/ID
        let parts: Vec<&str> = key_arn.splitn(6, ':').collect();
        KeyFacts {
            key_arn: key_arn.to_owned(),
            region: parts.get(3).copied().unwrap_or_default().to_owned(),
            account_id: parts.get(4).copied().unwrap_or_default().to_owned(),
            key_id: parts
                .get(5)
                .and_then(|r| r.strip_prefix("key/"))
                .unwrap_or_default()
                .to_owned(),
            ..Default::default()
        }
    }

    /// The latest of creation and rotations: when the current key material
    /// came to be.
    pub fn material_since(&self) -> Option<i64> {
        [
            self.created_at,
            self.last_automatic_rotation,
            self.last_on_demand_rotation,
        ]
        .into_iter()
        .flatten()
        .max()
    }

    pub fn last_rotation(&self) -> Option<i64> {
        self.last_automatic_rotation
            .max(self.last_on_demand_rotation)
    }

    /// Whether anything told us what kind of key this is.
    pub fn has_configuration(&self) -> bool {
        self.key_spec.is_some() || self.key_manager.is_some() || self.origin.is_some()
    }

    /// The distinct evidence event ids, in a stable order.
    pub fn evidence_ids(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.evidence.values().collect();
        set.into_iter().cloned().collect()
    }

    fn apply(&mut self, e: &KeyEvent) {
        let id = || e.event_id.clone();
        match &e.change {
            Change::Created {
                spec,
                usage,
                origin,
                manager,
                custom_key_store,
                state,
                created_at,
            } => {
                self.key_spec = spec.clone();
                self.key_usage = usage.clone();
                self.origin = origin.clone();
                self.key_manager = manager.clone();
                self.custom_key_store_id = custom_key_store.clone();
                let external = origin.as_deref() == Some("EXTERNAL");
                self.key_state = state
                    .clone()
                    .or_else(|| Some(if external { "PendingImport" } else { "Enabled" }.into()));
                self.created_at = created_at.or(Some(e.time));
                // New keys start with automatic rotation off.
                self.rotation_enabled = Some(false);
                self.rotation_period_days = None;
                self.evidence.insert("created", id());
                self.evidence.insert("rotation", id());
                self.evidence.insert("state", id());
            }
            Change::RotationEnabled { period_days } => {
                self.rotation_enabled = Some(true);
                self.rotation_period_days = Some(period_days.unwrap_or(365));
                self.evidence.insert("rotation", id());
            }
            Change::RotationDisabled => {
                self.rotation_enabled = Some(false);
                self.rotation_period_days = None;
                self.evidence.insert("rotation", id());
            }
            Change::Rotated { on_demand } => {
                if *on_demand {
                    self.last_on_demand_rotation = Some(e.time);
                } else {
                    self.last_automatic_rotation = Some(e.time);
                }
                self.evidence.insert("last_rotation", id());
            }
            Change::Disabled => self.set_state("Disabled", e),
            Change::Enabled => self.set_state("Enabled", e),
            Change::DeletionScheduled { deletion_date } => {
                self.deletion_date = *deletion_date;
                self.set_state("PendingDeletion", e);
            }
            // A cancelled deletion leaves the key disabled.
            Change::DeletionCancelled => {
                self.deletion_date = None;
                self.set_state("Disabled", e);
            }
            Change::Deleted => self.set_state("Deleted", e),
            Change::MaterialImported => {
                if matches!(self.key_state.as_deref(), None | Some("PendingImport")) {
                    self.set_state("Enabled", e);
                }
            }
            Change::MaterialDeleted => self.set_state("PendingImport", e),
            Change::AliasSet(a) => {
                self.aliases.insert(a.clone());
                self.alias_times.insert(a.clone(), e.time);
            }
            Change::AliasRemoved(a) => {
                self.aliases.remove(a);
                self.alias_times.remove(a);
            }
            Change::PolicyChanged(p) => {
                self.policy = Some(p.clone());
                self.evidence.insert("policy", id());
            }
            Change::Inventory(r) => self.apply_inventory(r, e),
        }
    }

    fn set_state(&mut self, state: &str, e: &KeyEvent) {
        self.key_state = Some(state.to_owned());
        self.evidence.insert("state", e.event_id.clone());
    }

    /// An inventory snapshot is authoritative for what it could read; what
    /// it could not read (an API error) leaves the earlier facts standing.
    fn apply_inventory(
        &mut self,
        r: &keyledger_schemas::kms_inventory::InventoryRecord,
        e: &KeyEvent,
    ) {
        let keep = |new: &Option<String>, old: &mut Option<String>| {
            if new.is_some() {
                old.clone_from(new);
            }
        };
        keep(&r.key_manager, &mut self.key_manager);
        keep(&r.key_spec, &mut self.key_spec);
        keep(&r.key_usage, &mut self.key_usage);
        keep(&r.origin, &mut self.origin);
        keep(&r.custom_key_store_id, &mut self.custom_key_store_id);
        if r.key_state.is_some() {
            self.key_state.clone_from(&r.key_state);
            self.evidence.insert("state", e.event_id.clone());
        }
        if r.creation_date.is_some() {
            self.created_at = r.creation_date;
            self.evidence.insert("created", e.event_id.clone());
        }
        if r.rotation_enabled.is_some() {
            self.rotation_enabled = r.rotation_enabled;
            self.rotation_period_days = if r.rotation_enabled == Some(true) {
                r.rotation_period_days
                    .or(self.rotation_period_days)
                    .or(Some(365))
            } else {
                None
            };
            self.evidence.insert("rotation", e.event_id.clone());
        }
        if let (Some(t), Some(kind)) = (r.last_rotation, &r.last_rotation_type) {
            let slot = if kind == "ON_DEMAND" {
                &mut self.last_on_demand_rotation
            } else {
                &mut self.last_automatic_rotation
            };
            if slot.is_none_or(|old| t > old) {
                *slot = Some(t);
                self.evidence.insert("last_rotation", e.event_id.clone());
            }
        }
        if r.deletion_date.is_some() {
            self.deletion_date = r.deletion_date;
        }
        if r.policy.is_some() {
            self.policy.clone_from(&r.policy);
        }
        self.aliases = r.aliases.iter().cloned().collect();
        for a in &r.aliases {
            self.alias_times.insert(a.clone(), e.time);
        }
        self.inventory_errors.clone_from(&r.errors);
        self.last_inventory = Some(e.time);
    }
}

/// All dated changes of one key, in time order, and its usage counts by day.
#[derive(Debug, Clone, Default)]
pub struct KeyTimeline {
    pub key_arn: String,
    pub events: Vec<KeyEvent>,
    /// (day start in micros, events that day): for `first_seen` / `last_seen`
    /// as of any instant.
    pub usage_by_day: Vec<(i64, u64)>,
}

const DAY: i64 = 86_400_000_000;

impl KeyTimeline {
    /// The key's facts at `as_of` (exclusive: events at or after it are not applied).
    pub fn facts_at(&self, as_of: i64) -> KeyFacts {
        let mut f = KeyFacts::new(&self.key_arn);
        for e in self.events.iter().take_while(|e| e.time < as_of) {
            f.apply(e);
        }
        for (day, n) in self.usage_by_day.iter().take_while(|(d, _)| *d < as_of) {
            f.usage.first_seen.get_or_insert(*day);
            f.usage.last_seen = Some((*day + DAY - 1).min(as_of - 1));
            f.usage.events += n;
        }
        f
    }

    /// Whether the store holds anything about this key before `as_of`.
    pub fn known_at(&self, as_of: i64) -> bool {
        self.events.first().is_some_and(|e| e.time < as_of)
            || self.usage_by_day.first().is_some_and(|(d, _)| *d < as_of)
    }
}

/// The facts of every key known at `as_of`, with each alias kept only by the
/// key it was most recently assigned to (UpdateAlias moves an alias without
/// an event on the key it leaves).
pub fn project(timelines: &[KeyTimeline], as_of: i64) -> Vec<KeyFacts> {
    let mut facts: Vec<KeyFacts> = timelines
        .iter()
        .filter(|t| t.known_at(as_of))
        .map(|t| t.facts_at(as_of))
        .collect();
    let mut owner: BTreeMap<(String, String, String), (i64, usize)> = BTreeMap::new();
    for (i, f) in facts.iter().enumerate() {
        for (alias, t) in &f.alias_times {
            let k = (f.account_id.clone(), f.region.clone(), alias.clone());
            if owner.get(&k).is_none_or(|(old, _)| *t > *old) {
                owner.insert(k, (*t, i));
            }
        }
    }
    for (i, f) in facts.iter_mut().enumerate() {
        let (acc, reg) = (f.account_id.clone(), f.region.clone());
        f.aliases.retain(|a| {
            owner
                .get(&(acc.clone(), reg.clone(), a.clone()))
                .is_some_and(|(_, o)| *o == i)
        });
    }
    facts
}
