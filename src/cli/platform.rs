//! `registry platform add`.

use super::CliError;
use crate::config::Settings;
use crate::crypto::token::expose;
use crate::db::DbError;
use crate::domain::{CodeLocation, PlatformName, PlatformSlug};
use crate::services::IfExists;
use crate::services::platforms::{self, NewPlatform};
use crate::startup::open_storage;

/// `registry platform add`
pub fn add(
    settings: &Settings,
    slug: &str,
    name: &str,
    code_location: Option<&str>,
    json: bool,
) -> Result<(), CliError> {
    let slug = PlatformSlug::parse(slug).map_err(|e| CliError::Invalid(format!("--slug {e}")))?;
    let name = PlatformName::parse(name).map_err(|e| CliError::Invalid(format!("--name {e}")))?;
    let code_location = code_location
        .map(CodeLocation::parse)
        .transpose()
        .map_err(|e| CliError::Invalid(format!("--code-location {e}")))?;
    let platform = NewPlatform { slug: &slug, name: &name, code_location: code_location.as_ref() };
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let (id, token) = platforms::register(&mut conn, &keys, &platform, IfExists::Fail, crate::db::now())?;
    if json {
        println!("{}", serde_json::json!({ "id": id, "slug": slug.as_str(), "token": expose(&token) }));
    } else {
        println!("Platform {} (id {id}) is registered.", slug.as_str());
        println!("API token, shown only now; give it to the platform over a secure channel:");
        println!("  {}", expose(&token));
    }
    Ok(())
}
