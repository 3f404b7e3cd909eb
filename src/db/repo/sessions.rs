//! Officials' sessions: bearer tokens stored as digests, expiring, revocable.

use crate::crypto::TokenDigest;
use crate::db::schema::{officials, sessions};
use crate::db::{DbConnection, DbError, db_time};
use crate::domain::{OfficialId, RoleSet, SessionId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn create(
    conn: &mut DbConnection,
    official_id: OfficialId,
    token: &TokenDigest,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<SessionId, DbError> {
    Ok(diesel::insert_into(sessions::table)
        .values((
            sessions::official_id.eq(official_id),
            sessions::token_digest.eq(token),
            sessions::created_at.eq(db_time(now)),
            sessions::expires_at.eq(db_time(expires_at)),
        ))
        .returning(sessions::id)
        .get_result(conn)?)
}

/// A session that is neither expired nor revoked, of an official who is not disabled.
#[derive(Debug, Clone, Queryable)]
pub struct LiveSession {
    pub session_id: SessionId,
    pub official_id: OfficialId,
    pub roles: RoleSet,
}

pub fn find_live(
    conn: &mut DbConnection,
    token: &TokenDigest,
    now: DateTime<Utc>,
) -> Result<Option<LiveSession>, DbError> {
    Ok(sessions::table
        .inner_join(officials::table)
        .filter(sessions::token_digest.eq(token))
        .filter(sessions::revoked_at.is_null().and(sessions::expires_at.gt(db_time(now))))
        .filter(officials::disabled_at.is_null())
        .select((sessions::id, sessions::official_id, officials::roles))
        .first(conn)
        .optional()?)
}

pub fn revoke(conn: &mut DbConnection, id: SessionId, now: DateTime<Utc>) -> Result<bool, DbError> {
    let updated = diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(db_time(now)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Revokes every live session of the official; returns how many.
pub fn revoke_all(conn: &mut DbConnection, official_id: OfficialId, now: DateTime<Utc>) -> Result<usize, DbError> {
    Ok(diesel::update(
        sessions::table.filter(sessions::official_id.eq(official_id)).filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(db_time(now)))
    .execute(conn)?)
}
