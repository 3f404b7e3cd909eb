//! Platforms and their API tokens (stored as digests).

use crate::crypto::TokenDigest;
use crate::db::schema::platforms;
use crate::db::{DbConnection, DbError, db_time, is_unique_violation};
use crate::domain::{PlatformId, PlatformSlug};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Adds a platform with its first API token.
pub fn create(
    conn: &mut DbConnection,
    slug: &PlatformSlug,
    name: &str,
    token: &TokenDigest,
    now: DateTime<Utc>,
) -> Result<PlatformId, DbError> {
    diesel::insert_into(platforms::table)
        .values((
            platforms::slug.eq(slug),
            platforms::name.eq(name),
            platforms::token_digest.eq(token),
            platforms::token_issued_at.eq(db_time(now)),
            platforms::created_at.eq(db_time(now)),
        ))
        .returning(platforms::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { DbError::AlreadyExists("platform") } else { e.into() })
}

pub fn find_id_by_slug(conn: &mut DbConnection, slug: &PlatformSlug) -> Result<Option<PlatformId>, DbError> {
    Ok(platforms::table.filter(platforms::slug.eq(slug)).select(platforms::id).first(conn).optional()?)
}

/// The platform's display name.
pub fn name_of(conn: &mut DbConnection, id: PlatformId) -> Result<Option<String>, DbError> {
    Ok(platforms::table.find(id).select(platforms::name).first(conn).optional()?)
}

/// Replaces the platform's API token; the old one stops working at once.
pub fn replace_token(
    conn: &mut DbConnection,
    id: PlatformId,
    token: &TokenDigest,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let updated = diesel::update(platforms::table.find(id))
        .set((platforms::token_digest.eq(token), platforms::token_issued_at.eq(db_time(now))))
        .execute(conn)?;
    if updated == 0 {
        return Err(DbError::NotFound("platform"));
    }
    Ok(())
}

/// The platform (id and slug) whose current API token has this digest. The
/// lookup is by a unique index; the digest is compared again in constant time.
pub fn find_by_token_digest(
    conn: &mut DbConnection,
    digest: &TokenDigest,
) -> Result<Option<(PlatformId, String)>, DbError> {
    let query = platforms::table.filter(platforms::token_digest.eq(digest)).select((
        platforms::id,
        platforms::slug,
        platforms::token_digest,
    ));
    let found: Option<(PlatformId, String, Option<TokenDigest>)> =
        crate::db_run!(conn => query.get_result(conn).optional())?;
    Ok(found.and_then(|(id, slug, stored)| stored.filter(|s| digest.matches(&s.0)).map(|_| (id, slug))))
}

/// A platform as the owners' claim form lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = platforms)]
pub struct PlatformListing {
    pub slug: PlatformSlug,
    pub name: String,
    /// Where its users find their claim code, if the platform said.
    pub code_location: Option<String>,
}

/// Sets (or clears) where the platform shows its users their claim code.
pub fn set_code_location(conn: &mut DbConnection, id: PlatformId, text: Option<&str>) -> Result<(), DbError> {
    diesel::update(platforms::table.find(id)).set(platforms::code_location.eq(text)).execute(conn)?;
    Ok(())
}

/// Every platform, by name.
pub fn list(conn: &mut DbConnection) -> Result<Vec<PlatformListing>, DbError> {
    Ok(platforms::table.select(PlatformListing::as_select()).order(platforms::name).load(conn)?)
}
