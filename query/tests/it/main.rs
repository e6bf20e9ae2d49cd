//! SQL over a store: the tables read exactly the live segments, pruned by
//! date and time before any file is opened.

// Tests fail loudly by design.
#![allow(clippy::unwrap_used)]

mod keys;
mod sql;
mod support;
mod views;
