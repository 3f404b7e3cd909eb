//! The audit log as outsiders read it (C2SP tlog-tiles under `/log`): the
//! latest signed checkpoint and the immutable tiles, so that anyone can
//! mirror the log with a static file server and check every hash.

use super::error::ApiError;
use super::{AppState, read};
use crate::audit::tiles::{self, TileError};
use crate::audit::witnesses;
use actix_web::{HttpResponse, http::header, web};

/// The log is public: monitors running in a browser on another site may read it.
const PUBLIC_TO_ANY_SITE: (&str, &str) = ("Cross-Origin-Resource-Policy", "cross-origin");
const READABLE_BY_ANY_SITE: (header::HeaderName, &str) = (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");

/// `GET /log/checkpoint`: the newest tree head a quorum of the witnesses
/// cosigned (the newest one when there are no witnesses), as a C2SP signed
/// note with the cosignatures.
pub async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let policy = state.settings.witnesses.clone();
    let published = read(&state, move |conn| Ok(witnesses::published(conn, &policy)?)).await?;
    let published = published.ok_or(ApiError::NotFound("checkpoint"))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        // Replaced as the log grows: clients revalidate, as tlog-tiles asks.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(PUBLIC_TO_ANY_SITE)
        .insert_header(READABLE_BY_ANY_SITE)
        .body(published.note))
}

/// `GET /log/tile/{path}`: a hash tile or an entry bundle within the
/// published tree head; never changes once served.
pub async fn tile(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let tile = tiles::parse(&format!("tile/{path}")).ok_or(ApiError::NotFound("tile"))?;
    let policy = state.settings.witnesses.clone();
    let data = read(&state, move |conn| {
        // Not past the published head: an unpublished one could still be lost to a restore.
        let size = witnesses::published_size(conn, &policy)?.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
        if !tiles::within(&tile, size) {
            return Err(ApiError::NotFound("tile"));
        }
        tiles::read(conn, &tile).map_err(|e| match e {
            TileError::Db(e) => e.into(),
            broken => ApiError::internal(broken),
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header(PUBLIC_TO_ANY_SITE)
        .insert_header(READABLE_BY_ANY_SITE)
        .body(data))
}
