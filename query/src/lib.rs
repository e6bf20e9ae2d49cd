//! keyledger-query: SQL over the event store.
//!
//! [`Ledger::open`] builds a DataFusion session whose tables (`cloudtrail`,
//! …) read exactly the live segments of one store snapshot
//! ([`table::LedgerTable`]), with segments pruned by the manifest's
//! per-segment time ranges and date partitions before any file is opened,
//! and row groups pruned by Parquet statistics after.
//!
//! Every session also has the views [`views::View`]: `key_state`,
//! `rotation_compliance`, `rds_keys`, `rds_snapshots` and `findings`,
//! computed from the same tables and tuned by `SET keyledger.policy_days`
//! and `SET keyledger.as_of`. The CLI, the web reports and ad-hoc SQL all go
//! through the same session, so they can never disagree.

pub mod anomaly;
mod columns;
pub mod config;
mod error;
pub mod findings;
pub mod format;
pub mod keys;
pub mod rds;
pub mod sandbox;
mod session;
pub mod table;
pub mod views;

pub use config::KeyledgerConfig;
pub use error::{Error, Result};
pub use format::OutputFormat;
/// The store crate, for callers that hold a [`Ledger`] (its store's packs,
/// verification).
pub use keyledger_store as store;
pub use session::Ledger;
