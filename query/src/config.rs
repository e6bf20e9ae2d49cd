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
    }
}

impl ConfigExtension for KeyledgerConfig {
    const PREFIX: &'static str = "keyledger";
}
