//! Platforms, registered by an operator, each with one API token.

use super::IfExists;
use crate::audit::{self, Actor, AuditEvent};
use crate::crypto::token::{expose, new_platform_token};
use crate::crypto::{KeyRing, TokenPurpose};
use crate::db::repo::platforms;
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{PlatformName, PlatformSlug};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// Registers the platform with a new API token (or, with
/// [`IfExists::Reissue`], gives an existing one a new token), audited.
/// Returns the platform's id and the token, which is shown once.
pub fn register(
    conn: &mut DbConnection,
    keys: &KeyRing,
    slug: &PlatformSlug,
    name: &PlatformName,
    if_exists: IfExists,
    now: DateTime<Utc>,
) -> Result<(i64, SecretString), DbError> {
    let token = new_platform_token();
    let digest = keys.token_digester().digest(TokenPurpose::PlatformApi, expose(&token));
    let id = write_tx(conn, |conn| {
        let (id, action) = match platforms::find_id_by_slug(conn, slug)? {
            Some(_) if if_exists == IfExists::Fail => return Err(DbError::AlreadyExists("platform")),
            Some(id) => {
                platforms::replace_token(conn, id, &digest, now)?;
                (id, "platform.token_reissued")
            }
            None => (platforms::create(conn, slug, name.as_str(), &digest, now)?, "platform.created"),
        };
        let event = AuditEvent {
            actor: Actor::Operator,
            action,
            subject: format!("platform:{id}"),
            details: serde_json::json!({ "slug": slug.as_str() }),
        };
        audit::append(conn, &event, now)?;
        Ok(id)
    })?;
    Ok((id, token))
}
