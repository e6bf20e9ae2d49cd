//! Settings analysts tune, settable from SQL so that reports and ad-hoc
//! queries agree: `SET keyledger.policy_days = 90`.

use datafusion::common::{config::ConfigExtension, extensions_options};

extensions_options! {
    /// keyledger's session settings (`SET keyledger.<name> = <value>`).
    pub struct KeyledgerConfig {
        /// Cryptoperiod policy in days: key material older than this is
        /// overdue, and a rotation period longer than this exceeds policy.
        pub policy_days: u32, default = 365
        /// The instant the views describe (RFC 3339, or a date meaning the
        /// end of that day, UTC). Empty: now.
        pub as_of: String, default = String::new()
        /// decrypt_spike: fewest calls in an hour that can be a spike.
        pub spike_min_count: u64, default = 30
        /// decrypt_spike: how far above its baseline (robust z-score).
        pub spike_threshold: f64, default = 8.0
        /// decrypt_spike: and how many times the expected count at least.
        pub spike_ratio: f64, default = 3.0
        /// decrypt_spike: days of history the baseline looks back on.
        pub baseline_days: u32, default = 28
        /// Days a key (or principal) must have been in use before a new
        /// principal (or address) using it is a finding.
        pub learning_days: u32, default = 7
        /// access_denied_burst / gateway bursts: this many failures ...
        pub burst_count: u64, default = 10
        /// ... within this many minutes.
        pub burst_minutes: u32, default = 5
        /// gateway_auth_failures_then_decrypt: KMS use from the same address
        /// within this many minutes after the burst.
        pub gateway_window_minutes: u32, default = 60
    }
}

impl ConfigExtension for KeyledgerConfig {
    const PREFIX: &'static str = "keyledger";
}
