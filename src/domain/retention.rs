//! The retention rule (DESIGN §4) as a pure function: when an identity's
//! data may be crypto-shredded, given its account links.

use super::{AccountStatus, RegistryPolicy};
use chrono::{DateTime, Utc};

/// One account link of an identity, as retention sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkState {
    /// The account's stored status.
    pub status: AccountStatus,
    pub status_changed_at: DateTime<Utc>,
    /// When the link ended: the owner withdrew the account.
    pub ended_at: Option<DateTime<Utc>>,
}

impl LinkState {
    /// When the account left the registry as far as this identity goes; `None` while it still needs it.
    fn left_at(&self) -> Option<DateTime<Utc>> {
        match (self.ended_at, self.status) {
            (Some(at), _) => Some(at),
            (None, AccountStatus::NotRequired) => Some(self.status_changed_at),
            (None, _) => None,
        }
    }
}

impl RegistryPolicy {
    /// The moment the identity's data falls due for shredding: the retention
    /// period after the last of its accounts left the registry. `None` while
    /// any account still needs it (and for an identity without links, which
    /// the registry never creates: when in doubt, keep).
    pub fn shred_due_at(&self, links: &[LinkState]) -> Option<DateTime<Utc>> {
        let mut last_left: Option<DateTime<Utc>> = None;
        for link in links {
            last_left = last_left.max(Some(link.left_at()?));
        }
        last_left.map(|at| at + self.retention)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn t(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::days(days)
    }

    fn link(status: AccountStatus, changed: i64, ended: Option<i64>) -> LinkState {
        LinkState { status, status_changed_at: t(changed), ended_at: ended.map(t) }
    }

    #[test]
    fn data_is_due_a_retention_period_after_the_last_account_left() {
        let policy = RegistryPolicy::default();
        let links = [link(AccountStatus::NotRequired, 10, None), link(AccountStatus::Verified, 1, Some(40))];
        assert_eq!(policy.shred_due_at(&links), Some(t(40 + 180)), "withdrawn on day 40, the later of the two");
    }

    #[test]
    fn an_account_that_still_needs_the_identity_keeps_it() {
        let policy = RegistryPolicy::default();
        for status in [AccountStatus::Required, AccountStatus::Verified, AccountStatus::Overdue] {
            let links = [link(AccountStatus::NotRequired, 10, None), link(status, 1, None)];
            assert_eq!(policy.shred_due_at(&links), None, "{status:?}");
        }
        assert_eq!(policy.shred_due_at(&[]), None, "no links: keep");
    }
}
