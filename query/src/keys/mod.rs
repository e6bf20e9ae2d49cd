//! Key state as a projection of the event stream.
//!
//! Every event that configures a key (CloudTrail's successful KMS management
//! calls and service events, and KMS inventory snapshots) is folded in time
//! order into [`KeyFacts`]: what was true of the key at an instant. The
//! rotation verdict is a pure function of those facts, the instant and the
//! policy, so "as of the last day of the audit period" and "on every day of
//! it" are the same computation at different instants.

mod change;
mod facts;
pub mod history;
pub(crate) mod load;
mod rotation;

pub use change::{Change, KeyEvent};
pub use facts::{KeyFacts, KeyTimeline, Usage, project};
pub use load::{MANAGEMENT_EVENTS, load_timelines};
pub use rotation::{Status, Verdict, verdict};
