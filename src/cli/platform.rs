//! `registry platform add`, `registry platform webhook add`.

use super::CliError;
use crate::config::Settings;
use crate::crypto::token::expose;
use crate::db::DbError;
use crate::domain::{CodeLocation, PlatformName, PlatformSlug, SigningScheme};
use crate::services::IfExists;
use crate::services::platforms::{self, NewPlatform};
use crate::services::webhooks::{self, Requester, WebhookError};
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

/// `registry platform webhook add`
pub fn add_webhook(settings: &Settings, slug: &str, url: &str, scheme: &str, json: bool) -> Result<(), CliError> {
    let slug = PlatformSlug::parse(slug).map_err(|e| CliError::Invalid(format!("--platform {e}")))?;
    let scheme: SigningScheme = scheme.parse().map_err(|_| CliError::Invalid("--scheme must be v1 or v1a".into()))?;
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let platform_id = platforms::find_id(&mut conn, &slug)?
        .ok_or_else(|| CliError::Invalid(format!("--platform: no platform {}", slug.as_str())))?;
    let translate = |e| match e {
        WebhookError::Db(e) => CliError::Database(e),
        WebhookError::Url(_) | WebhookError::Unreachable => CliError::Invalid(format!("--url {e}")),
        e => CliError::Invalid(e.to_string()),
    };
    let url = webhooks::check_endpoint(url, &settings.webhooks).map_err(translate)?;
    let requester = (platform_id, Requester::Operator);
    let issued = webhooks::add(&mut conn, &keys, requester, (&url, scheme), crate::db::now()).map_err(translate)?;
    let id = issued.endpoint.id.get();
    if json {
        println!(
            "{}",
            serde_json::json!({ "id": id, "url": issued.endpoint.url, "scheme": scheme, "secret": issued.secret })
        );
    } else {
        println!("Webhook endpoint {id} of platform {} is registered: {}", slug.as_str(), issued.endpoint.url);
        match scheme {
            SigningScheme::Hmac => println!(
                "Signing secret (v1, HMAC-SHA256), shown only now; give it to the platform over a secure channel:"
            ),
            SigningScheme::Ed25519 => println!("Public key to verify deliveries with (v1a, Ed25519):"),
        }
        println!("  {}", issued.secret);
    }
    Ok(())
}
