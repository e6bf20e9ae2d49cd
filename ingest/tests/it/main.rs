//! Sources against real fixtures: every valid record read, every bad one
//! quarantined with its reason, digests checked, memory bounded.

// Tests fail loudly by design.
#![allow(clippy::unwrap_used)]

mod digest;
mod fixtures;
mod gateway;
mod golden;
mod kafka;
mod streaming;
mod support;
