//! End-to-end tests of the `keyledger` binary.

// Tests fail loudly by design.
#![allow(clippy::unwrap_used)]

mod cli;
mod kms;
mod moto;
mod support;
