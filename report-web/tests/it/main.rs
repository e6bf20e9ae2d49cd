//! The web front end and API through the router (no network): every route,
//! authentication and roles, JSON shapes, the SQL sandbox, and escaping of
//! everything that comes from logs.

// Tests fail loudly by design.
#![allow(clippy::unwrap_used)]

mod api;
mod auth;
mod packs;
mod pages;
mod security;
mod support;
