//! Accounts and the change feed. Platform-facing data only: no personal data.

use crate::crypto::TokenDigest;
use crate::db::schema::{account_identities, accounts, status_changes};
use crate::db::{DbConnection, DbError, FeedTx, db_time};
use crate::db_run;
use crate::domain::lifecycle::accepts_claim_code;
use crate::domain::{
    AccountId, AccountRef, AccountState, AccountStatus, Assurance, FollowerCount, Handle, IdentityId, Payload,
    PlatformId, StatusChange, StatusStatement,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use std::sync::Arc;

/// An account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: AccountId,
    pub platform_id: PlatformId,
    pub account_ref: AccountRef,
    pub handle: Handle,
    pub follower_count: FollowerCount,
    pub observed_at: NaiveDateTime,
    pub status: AccountStatus,
    pub assurance: Option<Assurance>,
    pub crossed_at: Option<NaiveDateTime>,
    pub deadline: Option<NaiveDateTime>,
    pub below_since: Option<NaiveDateTime>,
    pub status_changed_at: NaiveDateTime,
    pub seq: i64,
}

impl AccountRow {
    /// The lifecycle state the domain rules work on.
    pub fn state(&self) -> AccountState {
        AccountState {
            status: self.status,
            identity: self.assurance,
            follower_count: self.follower_count,
            observed_at: self.observed_at.and_utc(),
            crossed_at: self.crossed_at.map(|t| t.and_utc()),
            deadline: self.deadline.map(|t| t.and_utc()),
            below_since: self.below_since.map(|t| t.and_utc()),
        }
    }
}

/// What a status read needs, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    pub account_ref: AccountRef,
    pub handle: Handle,
    pub status: AccountStatus,
    pub assurance: Option<Assurance>,
    pub deadline: Option<NaiveDateTime>,
    pub below_since: Option<NaiveDateTime>,
    pub status_changed_at: NaiveDateTime,
    pub seq: i64,
    /// `None` for an account whose latest change was recorded before
    /// statements were signed (or whose stored signature is not one).
    pub statement: Option<StoredSignature>,
}

/// A statement's signature as stored beside its status, and the id of the
/// key that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSignature {
    pub kid: Arc<str>,
    pub bytes: [u8; 64],
}

impl StoredSignature {
    pub fn of(kid: Option<&str>, bytes: Option<&[u8]>) -> Option<Self> {
        Some(Self { kid: kid?.into(), bytes: bytes?.try_into().ok()? })
    }
}

/// For writes: the whole row of one account.
pub fn find(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    account_ref: &AccountRef,
) -> Result<Option<AccountRow>, DbError> {
    Ok(accounts::table
        .filter(accounts::platform_id.eq(platform_id).and(accounts::account_ref.eq(account_ref)))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?)
}

/// For writes: the whole rows of the platform's accounts among `refs`, in no particular order.
pub fn find_many(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    refs: &[AccountRef],
) -> Result<Vec<AccountRow>, DbError> {
    let refs: Vec<&str> = refs.iter().map(AccountRef::as_str).collect();
    Ok(accounts::table
        .filter(accounts::platform_id.eq(platform_id).and(accounts::account_ref.eq_any(refs)))
        .select(AccountRow::as_select())
        .load(conn)?)
}

/// An account's status fields as stored, not yet checked: the status
/// mirror checks each row itself ([`StoredStatus::checked`]), so that a row
/// it cannot read is one account it cannot answer for, not a stop to every
/// later change.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct StoredStatus {
    pub platform_id: PlatformId,
    pub version: i64,
    pub account_ref: String,
    pub handle: String,
    pub status: String,
    pub assurance: Option<String>,
    pub deadline: Option<NaiveDateTime>,
    pub below_since: Option<NaiveDateTime>,
    pub status_changed_at: NaiveDateTime,
    pub seq: i64,
    pub statement_key: Option<String>,
    pub statement_signature: Option<Vec<u8>>,
}

impl StoredStatus {
    /// The row as a read needs it, checked as the typed columns check it;
    /// the error names the column that does not hold a valid value.
    pub fn checked(&self) -> Result<StatusRow, &'static str> {
        Ok(StatusRow {
            account_ref: AccountRef::try_from(self.account_ref.clone()).map_err(|_| "account_ref")?,
            handle: Handle::try_from(self.handle.clone()).map_err(|_| "handle")?,
            status: self.status.parse().map_err(|_| "status")?,
            assurance: self.assurance.as_deref().map(str::parse).transpose().map_err(|_| "assurance")?,
            deadline: self.deadline,
            below_since: self.below_since,
            status_changed_at: self.status_changed_at,
            seq: self.seq,
            statement: StoredSignature::of(self.statement_key.as_deref(), self.statement_signature.as_deref()),
        })
    }
}

/// The accounts written after `version`, in version order (one index range
/// scan); run on the concrete backend so the statement is prepared once.
pub fn changed_since(conn: &mut DbConnection, version: i64, limit: i64) -> Result<Vec<StoredStatus>, DbError> {
    Ok(db_run!(conn => accounts::table
        .filter(accounts::version.gt(version))
        .order(accounts::version)
        .limit(limit)
        .select(StoredStatus::as_select())
        .load(conn))?)
}

/// A new account.
pub fn insert(
    conn: &mut FeedTx<'_>,
    platform_id: PlatformId,
    account_ref: &AccountRef,
    handle: &Handle,
    state: &AccountState,
    now: DateTime<Utc>,
) -> Result<AccountId, DbError> {
    let version = conn.next_version();
    let conn: &mut DbConnection = conn;
    Ok(db_run!(conn => diesel::insert_into(accounts::table)
        .values((
            accounts::platform_id.eq(platform_id),
            accounts::account_ref.eq(account_ref),
            accounts::handle.eq(handle),
            accounts::follower_count.eq(state.follower_count),
            accounts::observed_at.eq(db_time(state.observed_at)),
            accounts::status.eq(state.status),
            accounts::assurance.eq(state.identity),
            accounts::crossed_at.eq(state.crossed_at.map(db_time)),
            accounts::deadline.eq(state.deadline.map(db_time)),
            accounts::below_since.eq(state.below_since.map(db_time)),
            accounts::status_changed_at.eq(db_time(now)),
            accounts::seq.eq(0),
            accounts::created_at.eq(db_time(now)),
            accounts::version.eq(version),
        ))
        .returning(accounts::id)
        .get_result(conn))?)
}

/// Stores a new lifecycle state. A claim code stops working when the account
/// leaves `required`/`overdue`.
pub fn save_state(conn: &mut FeedTx<'_>, id: AccountId, handle: &Handle, state: &AccountState) -> Result<(), DbError> {
    let version = conn.next_version();
    let db: &mut DbConnection = conn;
    db_run!(db => diesel::update(accounts::table.find(id))
        .set((
            accounts::handle.eq(handle),
            accounts::follower_count.eq(state.follower_count),
            accounts::observed_at.eq(db_time(state.observed_at)),
            accounts::status.eq(state.status),
            accounts::assurance.eq(state.identity),
            accounts::crossed_at.eq(state.crossed_at.map(db_time)),
            accounts::deadline.eq(state.deadline.map(db_time)),
            accounts::below_since.eq(state.below_since.map(db_time)),
            accounts::version.eq(version),
        ))
        .execute(db))?;
    if !accepts_claim_code(state.status) {
        set_claim_code(conn, id, None)?;
    }
    Ok(())
}

/// Sets (or with `None` clears) the account's claim code; the previous one stops working.
pub fn set_claim_code(
    conn: &mut DbConnection,
    id: AccountId,
    code: Option<(&TokenDigest, DateTime<Utc>)>,
) -> Result<(), DbError> {
    db_run!(conn => diesel::update(accounts::table.find(id))
        .set((
            accounts::claim_code_digest.eq(code.map(|(digest, _)| digest.clone())),
            accounts::claim_code_expires_at.eq(code.map(|(_, expires)| db_time(expires))),
        ))
        .execute(conn))?;
    Ok(())
}

/// Appends status changes to the feed, each signed as a status statement,
/// and points the account at the last one (whose statement is the
/// account's). `deadline` is the one the changes ran against: each
/// statement shows it while the account can still be claimed.
pub fn record_changes(
    conn: &mut FeedTx<'_>,
    (platform_id, account_id, account_ref): (PlatformId, AccountId, &AccountRef),
    (assurance, deadline): (Option<Assurance>, Option<DateTime<Utc>>),
    changes: &[StatusChange],
) -> Result<(), DbError> {
    let Some(last) = changes.last() else { return Ok(()) };
    let version = conn.next_version();
    let (platform, endpoints) = conn.platform(platform_id).map(|(slug, e)| (slug.to_owned(), e.to_vec()))?;
    let key = conn.status_key().clone();
    let mut signed = None;
    for change in changes {
        let shown_assurance = (change.status == AccountStatus::Verified).then_some(assurance).flatten();
        let shown_deadline = deadline.filter(|_| accepts_claim_code(change.status)).map(db_time);
        let changed_at = db_time(change.at);
        // Signed before it is inserted: one statement a change.
        let statement = StatusStatement {
            account_ref: account_ref.as_str().to_owned(),
            assurance: shown_assurance,
            deadline: shown_deadline.map(|t| t.and_utc()),
            platform: platform.clone(),
            seq: conn.next_seq()?,
            status: change.status,
            status_changed_at: changed_at.and_utc(),
        };
        let seq = statement.seq;
        let signature = key.sign(&statement.payload());
        let conn: &mut DbConnection = conn;
        db_run!(conn => diesel::insert_into(status_changes::table)
            .values((
                status_changes::seq.eq(seq),
                status_changes::platform_id.eq(platform_id),
                status_changes::account_id.eq(account_id),
                status_changes::account_ref.eq(account_ref),
                status_changes::status.eq(change.status),
                status_changes::assurance.eq(shown_assurance),
                status_changes::changed_at.eq(changed_at),
                status_changes::deadline.eq(shown_deadline),
                status_changes::statement_key.eq(key.kid()),
                status_changes::statement_signature.eq(&signature[..]),
            ))
            .execute(conn))?;
        if !endpoints.is_empty() {
            // The change's webhook deliveries, queued with it: they commit together or not at all.
            let event = crate::webhooks::event(&statement);
            super::webhooks::enqueue(conn, (platform_id, &endpoints), seq, &event, crate::db::now())?;
        }
        signed = Some((seq, signature.to_vec()));
    }
    let (seq, signature) = signed.unwrap_or_default();
    let conn: &mut DbConnection = conn;
    db_run!(conn => diesel::update(accounts::table.find(account_id))
        .set((
            accounts::seq.eq(seq),
            accounts::status_changed_at.eq(db_time(last.at)),
            accounts::version.eq(version),
            accounts::statement_key.eq(key.kid()),
            accounts::statement_signature.eq(signature),
        ))
        .execute(conn))?;
    Ok(())
}

/// One row of the change feed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = status_changes)]
pub struct ChangeRow {
    pub seq: i64,
    pub account_ref: AccountRef,
    pub status: AccountStatus,
    pub assurance: Option<Assurance>,
    pub changed_at: NaiveDateTime,
    pub deadline: Option<NaiveDateTime>,
    pub statement_key: Option<String>,
    pub statement_signature: Option<Vec<u8>>,
}

/// The platform's changes after `after`, in `seq` order (one index range scan).
pub fn list_changes(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, DbError> {
    Ok(db_run!(conn => status_changes::table
        .filter(status_changes::platform_id.eq(platform_id).and(status_changes::seq.gt(after)))
        .order(status_changes::seq)
        .limit(limit)
        .select(ChangeRow::as_select())
        .load(conn))?)
}

/// Accounts with a time-driven change due by `now`, oldest first: deadlines
/// passed, and hysteresis periods that began at or before `released_before`.
pub fn due_for_transition(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    released_before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<AccountRow>, DbError> {
    let mut rows: Vec<AccountRow> = accounts::table
        .filter(accounts::status.eq(AccountStatus::Required).and(accounts::deadline.le(db_time(now))))
        .order(accounts::deadline)
        .limit(limit)
        .select(AccountRow::as_select())
        .load(conn)?;
    let released: Vec<AccountRow> = accounts::table
        .filter(accounts::below_since.le(db_time(released_before)))
        .order(accounts::below_since)
        .limit(limit)
        .select(AccountRow::as_select())
        .load(conn)?;
    for row in released {
        if !rows.iter().any(|r| r.id == row.id) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// How many accounts have one status.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct StatusCount {
    pub status: AccountStatus,
    pub accounts: i64,
}

/// How many accounts have each status (for the transparency report).
pub fn count_by_status(conn: &mut DbConnection) -> Result<Vec<StatusCount>, DbError> {
    Ok(accounts::table.group_by(accounts::status).select((accounts::status, diesel::dsl::count_star())).load(conn)?)
}

/// An account together with its current claim code digest and expiry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct ClaimRow {
    #[diesel(embed)]
    pub account: AccountRow,
    pub claim_code_digest: Option<TokenDigest>,
    pub claim_code_expires_at: Option<NaiveDateTime>,
}

/// The account whose current claim code has this digest (a unique index).
pub fn find_by_claim_code(conn: &mut DbConnection, digest: &TokenDigest) -> Result<Option<ClaimRow>, DbError> {
    Ok(accounts::table
        .filter(accounts::claim_code_digest.eq(digest))
        .select(ClaimRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_with_claim(conn: &mut DbConnection, id: AccountId) -> Result<Option<ClaimRow>, DbError> {
    Ok(accounts::table.find(id).select(ClaimRow::as_select()).first(conn).optional()?)
}

/// The accounts live-linked to an identity (not withdrawn).
pub fn linked_to_identity(conn: &mut DbConnection, identity_id: IdentityId) -> Result<Vec<AccountRow>, DbError> {
    Ok(accounts::table
        .inner_join(account_identities::table)
        .filter(account_identities::identity_id.eq(identity_id).and(account_identities::withdrawn_at.is_null()))
        .order(accounts::id)
        .select(AccountRow::as_select())
        .load(conn)?)
}
