//! What platforms do: report accounts and read their statuses. Applies the
//! account lifecycle (`domain::lifecycle`) to storage; each write is one
//! transaction, in which account rows, change-feed rows and claim codes
//! commit together or not at all. None of it is an audit event.

use crate::crypto::jws;
use crate::crypto::token::new_claim_code;
use crate::crypto::{KeyRing, TokenPurpose};
use crate::db::repo::accounts::{self as repo, AccountRow, StatusRow, StoredSignature};
use crate::db::{DbConnection, DbError, FeedTx, lock_feed, write_tx};
use crate::domain::lifecycle::accepts_claim_code;
use crate::domain::{
    AccountId, AccountRef, AccountStatus, Assurance, ClaimCode, FollowerCount, Handle, Outcome, Payload, PlatformId,
    RegistryPolicy, StatusStatement,
};
use crate::status_mirror::{StatusMirror, Unreadable};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub use crate::db::repo::accounts::ChangeRow;

/// One account in a platform's report.
#[derive(Debug, Clone)]
pub struct Report {
    pub account_ref: AccountRef,
    pub handle: Handle,
    pub follower_count: FollowerCount,
    pub observed_at: Option<DateTime<Utc>>,
}

/// What the platform learns about one reported account.
#[derive(Debug, Clone)]
pub struct ReportResult {
    pub account_ref: AccountRef,
    pub status: AccountStatus,
    pub deadline: Option<DateTime<Utc>>,
    /// Only when a new code was issued by this report.
    pub claim_code: Option<ClaimCode>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClaimCodeError {
    #[error("account not found")]
    NotFound,
    /// Only `required` and `overdue` accounts can be claimed.
    #[error("the account is {0}: it needs no claim code")]
    NotClaimable(AccountStatus),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Records a platform's report of up to 1,000 accounts; one result per
/// entry, in order. Reporting the same numbers again changes nothing and
/// issues no code. A ref named twice counts once, by its newest observation
/// (the later entry on a tie), as reporting them one after the other would.
pub fn report(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    platform_id: PlatformId,
    reports: &[Report],
    now: DateTime<Utc>,
) -> Result<Vec<ReportResult>, DbError> {
    let observed = |r: &Report| r.observed_at.map_or(now, |at| at.min(now));
    let mut newest: HashMap<&AccountRef, &Report> = HashMap::with_capacity(reports.len());
    for report in reports {
        let kept = newest.entry(&report.account_ref).or_insert(report);
        if observed(report) >= observed(kept) {
            *kept = report;
        }
    }
    let unique: Vec<Report> = reports
        .iter()
        .filter(|r| newest.get(&r.account_ref).is_some_and(|kept| std::ptr::eq(*kept, *r)))
        .cloned()
        .collect();
    let results = report_unique(conn, keys, policy, platform_id, &unique, now)?;
    let by_ref: HashMap<&AccountRef, &ReportResult> = results.iter().map(|r| (&r.account_ref, r)).collect();
    Ok(reports.iter().filter_map(|r| by_ref.get(&r.account_ref).map(|result| (*result).clone())).collect())
}

/// [`report`] for refs that are each named once.
fn report_unique(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    platform_id: PlatformId,
    reports: &[Report],
    now: DateTime<Utc>,
) -> Result<Vec<ReportResult>, DbError> {
    write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let refs: Vec<AccountRef> = reports.iter().map(|r| r.account_ref.clone()).collect();
        let mut existing: HashMap<AccountRef, AccountRow> =
            repo::find_many(conn, platform_id, &refs)?.into_iter().map(|row| (row.account_ref.clone(), row)).collect();
        let mut results = Vec::with_capacity(reports.len());
        for report in reports {
            // A clock ahead of ours must not block every later report.
            let observed_at = report.observed_at.map_or(now, |at| at.min(now));
            let (id, outcome, deadline_before) = match existing.remove(&report.account_ref) {
                None => {
                    let outcome = policy.first_report(report.follower_count, observed_at, now);
                    let id = repo::insert(conn, platform_id, &report.account_ref, &report.handle, &outcome.state, now)?;
                    (id, outcome, None)
                }
                Some(row) => {
                    let before = row.state();
                    let outcome = policy.report(&before, report.follower_count, observed_at, now);
                    if outcome.state != before || row.handle != report.handle {
                        repo::save_state(conn, row.id, &report.handle, &outcome.state)?;
                    }
                    (row.id, outcome, before.deadline)
                }
            };
            let shown = (outcome.state.identity, outcome.state.deadline.or(deadline_before));
            repo::record_changes(conn, (platform_id, id, &report.account_ref), shown, &outcome.changes)?;
            let claim_code = match (outcome.issue_claim_code, outcome.state.deadline) {
                (true, Some(deadline)) => Some(issue_claim_code(conn, keys, id, deadline)?),
                _ => None,
            };
            results.push(ReportResult {
                account_ref: report.account_ref.clone(),
                status: outcome.state.status,
                deadline: outcome.state.deadline.filter(|_| accepts_claim_code(outcome.state.status)),
                claim_code,
            });
        }
        Ok(results)
    })
}

fn issue_claim_code(
    conn: &mut DbConnection,
    keys: &KeyRing,
    account_id: AccountId,
    expires_at: DateTime<Utc>,
) -> Result<ClaimCode, DbError> {
    let code = new_claim_code();
    let digest = keys.token_digester().digest(TokenPurpose::ClaimCode, code.expose());
    repo::set_claim_code(conn, account_id, Some((&digest, expires_at)))?;
    Ok(code)
}

/// Issues a new claim code for a `required` or `overdue` account; the old one
/// stops working. It expires at the deadline, or for an overdue account one
/// grace period from now, so a late owner can still comply.
pub fn reissue_claim_code(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    platform_id: PlatformId,
    account_ref: &AccountRef,
    now: DateTime<Utc>,
) -> Result<(ClaimCode, DateTime<Utc>), ClaimCodeError> {
    write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let row = repo::find(conn, platform_id, account_ref)?.ok_or(ClaimCodeError::NotFound)?;
        let outcome = catch_up(conn, &row, policy, now)?;
        let state = outcome.state;
        let expires_at = match (state.status, state.deadline) {
            (AccountStatus::Required, Some(deadline)) => deadline,
            (AccountStatus::Overdue, _) => now + policy.grace_period,
            (status, _) => return Err(ClaimCodeError::NotClaimable(status)),
        };
        Ok((issue_claim_code(conn, keys, row.id, expires_at)?, expires_at))
    })
}

/// Stores a lifecycle outcome of an existing account: its new state and its
/// change-feed rows.
pub(super) fn save_outcome(conn: &mut FeedTx<'_>, row: &AccountRow, outcome: &Outcome) -> Result<(), DbError> {
    repo::save_state(conn, row.id, &row.handle, &outcome.state)?;
    // A change to `not_required` clears the deadline; the changes before it ran against it.
    let shown = (outcome.state.identity, outcome.state.deadline.or(row.deadline.map(|t| t.and_utc())));
    repo::record_changes(conn, (row.platform_id, row.id, &row.account_ref), shown, &outcome.changes)
}

/// Applies and stores the time-driven changes due for one account.
fn catch_up(
    conn: &mut FeedTx<'_>,
    row: &AccountRow,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<Outcome, DbError> {
    let outcome = policy.advance(&row.state(), now);
    if !outcome.changes.is_empty() {
        save_outcome(conn, row, &outcome)?;
    }
    Ok(outcome)
}

/// One step of the background job: stores up to `limit` due time-driven
/// changes (deadlines passed, hysteresis periods over). Returns how many
/// accounts changed; run it until it returns 0.
pub fn apply_due_transitions(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let due = repo::due_for_transition(conn, now, now - policy.hysteresis, limit)?;
        let mut changed = 0;
        for row in &due {
            if !catch_up(conn, row, policy, now)?.changes.is_empty() {
                changed += 1;
            }
        }
        Ok(changed)
    })
}

/// An account's status as of `now`, even if the background job has not yet
/// stored a change that is already due: a read never shows a stale status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusView {
    pub account_ref: AccountRef,
    pub handle: Handle,
    pub status: AccountStatus,
    pub assurance: Option<Assurance>,
    pub deadline: Option<DateTime<Utc>>,
    pub status_changed_at: DateTime<Utc>,
    pub seq: i64,
    /// The registry's signature of these fields (but the handle), with the
    /// platform's slug, as a statement: a detached compact JWS.
    pub signature: String,
}

impl StatusView {
    fn of(row: StatusRow, platform: &Platform<'_>, policy: &RegistryPolicy, now: DateTime<Utc>) -> Self {
        let deadline = row.deadline.map(|t| t.and_utc());
        let (status, due) = policy.status_at(row.status, deadline, row.below_since.map(|t| t.and_utc()), now);
        let assurance = row.assurance.filter(|_| status == AccountStatus::Verified);
        let deadline = deadline.filter(|_| accepts_claim_code(status));
        let status_changed_at = due.map_or(row.status_changed_at.and_utc(), |c| c.at);
        // The stored signature is the stored status's; a due change not stored yet is signed now.
        let signed = row.statement.filter(|_| due.is_none());
        let signature = platform.signature(signed.as_ref(), || StatusStatement {
            account_ref: row.account_ref.as_str().to_owned(),
            assurance,
            deadline,
            platform: platform.slug.to_owned(),
            seq: row.seq,
            status,
            status_changed_at,
        });
        Self {
            signature,
            status,
            assurance,
            deadline,
            status_changed_at,
            seq: row.seq,
            account_ref: row.account_ref,
            handle: row.handle,
        }
    }
}

/// The platform a read is for, and the keys to sign what was not signed
/// when it was recorded (a due change the job has not stored yet, or a
/// change recorded before statements were signed): rare, never the usual path.
pub struct Platform<'a> {
    pub id: PlatformId,
    pub slug: &'a str,
    pub keys: &'a KeyRing,
}

impl Platform<'_> {
    /// The stored signature encoded, or, without one, `statement()` signed now
    /// (the statement is only written out then: reads need no copy of it).
    fn signature(&self, signed: Option<&StoredSignature>, statement: impl FnOnce() -> StatusStatement) -> String {
        if cfg!(feature = "unsigned-reads") {
            return String::new();
        }
        match signed {
            Some(signed) => jws::detached(&signed.kid, &signed.bytes),
            None => self.keys.status_key().sign_detached(&statement().payload()),
        }
    }
}

/// One account's status, for its own platform only, from this node's mirror.
pub fn status(
    statuses: &StatusMirror,
    policy: &RegistryPolicy,
    platform: &Platform<'_>,
    account_ref: &AccountRef,
    now: DateTime<Utc>,
) -> Result<Option<StatusView>, Unreadable> {
    Ok(statuses.get(platform.id, account_ref)?.map(|row| StatusView::of(row, platform, policy, now)))
}

/// The answer to a batch status read.
#[derive(Debug, Clone)]
pub struct Statuses {
    /// The accounts the registry knows, in the order asked, each once.
    pub known: Vec<StatusView>,
    /// The refs the registry never saw from this platform.
    pub unknown: Vec<AccountRef>,
}

/// The statuses of up to 1,000 of the platform's accounts, from this node's mirror.
pub fn statuses(
    statuses: &StatusMirror,
    policy: &RegistryPolicy,
    platform: &Platform<'_>,
    refs: Vec<AccountRef>,
    now: DateTime<Utc>,
) -> Result<Statuses, Unreadable> {
    let mut found: HashMap<AccountRef, StatusRow> =
        statuses.get_many(platform.id, &refs)?.into_iter().map(|r| (r.account_ref.clone(), r)).collect();
    let mut known = Vec::with_capacity(found.len());
    let mut unknown = Vec::new();
    for account_ref in refs {
        match found.remove(&account_ref) {
            Some(row) => known.push(StatusView::of(row, platform, policy, now)),
            // Either never reported or already listed (a repeated ref is answered once).
            None if known.iter().any(|s: &StatusView| s.account_ref == account_ref) => {}
            None => unknown.push(account_ref),
        }
    }
    Ok(Statuses { known, unknown })
}

/// One entry of the change feed, with its signature as a statement.
#[derive(Debug, Clone)]
pub struct Change {
    pub row: ChangeRow,
    pub signature: String,
}

/// The platform's status changes after the cursor `after`, in `seq` order.
pub fn changes(
    conn: &mut DbConnection,
    platform: &Platform<'_>,
    after: i64,
    limit: i64,
) -> Result<Vec<Change>, DbError> {
    let rows = repo::list_changes(conn, platform.id, after, limit)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let signed = StoredSignature::of(row.statement_key.as_deref(), row.statement_signature.as_deref());
            let signature = platform.signature(signed.as_ref(), || StatusStatement {
                account_ref: row.account_ref.as_str().to_owned(),
                assurance: row.assurance,
                deadline: row.deadline.map(|t| t.and_utc()),
                platform: platform.slug.to_owned(),
                seq: row.seq,
                status: row.status,
                status_changed_at: row.changed_at.and_utc(),
            });
            Change { signature, row }
        })
        .collect())
}
