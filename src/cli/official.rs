//! `registry official add`.

use super::CliError;
use crate::config::Settings;
use crate::crypto::token::expose;
use crate::db::DbError;
use crate::domain::{RoleSet, Username};
use crate::services::{IfExists, officials};
use crate::startup::open_storage;

/// `registry official add`
pub fn add(settings: &Settings, username: &str, roles: &str, json: bool) -> Result<(), CliError> {
    let username = Username::parse(username).map_err(|e| CliError::Invalid(format!("--username {e}")))?;
    let roles = RoleSet::parse(roles).map_err(|e| CliError::Invalid(format!("--roles: {e}")))?;
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let issued = officials::register(&mut conn, &keys, &username, &roles, IfExists::Fail, crate::db::now())?;
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
