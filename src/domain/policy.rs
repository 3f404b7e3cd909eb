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
}

impl Default for RegistryPolicy {
    fn default() -> Self {
        Self {
            threshold: 5000,
            grace_period: TimeDelta::days(30),
            hysteresis: TimeDelta::days(30),
            retention: TimeDelta::days(180),
            disclosure_validity: TimeDelta::hours(72),
        }
    }
}
