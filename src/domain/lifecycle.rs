//! The account lifecycle of DESIGN §3 as pure functions of the state, the
//! policy and the time. The database stores what these return; tests drive
//! them with any clock they like.

use super::{AccountStatus, Assurance, FollowerCount, RegistryPolicy};
use chrono::{DateTime, Utc};

/// What the registry knows about one account's lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountState {
    pub status: AccountStatus,
    /// Assurance of the identity on file for this account, if one is. Platforms
    /// see it only while the account is `verified`.
    pub identity: Option<Assurance>,
    pub follower_count: FollowerCount,
    /// When the platform observed `follower_count`; older reports are ignored.
    pub observed_at: DateTime<Utc>,
    /// Start of the current episode over the threshold; fixes the deadline.
    pub crossed_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    /// Start of the current stretch at or below the threshold (hysteresis clock).
    pub below_since: Option<DateTime<Utc>>,
}

/// One status change, to be written to the change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub status: AccountStatus,
    /// When the change took effect: the deadline or hysteresis end for
    /// time-driven changes, the report time otherwise.
    pub at: DateTime<Utc>,
}

/// The state after an event and the status changes it caused, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub state: AccountState,
    pub changes: Vec<StatusChange>,
    /// The account just became `required`: a claim code must be issued.
    pub issue_claim_code: bool,
}

/// True while the owner can still identify with a claim code.
pub fn accepts_claim_code(status: AccountStatus) -> bool {
    matches!(status, AccountStatus::Required | AccountStatus::Overdue)
}

impl RegistryPolicy {
    pub fn is_over_threshold(&self, count: FollowerCount) -> bool {
        count.get() > self.threshold
    }

    /// The first report of an account the registry has never seen.
    pub fn first_report(&self, count: FollowerCount, observed_at: DateTime<Utc>, now: DateTime<Utc>) -> Outcome {
        let unseen = AccountState {
            status: AccountStatus::NotRequired,
            identity: None,
            follower_count: FollowerCount::new(0),
            observed_at,
            crossed_at: None,
            deadline: None,
            below_since: None,
        };
        let mut outcome = self.report(&unseen, count, observed_at, now);
        if outcome.changes.is_empty() {
            // Every account gets a first feed entry, so a mirror learns of it.
            outcome.changes.push(StatusChange { status: AccountStatus::NotRequired, at: now });
        }
        outcome
    }

    /// A platform reports a follower count. Due time-driven changes are
    /// applied first, so changes are always in the order they happened.
    pub fn report(
        &self,
        state: &AccountState,
        count: FollowerCount,
        observed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Outcome {
        let mut outcome = self.advance(state, now);
        if observed_at < state.observed_at {
            return outcome; // out-of-order delivery: a newer count is already on file
        }
        let s = &mut outcome.state;
        s.follower_count = count;
        s.observed_at = observed_at;
        if self.is_over_threshold(count) {
            s.below_since = None;
            if s.status == AccountStatus::NotRequired {
                let status = if s.identity.is_some() {
                    AccountStatus::Verified
                } else {
                    s.crossed_at = Some(now);
                    s.deadline = Some(now + self.grace_period);
                    outcome.issue_claim_code = true;
                    AccountStatus::Required
                };
                s.status = status;
                outcome.changes.push(StatusChange { status, at: now });
            }
        } else if s.status != AccountStatus::NotRequired && s.below_since.is_none() {
            s.below_since = Some(now);
        }
        let later = self.advance(&outcome.state, now);
        outcome.state = later.state;
        outcome.changes.extend(later.changes);
        outcome
    }

    /// The owner identified with a valid claim: the identity is on file and a
    /// `required` or `overdue` account becomes `verified`. Due time-driven
    /// changes are applied first (an account released meanwhile stays `not_required`).
    pub fn identify(&self, state: &AccountState, assurance: Assurance, now: DateTime<Utc>) -> Outcome {
        let mut outcome = self.advance(state, now);
        outcome.state.identity = Some(assurance);
        if accepts_claim_code(outcome.state.status) {
            outcome.state.status = AccountStatus::Verified;
            outcome.changes.push(StatusChange { status: AccountStatus::Verified, at: now });
        }
        outcome
    }

    /// A registrar confirmed the identity behind the account: `declared`
    /// becomes `registrar_checked`. A `verified` account gets a change-feed
    /// row (same status, new assurance) so that platforms learn of it.
    pub fn confirm_identity(&self, state: &AccountState, now: DateTime<Utc>) -> Outcome {
        let mut outcome = self.advance(state, now);
        if outcome.state.identity == Some(Assurance::Declared) {
            outcome.state.identity = Some(Assurance::RegistrarChecked);
            if outcome.state.status == AccountStatus::Verified {
                outcome.changes.push(StatusChange { status: AccountStatus::Verified, at: now });
            }
        }
        outcome
    }

    /// The identity on file no longer covers the account: the owner withdrew
    /// it or its data was shredded. Only `not_required` accounts lose their
    /// identity, so no status changes; if the account crosses the threshold
    /// again it is `required` and needs a new identification.
    pub fn release_identity(&self, state: &AccountState, now: DateTime<Utc>) -> Outcome {
        let mut outcome = self.advance(state, now);
        outcome.state.identity = None;
        outcome
    }

    /// The link was found false (the record's owner reported it as not
    /// theirs, or a registrar rejected the declaration): the identity no
    /// longer covers the account, and a `verified` account is `required`
    /// again with a fresh deadline, so its real owner can identify.
    pub fn dispute_identity(&self, state: &AccountState, now: DateTime<Utc>) -> Outcome {
        let mut outcome = self.release_identity(state, now);
        let s = &mut outcome.state;
        if s.status == AccountStatus::Verified {
            s.status = AccountStatus::Required;
            s.crossed_at = Some(now);
            s.deadline = Some(now + self.grace_period);
            outcome.issue_claim_code = true;
            outcome.changes.push(StatusChange { status: AccountStatus::Required, at: now });
        }
        outcome
    }

    /// The earliest time-driven change due by `now`: `required` → `overdue` at
    /// the deadline, anything → `not_required` once the account has stayed at
    /// or below the threshold for the hysteresis period.
    fn next_due(
        &self,
        status: AccountStatus,
        deadline: Option<DateTime<Utc>>,
        below_since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<StatusChange> {
        let overdue_at = deadline.filter(|d| status == AccountStatus::Required && *d <= now);
        let released_at = below_since
            .map(|since| since + self.hysteresis)
            .filter(|at| status != AccountStatus::NotRequired && *at <= now);
        match (overdue_at, released_at) {
            (Some(o), Some(r)) if r <= o => Some(StatusChange { status: AccountStatus::NotRequired, at: r }),
            (Some(o), _) => Some(StatusChange { status: AccountStatus::Overdue, at: o }),
            (None, Some(r)) => Some(StatusChange { status: AccountStatus::NotRequired, at: r }),
            (None, None) => None,
        }
    }

    /// Applies every time-driven change due by `now`, earliest first.
    pub fn advance(&self, state: &AccountState, now: DateTime<Utc>) -> Outcome {
        let mut s = state.clone();
        let mut changes = Vec::new();
        while let Some(change) = self.next_due(s.status, s.deadline, s.below_since, now) {
            s.status = change.status;
            if change.status == AccountStatus::NotRequired {
                s.crossed_at = None;
                s.deadline = None;
                s.below_since = None;
            }
            changes.push(change);
        }
        Outcome { state: s, changes, issue_claim_code: false }
    }

    /// For reads: the status at `now` given the stored status and timers, and
    /// the latest due change if one is not stored yet. Same rules as [`Self::advance`].
    pub fn status_at(
        &self,
        mut status: AccountStatus,
        mut deadline: Option<DateTime<Utc>>,
        mut below_since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> (AccountStatus, Option<StatusChange>) {
        let mut latest = None;
        while let Some(change) = self.next_due(status, deadline, below_since, now) {
            status = change.status;
            if status == AccountStatus::NotRequired {
                (deadline, below_since) = (None, None);
            }
            latest = Some(change);
        }
        (status, latest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn policy() -> RegistryPolicy {
        RegistryPolicy {
            grace_period: TimeDelta::seconds(30),
            hysteresis: TimeDelta::seconds(20),
            ..RegistryPolicy::default()
        }
    }

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn count(n: u64) -> FollowerCount {
        FollowerCount::new(n)
    }

    #[test]
    fn crossing_the_threshold_makes_an_account_required_with_a_deadline() {
        let first = policy().first_report(count(5001), t(0), t(0));
        assert_eq!(first.state.status, AccountStatus::Required);
        assert_eq!(first.state.deadline, Some(t(30)));
        assert!(first.issue_claim_code);
        assert_eq!(first.changes, [StatusChange { status: AccountStatus::Required, at: t(0) }]);
    }

    #[test]
    fn a_disputed_link_makes_a_verified_account_required_again_with_a_fresh_deadline() {
        let p = policy();
        let verified = p.identify(&p.first_report(count(5001), t(0), t(0)).state, Assurance::Declared, t(5)).state;
        let disputed = p.dispute_identity(&verified, t(100));
        assert_eq!((disputed.state.status, disputed.state.identity), (AccountStatus::Required, None));
        assert_eq!(disputed.state.deadline, Some(t(130)));
        assert!(disputed.issue_claim_code);
        assert_eq!(disputed.changes, [StatusChange { status: AccountStatus::Required, at: t(100) }]);
    }

    #[test]
    fn exactly_the_threshold_is_not_over_it() {
        let first = policy().first_report(count(5000), t(0), t(0));
        assert_eq!(first.state.status, AccountStatus::NotRequired);
        assert!(!first.issue_claim_code);
        assert_eq!(first.changes.len(), 1, "the first sighting is in the feed");
    }

    #[test]
    fn reporting_the_same_numbers_again_changes_nothing() {
        let p = policy();
        let first = p.first_report(count(7000), t(0), t(0));
        let again = p.report(&first.state, count(7000), t(1), t(1));
        assert!(again.changes.is_empty() && !again.issue_claim_code);
        assert_eq!(again.state.deadline, first.state.deadline);
    }

    #[test]
    fn the_deadline_passes_into_overdue_at_the_deadline_itself() {
        let p = policy();
        let required = p.first_report(count(7000), t(0), t(0)).state;
        assert!(p.advance(&required, t(29)).changes.is_empty());
        let overdue = p.advance(&required, t(31));
        assert_eq!(overdue.state.status, AccountStatus::Overdue);
        assert_eq!(overdue.changes, [StatusChange { status: AccountStatus::Overdue, at: t(30) }]);
    }

    #[test]
    fn an_account_drops_out_only_after_the_hysteresis_period() {
        let p = policy();
        let required = p.first_report(count(7000), t(0), t(0)).state;
        let dipped = p.report(&required, count(10), t(5), t(5));
        assert_eq!(dipped.state.status, AccountStatus::Required, "no flapping");
        assert_eq!(dipped.state.below_since, Some(t(5)));
        let back = p.report(&dipped.state, count(9000), t(10), t(10));
        assert_eq!(back.state.below_since, None, "going back over resets the clock");
        assert_eq!(back.state.deadline, Some(t(30)), "the deadline stays fixed");
        let dipped_again = p.report(&back.state, count(10), t(12), t(12));
        // Released at 12 + 20 = 32, but the deadline (30) comes first.
        let later = p.advance(&dipped_again.state, t(40));
        let statuses: Vec<_> = later.changes.iter().map(|c| (c.status, c.at)).collect();
        assert_eq!(statuses, [(AccountStatus::Overdue, t(30)), (AccountStatus::NotRequired, t(32))]);
        assert_eq!(later.state.deadline, None);
    }

    #[test]
    fn release_before_the_deadline_skips_overdue() {
        let p = RegistryPolicy { hysteresis: TimeDelta::seconds(5), ..policy() };
        let required = p.first_report(count(7000), t(0), t(0)).state;
        let dipped = p.report(&required, count(10), t(1), t(1));
        let later = p.advance(&dipped.state, t(100));
        assert_eq!(later.changes, [StatusChange { status: AccountStatus::NotRequired, at: t(6) }]);
    }

    #[test]
    fn a_registrar_confirmation_raises_the_assurance_and_tells_platforms_of_verified_accounts() {
        let p = policy();
        let verified = p.identify(&p.first_report(count(7000), t(0), t(0)).state, Assurance::Declared, t(1)).state;
        let confirmed = p.confirm_identity(&verified, t(2));
        assert_eq!(confirmed.state.identity, Some(Assurance::RegistrarChecked));
        assert_eq!(confirmed.changes, [StatusChange { status: AccountStatus::Verified, at: t(2) }]);
        assert!(p.confirm_identity(&confirmed.state, t(3)).changes.is_empty(), "confirming twice changes nothing");

        let mut released = verified;
        released.status = AccountStatus::NotRequired;
        let quiet = p.confirm_identity(&released, t(4));
        assert_eq!(quiet.state.identity, Some(Assurance::RegistrarChecked));
        assert!(quiet.changes.is_empty(), "platforms see assurance only on verified accounts");
    }

    #[test]
    fn an_account_released_from_its_identity_needs_a_new_identification_when_it_crosses_again() {
        let p = policy();
        let verified = p.identify(&p.first_report(count(7000), t(0), t(0)).state, Assurance::Declared, t(1)).state;
        let below = p.advance(&p.report(&verified, count(10), t(2), t(2)).state, t(30)).state;
        assert_eq!(below.status, AccountStatus::NotRequired);
        let released = p.release_identity(&below, t(31));
        assert!(released.changes.is_empty() && released.state.identity.is_none());
        let again = p.report(&released.state, count(9000), t(32), t(32));
        assert_eq!(again.state.status, AccountStatus::Required);
        assert!(again.issue_claim_code);
    }

    #[test]
    fn a_verified_account_that_dips_and_comes_back_stays_verified() {
        let p = policy();
        let mut state = p.first_report(count(7000), t(0), t(0)).state;
        state.status = AccountStatus::Verified;
        state.identity = Some(Assurance::Declared);
        let dipped = p.report(&state, count(10), t(5), t(5));
        let back = p.report(&dipped.state, count(7000), t(10), t(10));
        assert_eq!(back.state.status, AccountStatus::Verified);
        assert!(dipped.changes.is_empty() && back.changes.is_empty());
        // After a full drop-out, crossing again finds the identity still on file.
        let dipped = p.report(&back.state, count(10), t(11), t(11));
        let released = p.advance(&dipped.state, t(40));
        assert_eq!(released.state.status, AccountStatus::NotRequired);
        let recrossed = p.report(&released.state, count(7000), t(50), t(50));
        assert_eq!(recrossed.state.status, AccountStatus::Verified);
        assert!(!recrossed.issue_claim_code);
    }

    #[test]
    fn an_older_report_does_not_overwrite_a_newer_one() {
        let p = policy();
        let state = p.first_report(count(7000), t(10), t(10)).state;
        let stale = p.report(&state, count(10), t(5), t(11));
        assert_eq!(stale.state.follower_count, count(7000));
        assert_eq!(stale.state.below_since, None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone, Copy)]
        enum Step {
            Report(u64),
            Wait(i64),
            /// The owner identifies (what the forms will do), if a claim is open.
            Identify,
        }

        fn step() -> impl Strategy<Value = Step> {
            prop_oneof![
                4 => (4_990u64..5_010).prop_map(Step::Report),
                1 => (0u64..20_000).prop_map(Step::Report),
                4 => (0i64..25).prop_map(Step::Wait),
                1 => Just(Step::Identify),
            ]
        }

        proptest! {
            #[test]
            fn the_lifecycle_keeps_its_invariants(steps in prop::collection::vec(step(), 1..80)) {
                let p = policy();
                let mut now = t(0);
                let mut state: Option<AccountState> = None;
                let mut last_change_at = t(0);
                for step in steps {
                    let before = state.clone();
                    if let Step::Wait(d) = step {
                        now += TimeDelta::seconds(d);
                    }
                    if let Some(b) = &before {
                        // What a read shows is what the job would store.
                        let stored = p.advance(b, now);
                        let (status, latest) = p.status_at(b.status, b.deadline, b.below_since, now);
                        prop_assert_eq!(status, stored.state.status);
                        prop_assert_eq!(latest, stored.changes.last().copied());
                    }
                    let outcome = match (&state, step) {
                        (None, Step::Report(n)) => p.first_report(count(n), now, now),
                        (Some(s), Step::Report(n)) => p.report(s, count(n), now, now),
                        (Some(s), Step::Identify) if accepts_claim_code(p.advance(s, now).state.status) => {
                            p.identify(s, Assurance::Declared, now)
                        }
                        (Some(s), _) => p.advance(s, now),
                        (None, _) => continue,
                    };
                    let s = &outcome.state;

                    // Changes are in time order, and each one is a real change.
                    let mut previous = before.as_ref().map(|b| b.status);
                    for change in &outcome.changes {
                        prop_assert!(change.at >= last_change_at, "changes go back in time");
                        prop_assert!(previous != Some(change.status), "a change to the same status");
                        prop_assert!(
                            !(previous == Some(AccountStatus::Verified) && change.status == AccountStatus::Required),
                            "verified became required"
                        );
                        last_change_at = change.at;
                        previous = Some(change.status);
                    }
                    prop_assert_eq!(previous, Some(s.status), "the last change is the current status");
                    prop_assert_eq!(
                        outcome.issue_claim_code,
                        outcome.changes.iter().any(|c| c.status == AccountStatus::Required)
                    );
                    // The status matches the clock.
                    match s.status {
                        AccountStatus::Required => prop_assert!(s.deadline.is_some_and(|d| d > now)),
                        AccountStatus::Overdue => prop_assert!(s.deadline.is_some_and(|d| d <= now)),
                        AccountStatus::NotRequired => prop_assert!(s.deadline.is_none() && s.below_since.is_none()),
                        AccountStatus::Verified => prop_assert!(s.identity.is_some()),
                    }
                    if s.identity.is_some() {
                        prop_assert!(!accepts_claim_code(s.status), "an identified account needs no claim");
                    }
                    // Within one episode over the threshold, the deadline never moves.
                    if let Some(b) = &before
                        && accepts_claim_code(b.status) && accepts_claim_code(s.status)
                    {
                        prop_assert_eq!(b.deadline, s.deadline);
                    }
                    state = Some(outcome.state);
                }
            }
        }
    }
}
