//! Officials' sessions: bearer tokens stored as digests, expiring, revocable.

use crate::crypto::TokenDigest;
use crate::db::schema::{officials, sessions};
use crate::db::{DbConnection, DbError, db_time};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn create(
    conn: &mut DbConnection,
    official_id: i64,
    token: &TokenDigest,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(sessions::table)
        .values((
            sessions::official_id.eq(official_id),
            sessions::token_digest.eq(token.0.as_slice()),
            sessions::created_at.eq(db_time(now)),
            sessions::expires_at.eq(db_time(expires_at)),
        ))
        .returning(sessions::id)
        .get_result(conn)?)
}

/// The session, official and the official's roles of a token that is
/// neither expired nor revoked, for an official who is not disabled.
pub fn find_live(
    conn: &mut DbConnection,
    token: &TokenDigest,
    now: DateTime<Utc>,
) -> Result<Option<(i64, i64, String)>, DbError> {
    Ok(sessions::table
        .inner_join(officials::table)
        .filter(sessions::token_digest.eq(token.0.as_slice()))
        .filter(sessions::revoked_at.is_null().and(sessions::expires_at.gt(db_time(now))))
        .filter(officials::disabled_at.is_null())
        .select((sessions::id, sessions::official_id, officials::roles))
        .first(conn)
        .optional()?)
}

pub fn revoke(conn: &mut DbConnection, id: i64, now: DateTime<Utc>) -> Result<bool, DbError> {
    let updated = diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(db_time(now)))
        .execute(conn)?;
    Ok(updated == 1)
}
