//! `GET /.well-known/registry-keys.json`: the keys that sign status
//! statements, as a JWK set. Public, cacheable, readable from any site:
//! whoever holds a statement (a platform, a court) checks it with these.

use super::error::ApiError;
use super::{AppState, read};
use crate::crypto::jws::JwkSet;
use crate::services::statements;
use actix_web::{HttpResponse, http::header, web};

/// The status-signing keys, every one ever used, oldest first: a rotation
/// adds a key and removes none, so older statements keep verifying.
#[utoipa::path(
    get,
    path = "/.well-known/registry-keys.json",
    tag = "statements",
    responses((status = 200, description = "The JWK set (RFC 7517) of the status-signing keys", body = JwkSet, content_type = "application/jwk-set+json")),
)]
pub async fn keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let set = read(&state, |conn| Ok(statements::key_set(conn)?)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        // A new key is listed before its first statement is served; five minutes is the longest a client waits for it.
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .json(set))
}
