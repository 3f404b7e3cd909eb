use super::CliError;
use crate::audit::{self, Actor, AuditEvent};
use crate::config::Settings;
use crate::crypto::token::{expose, new_platform_token};
use crate::crypto::{KeyRing, TokenPurpose};
use crate::db::repo::platforms;
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{PlatformName, PlatformSlug};
use crate::startup::open_storage;
use chrono::Utc;
use secrecy::SecretString;

/// `registry platform add`
pub fn add(settings: &Settings, slug: &str, name: &str, json: bool) -> Result<(), CliError> {
    let slug = PlatformSlug::parse(slug).map_err(|e| CliError::Invalid(format!("--slug {e}")))?;
    let name = PlatformName::parse(name).map_err(|e| CliError::Invalid(format!("--name {e}")))?;
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let (id, token) = issue(&mut conn, &keys, &slug, &name, IfExists::Fail)?;
    if json {
        println!("{}", serde_json::json!({ "id": id, "slug": slug.as_str(), "token": expose(&token) }));
    } else {
        println!("Platform {} (id {id}) is registered.", slug.as_str());
        println!("API token, shown only now; give it to the platform over a secure channel:");
        println!("  {}", expose(&token));
    }
    Ok(())
}

/// What to do when the platform or official is already registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IfExists {
    Fail,
    /// Issue new credentials; the old ones stop working.
    Reissue,
}

/// Registers the platform with a new API token, in one audited transaction.
pub(super) fn issue(
    conn: &mut DbConnection,
    keys: &KeyRing,
    slug: &PlatformSlug,
    name: &PlatformName,
    if_exists: IfExists,
) -> Result<(i64, SecretString), CliError> {
    let now = Utc::now();
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
        Ok::<_, DbError>(id)
    })?;
    Ok((id, token))
}
