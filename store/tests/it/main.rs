//! Store behaviour: append, dedupe, commit races, and tamper detection.

// Tests fail loudly by design.
#![allow(clippy::unwrap_used)]

mod append;
mod concurrency;
mod support;
mod tamper;
