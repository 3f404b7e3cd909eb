use super::CliError;
use super::platform::IfExists;
use crate::audit::{self, Actor, AuditEvent};
use crate::config::Settings;
use crate::crypto::KeyRing;
use crate::crypto::password::hash_password;
use crate::crypto::token::{expose, new_password, new_totp_secret};
use crate::db::repo::officials::{self, NewOfficial};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{RoleSet, Username};
use crate::startup::open_storage;
use chrono::Utc;
use secrecy::SecretString;

/// Credentials shown once.
pub(super) struct IssuedOfficial {
    pub id: i64,
    pub password: SecretString,
    pub totp_secret: SecretString,
}

impl IssuedOfficial {
    /// The `otpauth://` URI authenticator apps import (RFC 6238: SHA-1, 6 digits, 30 s).
    pub fn otpauth_uri(&self, username: &Username) -> String {
        format!(
            "otpauth://totp/Registry:{u}?secret={s}&issuer=Registry&algorithm=SHA1&digits=6&period=30",
            u = username.as_str(),
            s = expose(&self.totp_secret)
        )
    }
}

/// `registry official add`
pub fn add(settings: &Settings, username: &str, roles: &str, json: bool) -> Result<(), CliError> {
    let username = Username::parse(username).map_err(|e| CliError::Invalid(format!("--username {e}")))?;
    let roles = RoleSet::parse(roles).map_err(|e| CliError::Invalid(format!("--roles: {e}")))?;
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let issued = issue(&mut conn, &keys, &username, &roles, IfExists::Fail)?;
    if json {
        let roles: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
        println!(
            "{}",
            serde_json::json!({
                "id": issued.id,
                "username": username.as_str(),
                "roles": roles,
                "password": expose(&issued.password),
                "totp_secret": expose(&issued.totp_secret),
            })
        );
    } else {
        println!("Official {} (id {}) has roles {}.", username.as_str(), issued.id, roles.to_canonical());
        println!("Shown only now; hand them over in person:");
        println!("  password:    {}", expose(&issued.password));
        println!("  TOTP secret: {}", expose(&issued.totp_secret));
        println!("  TOTP URI:    {}", issued.otpauth_uri(&username));
    }
    Ok(())
}

/// Creates the official (or, with `IfExists::Reissue`, resets their
/// credentials and roles) with a generated password and TOTP secret, audited.
pub(super) fn issue(
    conn: &mut DbConnection,
    keys: &KeyRing,
    username: &Username,
    roles: &RoleSet,
    if_exists: IfExists,
) -> Result<IssuedOfficial, CliError> {
    let password = new_password();
    let totp_secret = new_totp_secret();
    // argon2 before the transaction: the write lock is not held while hashing.
    let password_hash = hash_password(&password)?;
    let now = Utc::now();
    let new =
        NewOfficial { username: username.as_str(), password_hash: &password_hash, totp_secret: &totp_secret, roles };
    let id = write_tx(conn, |conn| {
        let (id, action) = match officials::find_id_by_username(conn, username.as_str())? {
            Some(_) if if_exists == IfExists::Fail => return Err(DbError::AlreadyExists("official")),
            Some(id) => {
                officials::replace_credentials(conn, keys, id, &new)?;
                (id, "official.credentials_reissued")
            }
            None => (officials::create(conn, keys, &new, now)?, "official.created"),
        };
        let event = AuditEvent {
            actor: Actor::Operator,
            action,
            subject: format!("official:{id}"),
            details: serde_json::json!({ "roles": roles.to_canonical() }),
        };
        audit::append(conn, &event, now)?;
        Ok(id)
    })?;
    Ok(IssuedOfficial { id, password, totp_secret })
}
