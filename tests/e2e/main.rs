//! End-to-end tests of the `keyledger` binary.

// Tests fail loudly by design.
#![allow(clippy::unwrap_used)]
// Measured figures (precision, recall) are reported on stderr.
#![allow(clippy::print_stderr)]

mod anomalies;
mod cli;
mod kafka;
mod kms;
mod moto;
mod s3;
mod support;
mod web;
