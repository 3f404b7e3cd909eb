//! Identifications waiting for the code mailed to confirm them. The
//! declaration is sealed under the master key, bound to the account; the
//! code is stored as a digest.

use crate::crypto::{BlindIndex, KeyRing, MasterSealed, TokenDigest};
use crate::db::schema::{accounts, pending_identifications as pending, platforms};
use crate::db::{DbConnection, DbError, db_time, key_id_from_db, key_id_to_db};
use crate::domain::{AccountId, AccountStatus, Handle, IdentityId};
use crate::i18n::Lang;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use zeroize::Zeroizing;

fn declaration_context(account_id: AccountId) -> Vec<u8> {
    format!("pending:{account_id}:declaration").into_bytes()
}

/// A pending identification as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pending)]
pub struct PendingRow {
    pub account_id: AccountId,
    pub claim_code_digest: TokenDigest,
    pub blind_index: BlindIndex,
    pub existing_identity_id: Option<IdentityId>,
    pub key_id: i32,
    pub declaration: Vec<u8>,
    pub lang: Lang,
    pub code_digest: TokenDigest,
    pub code_expires_at: NaiveDateTime,
    pub codes_sent: i32,
    pub failed_attempts: i32,
    pub created_at: NaiveDateTime,
}

impl PendingRow {
    /// The sealed declaration's serialized fields.
    pub fn open(&self, keys: &KeyRing) -> Result<Zeroizing<Vec<u8>>, DbError> {
        let sealed = MasterSealed { key_id: key_id_from_db(self.key_id), bytes: self.declaration.clone() };
        Ok(keys.open(&sealed, &declaration_context(self.account_id))?)
    }
}

/// What a new or renewed pending identification holds.
pub struct NewPending<'a> {
    pub account_id: AccountId,
    pub claim_code_digest: &'a TokenDigest,
    pub blind_index: &'a BlindIndex,
    pub existing_identity_id: Option<IdentityId>,
    pub declaration: &'a [u8],
    pub lang: Lang,
    pub code_digest: &'a TokenDigest,
    pub code_expires_at: DateTime<Utc>,
}

pub fn find(conn: &mut DbConnection, account_id: AccountId) -> Result<Option<PendingRow>, DbError> {
    Ok(pending::table
        .filter(pending::account_id.eq(account_id))
        .select(PendingRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores the identification for the account, replacing an earlier one.
/// `codes_sent` and `failed_attempts` carry the counts of the one replaced
/// under the same claim code, so starting again does not buy more guesses.
pub fn put(
    conn: &mut DbConnection,
    keys: &KeyRing,
    new: &NewPending<'_>,
    (codes_sent, failed_attempts): (i32, i32),
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let sealed = keys.seal(&declaration_context(new.account_id), new.declaration)?;
    delete(conn, new.account_id)?;
    diesel::insert_into(pending::table)
        .values((
            pending::account_id.eq(new.account_id),
            pending::claim_code_digest.eq(new.claim_code_digest),
            pending::blind_index.eq(new.blind_index),
            pending::existing_identity_id.eq(new.existing_identity_id),
            pending::key_id.eq(key_id_to_db(sealed.key_id)),
            pending::declaration.eq(&sealed.bytes),
            pending::lang.eq(new.lang),
            pending::code_digest.eq(new.code_digest),
            pending::code_expires_at.eq(db_time(new.code_expires_at)),
            pending::codes_sent.eq(codes_sent),
            pending::failed_attempts.eq(failed_attempts),
            pending::created_at.eq(db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A new code for the pending identification.
pub fn renew_code(
    conn: &mut DbConnection,
    account_id: AccountId,
    code_digest: &TokenDigest,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::update(pending::table.filter(pending::account_id.eq(account_id)))
        .set((
            pending::code_digest.eq(code_digest),
            pending::code_expires_at.eq(db_time(expires_at)),
            pending::codes_sent.eq(pending::codes_sent + 1),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_failure(conn: &mut DbConnection, account_id: AccountId) -> Result<(), DbError> {
    diesel::update(pending::table.filter(pending::account_id.eq(account_id)))
        .set(pending::failed_attempts.eq(pending::failed_attempts + 1))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, account_id: AccountId) -> Result<(), DbError> {
    diesel::delete(pending::table.filter(pending::account_id.eq(account_id))).execute(conn)?;
    Ok(())
}

/// A pending identification of an account that still needs one, with
/// the account's status and deadline: for reminders.
#[derive(Debug, Clone, Queryable)]
pub struct Unfinished {
    pub pending: PendingRow,
    pub status: AccountStatus,
    pub deadline: Option<NaiveDateTime>,
    pub handle: Handle,
    pub platform: String,
}

/// Unfinished identifications of `required` accounts due within `horizon`,
/// and of `overdue` accounts.
pub fn unfinished(conn: &mut DbConnection, due_by: DateTime<Utc>) -> Result<Vec<Unfinished>, DbError> {
    Ok(pending::table
        .inner_join(accounts::table.inner_join(platforms::table))
        .filter(
            accounts::status
                .eq(AccountStatus::Overdue)
                .or(accounts::status.eq(AccountStatus::Required).and(accounts::deadline.le(db_time(due_by)))),
        )
        .select((PendingRow::as_select(), accounts::status, accounts::deadline, accounts::handle, platforms::name))
        .load(conn)?)
}

/// Deletes the pending identifications of accounts that no longer need one; returns how many.
pub fn delete_settled(conn: &mut DbConnection) -> Result<usize, DbError> {
    let needing = accounts::table
        .filter(accounts::status.eq(AccountStatus::Required).or(accounts::status.eq(AccountStatus::Overdue)))
        .select(accounts::id);
    Ok(diesel::delete(pending::table.filter(pending::account_id.ne_all(needing))).execute(conn)?)
}

/// Deletes the identifications waiting for a code sent to this record's address.
pub fn delete_for_record(conn: &mut DbConnection, identity_id: IdentityId) -> Result<usize, DbError> {
    Ok(diesel::delete(pending::table.filter(pending::existing_identity_id.eq(identity_id))).execute(conn)?)
}

/// Re-seals up to `limit` declarations still under an older master key; returns how many.
pub fn reseal_batch(conn: &mut DbConnection, keys: &KeyRing, limit: i64) -> Result<usize, DbError> {
    let active = key_id_to_db(keys.active_key_id());
    let rows: Vec<(AccountId, i32, Vec<u8>)> = pending::table
        .filter(pending::key_id.lt(active))
        .select((pending::account_id, pending::key_id, pending::declaration))
        .order((pending::key_id, pending::account_id))
        .limit(limit)
        .load(conn)?;
    for (account_id, key_id, bytes) in &rows {
        let old = MasterSealed { key_id: key_id_from_db(*key_id), bytes: bytes.clone() };
        let new = keys.reseal(&old, &declaration_context(*account_id))?;
        diesel::update(
            pending::table.filter(pending::account_id.eq(account_id)).filter(pending::declaration.eq(bytes)),
        )
        .set((pending::key_id.eq(key_id_to_db(new.key_id)), pending::declaration.eq(&new.bytes)))
        .execute(conn)?;
    }
    Ok(rows.len())
}

/// How many declarations each master key version seals.
pub fn count_by_key(conn: &mut DbConnection) -> Result<Vec<super::KeyUse>, DbError> {
    Ok(pending::table.group_by(pending::key_id).select((pending::key_id, diesel::dsl::count_star())).load(conn)?)
}
