//! Platforms, registered by an operator, each with one API token.

use super::IfExists;
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::token::{expose, new_platform_token};
use crate::crypto::{KeyRing, TokenDigest, TokenPurpose};
use crate::db::repo::platforms;
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{CodeLocation, PlatformId, PlatformName, PlatformSlug};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

pub use crate::db::repo::platforms::PlatformListing;

/// A platform to register: its slug, its name, and where it shows its users their claim code.
#[derive(Clone, Copy)]
pub struct NewPlatform<'a> {
    pub slug: &'a PlatformSlug,
    pub name: &'a PlatformName,
    pub code_location: Option<&'a CodeLocation>,
}

/// Registers the platform with a new API token (or, with
/// [`IfExists::Reissue`], gives an existing one a new token), audited.
/// Returns the platform's id and the token, which is shown once.
pub fn register(
    conn: &mut DbConnection,
    keys: &KeyRing,
    platform: &NewPlatform<'_>,
    if_exists: IfExists,
    now: DateTime<Utc>,
) -> Result<(PlatformId, SecretString), DbError> {
    let NewPlatform { slug, name, code_location } = *platform;
    let token = new_platform_token();
    let digest = keys.token_digester().digest(TokenPurpose::PlatformApi, expose(&token));
    let id = write_tx(conn, |conn| {
        let (id, action) = match platforms::find_id_by_slug(conn, slug)? {
            Some(_) if if_exists == IfExists::Fail => return Err(DbError::AlreadyExists("platform")),
            Some(id) => {
                platforms::replace_token(conn, id, &digest, now)?;
                (id, AuditAction::PlatformTokenReissued)
            }
            None => (platforms::create(conn, slug, name.as_str(), &digest, now)?, AuditAction::PlatformCreated),
        };
        if let Some(location) = code_location {
            platforms::set_code_location(conn, id, Some(location.as_str()))?;
        }
        let details = serde_json::json!({ "slug": slug.as_str(), "code_location": code_location.is_some() });
        let event = AuditEvent::new(Actor::Operator, action, AuditSubject::Platform(id), details);
        audit::append(conn, &event, now)?;
        Ok(id)
    })?;
    Ok((id, token))
}

/// The platform whose current API token has this digest: one indexed
/// lookup and a constant-time comparison, never argon2.
pub fn authenticate(conn: &mut DbConnection, digest: &TokenDigest) -> Result<Option<(PlatformId, String)>, DbError> {
    platforms::find_by_token_digest(conn, digest)
}

/// Every platform by name, as the owners' claim form lists them.
pub fn list(conn: &mut DbConnection) -> Result<Vec<PlatformListing>, DbError> {
    platforms::list(conn)
}

/// The platform with this slug, if registered.
pub fn find_id(conn: &mut DbConnection, slug: &PlatformSlug) -> Result<Option<PlatformId>, DbError> {
    platforms::find_id_by_slug(conn, slug)
}
