//! The configurable rules: thresholds, periods and limits.

use chrono::TimeDelta;

/// The configurable rules of the account lifecycle (DESIGN §3, §4, §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPolicy {
    /// An account is over the threshold when `follower_count > threshold`.
    pub threshold: u64,
    /// Time from crossing the threshold to the identification deadline.
    pub grace_period: TimeDelta,
    /// How long an account must stay at or below the threshold to drop back to `not_required`.
    pub hysteresis: TimeDelta,
    /// How long identity data is kept after its last account left the registry.
    pub retention: TimeDelta,
    /// How long an approved disclosure may be opened.
    pub disclosure_validity: TimeDelta,
    /// The abuse brakes on each official, per rolling 24 hours.
    pub daily_limits: DailyLimits,
}

/// How much one official may do in any 24 hours (DESIGN §7 abuse brakes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyLimits {
    /// Disclosures opened.
    pub disclosures: u32,
    /// Requests filed against an identifier (each one searches the whole
    /// registry for a person's accounts).
    pub identifier_searches: u32,
    /// Declarations a registrar checked against evidence.
    pub reviews: u32,
}

impl Default for RegistryPolicy {
    fn default() -> Self {
        Self {
            threshold: 5000,
            grace_period: TimeDelta::days(30),
            hysteresis: TimeDelta::days(30),
            retention: TimeDelta::days(180),
            disclosure_validity: TimeDelta::hours(72),
            daily_limits: DailyLimits { disclosures: 20, identifier_searches: 10, reviews: 20 },
        }
    }
}
