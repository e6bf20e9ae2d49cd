//! keyledger-query: SQL over the event store.
//!
//! [`Ledger::open`] builds a DataFusion session whose tables (`cloudtrail`,
//! …) read exactly the live segments of one store snapshot
//! ([`table::LedgerTable`]), with segments pruned by the manifest's
//! per-segment time ranges and date partitions before any file is opened,
//! and row groups pruned by Parquet statistics after.
//!
//! The CLI, the web reports and ad-hoc SQL all go through the same session,
//! so they can never disagree.

mod error;
pub mod format;
mod session;
pub mod table;

pub use error::{Error, Result};
pub use format::OutputFormat;
pub use session::Ledger;
