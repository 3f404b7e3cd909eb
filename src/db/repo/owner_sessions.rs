//! Owners' `/my` sessions: cookie values stored as digests, expiring, ended
//! at sign-out or when the management key is replaced.

use crate::crypto::TokenDigest;
use crate::db::schema::{identities, owner_sessions};
use crate::db::{DbConnection, DbError, db_time};
use crate::domain::IdentityId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn create(
    conn: &mut DbConnection,
    identity_id: IdentityId,
    token: &TokenDigest,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(owner_sessions::table)
        .values((
            owner_sessions::identity_id.eq(identity_id),
            owner_sessions::token_digest.eq(token),
            owner_sessions::created_at.eq(db_time(now)),
            owner_sessions::expires_at.eq(db_time(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The record of a session that is neither expired nor ended, unless the record was shredded.
pub fn find_live(
    conn: &mut DbConnection,
    token: &TokenDigest,
    now: DateTime<Utc>,
) -> Result<Option<IdentityId>, DbError> {
    Ok(owner_sessions::table
        .inner_join(identities::table)
        .filter(owner_sessions::token_digest.eq(token))
        .filter(owner_sessions::ended_at.is_null().and(owner_sessions::expires_at.gt(db_time(now))))
        .filter(identities::shredded_at.is_null())
        .select(owner_sessions::identity_id)
        .first(conn)
        .optional()?)
}

/// Ends one session; false if it had already ended.
pub fn end(conn: &mut DbConnection, token: &TokenDigest, now: DateTime<Utc>) -> Result<bool, DbError> {
    let updated = diesel::update(
        owner_sessions::table.filter(owner_sessions::token_digest.eq(token)).filter(owner_sessions::ended_at.is_null()),
    )
    .set(owner_sessions::ended_at.eq(db_time(now)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Ends every session of a record; returns how many were live.
pub fn end_all(conn: &mut DbConnection, identity_id: IdentityId, now: DateTime<Utc>) -> Result<usize, DbError> {
    Ok(diesel::update(
        owner_sessions::table
            .filter(owner_sessions::identity_id.eq(identity_id))
            .filter(owner_sessions::ended_at.is_null()),
    )
    .set(owner_sessions::ended_at.eq(db_time(now)))
    .execute(conn)?)
}

/// Deletes sessions that ended or expired before `before`; returns how many.
pub fn prune(conn: &mut DbConnection, before: DateTime<Utc>) -> Result<usize, DbError> {
    let before = db_time(before);
    Ok(diesel::delete(
        owner_sessions::table.filter(owner_sessions::expires_at.lt(before).or(owner_sessions::ended_at.lt(before))),
    )
    .execute(conn)?)
}
