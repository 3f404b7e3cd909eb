//! Single-use proofs mailed to owners (links and codes), stored as digests.
//! A value the proof will set (a new contact address) is sealed under the
//! master key, bound to the record and the purpose.

use crate::crypto::{KeyRing, MasterSealed, TokenDigest};
use crate::db::schema::owner_tokens as tokens;
use crate::db::{DbConnection, DbError, db_time, key_id_from_db, key_id_to_db};
use crate::domain::{AccountId, IdentityId, OwnerTokenId, OwnerTokenPurpose};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use zeroize::Zeroizing;

fn value_context(identity_id: IdentityId, purpose: OwnerTokenPurpose) -> Vec<u8> {
    format!("owner-token:{identity_id}:{purpose}").into_bytes()
}

pub struct NewToken<'a> {
    pub identity_id: IdentityId,
    pub purpose: OwnerTokenPurpose,
    pub digest: &'a TokenDigest,
    pub account_id: Option<AccountId>,
    pub value: Option<&'a [u8]>,
    pub expires_at: DateTime<Utc>,
}

/// Stores a token, ending the record's earlier unused ones of the same
/// purpose except link reports (each link has its own).
pub fn issue(conn: &mut DbConnection, keys: &KeyRing, new: &NewToken<'_>, now: DateTime<Utc>) -> Result<(), DbError> {
    if new.purpose != OwnerTokenPurpose::LinkReport {
        end_unused(conn, new.identity_id, new.purpose, now)?;
    }
    let sealed = new.value.map(|value| keys.seal(&value_context(new.identity_id, new.purpose), value)).transpose()?;
    diesel::insert_into(tokens::table)
        .values((
            tokens::identity_id.eq(new.identity_id),
            tokens::purpose.eq(new.purpose),
            tokens::token_digest.eq(new.digest),
            tokens::account_id.eq(new.account_id),
            tokens::key_id.eq(sealed.as_ref().map(|s| key_id_to_db(s.key_id))),
            tokens::value.eq(sealed.as_ref().map(|s| &s.bytes)),
            tokens::failed_attempts.eq(0),
            tokens::created_at.eq(db_time(now)),
            tokens::expires_at.eq(db_time(new.expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// An unused, unexpired token.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tokens)]
pub struct LiveToken {
    pub id: OwnerTokenId,
    pub identity_id: IdentityId,
    pub purpose: OwnerTokenPurpose,
    pub token_digest: TokenDigest,
    pub account_id: Option<AccountId>,
    pub key_id: Option<i32>,
    pub value: Option<Vec<u8>>,
    pub failed_attempts: i32,
}

impl LiveToken {
    /// The sealed value, if the token carries one.
    pub fn open_value(&self, keys: &KeyRing) -> Result<Option<Zeroizing<Vec<u8>>>, DbError> {
        let (Some(key_id), Some(bytes)) = (self.key_id, &self.value) else { return Ok(None) };
        let sealed = MasterSealed { key_id: key_id_from_db(key_id), bytes: bytes.clone() };
        Ok(Some(keys.open(&sealed, &value_context(self.identity_id, self.purpose))?))
    }
}

/// The live token with this digest and purpose (a mailed link).
pub fn find_by_digest(
    conn: &mut DbConnection,
    digest: &TokenDigest,
    purpose: OwnerTokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<LiveToken>, DbError> {
    Ok(tokens::table
        .filter(tokens::token_digest.eq(digest).and(tokens::purpose.eq(purpose)))
        .filter(tokens::used_at.is_null().and(tokens::expires_at.gt(db_time(now))))
        .select(LiveToken::as_select())
        .first(conn)
        .optional()?)
}

/// The record's live token of this purpose (a mailed code, typed back while signed in).
pub fn find_for(
    conn: &mut DbConnection,
    identity_id: IdentityId,
    purpose: OwnerTokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<LiveToken>, DbError> {
    Ok(tokens::table
        .filter(tokens::identity_id.eq(identity_id).and(tokens::purpose.eq(purpose)))
        .filter(tokens::used_at.is_null().and(tokens::expires_at.gt(db_time(now))))
        .order(tokens::id.desc())
        .select(LiveToken::as_select())
        .first(conn)
        .optional()?)
}

/// Spends a token and deletes its sealed value; false if it was spent already.
pub fn spend(conn: &mut DbConnection, id: OwnerTokenId, now: DateTime<Utc>) -> Result<bool, DbError> {
    let spent = diesel::update(tokens::table.find(id).filter(tokens::used_at.is_null()))
        .set((
            tokens::used_at.eq(Some(db_time(now))),
            tokens::key_id.eq(None::<i32>),
            tokens::value.eq(None::<Vec<u8>>),
        ))
        .execute(conn)?;
    Ok(spent == 1)
}

/// Counts one attempt at the token's code, unless `max` were counted
/// already; false then. One statement, so racing attempts cannot pass `max`.
pub fn count_attempt(conn: &mut DbConnection, id: OwnerTokenId, max: i32) -> Result<bool, DbError> {
    let counted = diesel::update(tokens::table.find(id).filter(tokens::failed_attempts.lt(max)))
        .set(tokens::failed_attempts.eq(tokens::failed_attempts + 1))
        .execute(conn)?;
    Ok(counted == 1)
}

/// Ends the record's unused tokens of one purpose (a newer one replaces them).
pub fn end_unused(
    conn: &mut DbConnection,
    identity_id: IdentityId,
    purpose: OwnerTokenPurpose,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        tokens::table
            .filter(tokens::identity_id.eq(identity_id).and(tokens::purpose.eq(purpose)))
            .filter(tokens::used_at.is_null()),
    )
    .set((tokens::used_at.eq(Some(db_time(now))), tokens::key_id.eq(None::<i32>), tokens::value.eq(None::<Vec<u8>>)))
    .execute(conn)?)
}

/// Ends every unused token of a record (it is being shredded).
pub fn end_all(conn: &mut DbConnection, identity_id: IdentityId, now: DateTime<Utc>) -> Result<usize, DbError> {
    Ok(diesel::update(tokens::table.filter(tokens::identity_id.eq(identity_id)).filter(tokens::used_at.is_null()))
        .set((
            tokens::used_at.eq(Some(db_time(now))),
            tokens::key_id.eq(None::<i32>),
            tokens::value.eq(None::<Vec<u8>>),
        ))
        .execute(conn)?)
}

/// Deletes tokens spent or expired before `before`; returns how many.
pub fn prune(conn: &mut DbConnection, before: DateTime<Utc>) -> Result<usize, DbError> {
    let before = db_time(before);
    Ok(diesel::delete(tokens::table.filter(tokens::expires_at.lt(before).or(tokens::used_at.lt(before))))
        .execute(conn)?)
}

/// Re-seals up to `limit` values still under an older master key; returns how many.
pub fn reseal_batch(conn: &mut DbConnection, keys: &KeyRing, limit: i64) -> Result<usize, DbError> {
    let active = key_id_to_db(keys.active_key_id());
    let rows: Vec<(OwnerTokenId, IdentityId, OwnerTokenPurpose, i32, Vec<u8>)> = tokens::table
        .filter(tokens::key_id.lt(active))
        .select((
            tokens::id,
            tokens::identity_id,
            tokens::purpose,
            tokens::key_id.assume_not_null(),
            tokens::value.assume_not_null(),
        ))
        .order((tokens::key_id, tokens::id))
        .limit(limit)
        .load(conn)?;
    for (id, identity_id, purpose, key_id, bytes) in &rows {
        let old = MasterSealed { key_id: key_id_from_db(*key_id), bytes: bytes.clone() };
        let new = keys.reseal(&old, &value_context(*identity_id, *purpose))?;
        diesel::update(tokens::table.find(id).filter(tokens::value.eq(bytes)))
            .set((tokens::key_id.eq(key_id_to_db(new.key_id)), tokens::value.eq(&new.bytes)))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// How many values each master key version seals.
pub fn count_by_key(conn: &mut DbConnection) -> Result<Vec<super::KeyUse>, DbError> {
    Ok(tokens::table
        .filter(tokens::key_id.is_not_null())
        .group_by(tokens::key_id)
        .select((tokens::key_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)?)
}
