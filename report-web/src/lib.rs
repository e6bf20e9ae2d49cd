//! keyledger-web: the auditor's web front end and the query API.
//!
//! It reads through `keyledger-query` only, never around it. The pages,
//! API and PDF packs are built on the query layer's views as they land.
