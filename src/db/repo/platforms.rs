use crate::crypto::TokenDigest;
use crate::db::schema::platforms;
use crate::db::{DbConnection, DbError, db_time, is_unique_violation};
use crate::domain::PlatformSlug;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Adds a platform with its first API token.
pub fn create(
    conn: &mut DbConnection,
    slug: &PlatformSlug,
    name: &str,
    token: &TokenDigest,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    diesel::insert_into(platforms::table)
        .values((
            platforms::slug.eq(slug.as_str()),
            platforms::name.eq(name),
            platforms::token_digest.eq(token.0.as_slice()),
            platforms::token_issued_at.eq(db_time(now)),
            platforms::created_at.eq(db_time(now)),
        ))
        .returning(platforms::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { DbError::AlreadyExists("platform") } else { e.into() })
}

pub fn find_id_by_slug(conn: &mut DbConnection, slug: &PlatformSlug) -> Result<Option<i64>, DbError> {
    Ok(platforms::table.filter(platforms::slug.eq(slug.as_str())).select(platforms::id).first(conn).optional()?)
}

/// Replaces the platform's API token; the old one stops working at once.
pub fn replace_token(conn: &mut DbConnection, id: i64, token: &TokenDigest, now: DateTime<Utc>) -> Result<(), DbError> {
    let updated = diesel::update(platforms::table.find(id))
        .set((platforms::token_digest.eq(token.0.as_slice()), platforms::token_issued_at.eq(db_time(now))))
        .execute(conn)?;
    if updated == 0 {
        return Err(DbError::NotFound("platform"));
    }
    Ok(())
}

/// The platform whose current API token has this digest. The lookup is by a
/// unique index; the digest is compared again in constant time.
pub fn find_id_by_token_digest(conn: &mut DbConnection, digest: &TokenDigest) -> Result<Option<i64>, DbError> {
    let query = platforms::table
        .filter(platforms::token_digest.eq(digest.0.as_slice()))
        .select((platforms::id, platforms::token_digest));
    let found: Option<(i64, Option<Vec<u8>>)> = crate::db_run!(conn => query.get_result(conn).optional())?;
    Ok(found.and_then(|(id, stored)| stored.filter(|s| digest.matches(s)).map(|_| id)))
}

/// Every platform's slug and display name, by name (for the owners' claim form).
pub fn list(conn: &mut DbConnection) -> Result<Vec<(String, String)>, DbError> {
    Ok(platforms::table.select((platforms::slug, platforms::name)).order(platforms::name).load(conn)?)
}
