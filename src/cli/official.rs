//! `registry official add | reset | disable | enable | sessions revoke`.

use super::CliError;
use crate::config::Settings;
use crate::crypto::token::expose;
use crate::db::DbError;
use crate::domain::{RoleSet, Username};
use crate::services::{IfExists, officials};
use crate::startup::open_storage;

fn username(typed: &str) -> Result<Username, CliError> {
    Username::parse(typed).map_err(|e| CliError::Invalid(format!("--username {e}")))
}

/// `registry official add`
pub fn add(settings: &Settings, username: &str, roles: &str, json: bool) -> Result<(), CliError> {
    let username = self::username(username)?;
    let roles = RoleSet::assignable(roles).map_err(|e| CliError::Invalid(format!("--roles: {e}")))?;
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let issued = officials::register(&mut conn, &keys, &username, &roles, IfExists::Fail, crate::db::now())?;
    print_credentials(&username, &roles, &issued, json);
    Ok(())
}

/// `registry official reset`: new password and TOTP secret; old sessions end.
pub fn reset(settings: &Settings, username: &str, json: bool) -> Result<(), CliError> {
    let username = self::username(username)?;
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let issued = officials::reset(&mut conn, &keys, &username, crate::db::now())?;
    let roles = crate::db::repo::officials::roles_of(&mut conn, issued.id)?;
    print_credentials(&username, &roles, &issued, json);
    Ok(())
}

/// `registry official disable` / `enable`
pub fn set_disabled(settings: &Settings, username: &str, disable: bool) -> Result<(), CliError> {
    let username = self::username(username)?;
    let mut conn = super::connect(settings)?;
    let changed = officials::set_disabled(&mut conn, &username, disable, crate::db::now())?;
    let state = if disable { "disabled; their sessions ended" } else { "enabled" };
    match changed {
        true => println!("Official {} is {state}.", username.as_str()),
        false => {
            println!("Official {} was already {}.", username.as_str(), if disable { "disabled" } else { "enabled" })
        }
    }
    Ok(())
}

/// `registry official sessions revoke`
pub fn revoke_sessions(settings: &Settings, username: &str) -> Result<(), CliError> {
    let username = self::username(username)?;
    let mut conn = super::connect(settings)?;
    let ended = officials::revoke_sessions(&mut conn, &username, crate::db::now())?;
    println!("Ended {ended} session(s) of official {}.", username.as_str());
    Ok(())
}

fn print_credentials(username: &Username, roles: &RoleSet, issued: &officials::IssuedOfficial, json: bool) {
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
        println!("  TOTP URI:    {}", issued.otpauth_uri(username));
    }
}
