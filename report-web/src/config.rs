use serde::Deserialize;

/// The service's settings (the `[web]` part of the config file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Bearer tokens, stored as SHA-256 hashes (`keyledger token new` prints one).
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
    /// Memory a query of the SQL API may use, in MiB.
    #[serde(default = "default_memory_mib")]
    pub query_memory_mib: usize,
    /// Seconds a query of the SQL API may run.
    #[serde(default = "default_timeout")]
    pub query_timeout_seconds: u64,
    /// Most rows a query of the SQL API returns.
    #[serde(default = "default_max_rows")]
    pub query_max_rows: usize,
    /// Organisation name shown on reports.
    #[serde(default = "default_org")]
    pub organisation: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            tokens: Vec::new(),
            query_memory_mib: default_memory_mib(),
            query_timeout_seconds: default_timeout(),
            query_max_rows: default_max_rows(),
            organisation: default_org(),
        }
    }
}

fn default_memory_mib() -> usize {
    512
}
fn default_timeout() -> u64 {
    30
}
fn default_max_rows() -> usize {
    100_000
}
fn default_org() -> String {
    "Example Organisation".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds the token (logged with every request).
    pub name: String,
    /// `auditor`, `siem` or `admin`.
    pub role: crate::Role,
    /// Hex SHA-256 of the token.
    pub sha256: String,
}
