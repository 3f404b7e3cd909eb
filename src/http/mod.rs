//! HTTP: routes, extractor limits and error handlers, middleware.

pub mod error;
pub mod extract;
mod health;
pub mod limits;
mod log;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod platform_api;
pub mod regulator;
mod schemas;
mod statements;
pub mod transparency;

use crate::config::{DatabaseUrl, Settings};
use crate::crypto::{BlindIndex, KeyRing};
use crate::db::{ConnectionManager, DbConnection, DbError, Pool};
use crate::domain::Identifier;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use error::{ApiError, describe_json_error};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Largest JSON body accepted: a full report of 1,000 accounts fits with room to spare.
pub const JSON_LIMIT_BYTES: usize = 512 * 1024;

/// Shared by all workers.
pub struct AppState {
    pub pool: Pool,
    pub keys: Arc<KeyRing>,
    pub settings: Arc<Settings>,
    /// Requests per second per platform.
    pub platform_limiter: governor::DefaultKeyedRateLimiter<crate::domain::PlatformId>,
    pub token_cache: platform_api::token_cache::TokenCache,
    pub catalogues: Arc<crate::i18n::Catalogues>,
    pub report_cache: transparency::ReportCache,
    pub claim_limits: limits::ClaimLimits,
    pub sign_in_limits: limits::SignInLimits,
    pub lost_key_limits: limits::LostKeyLimits,
    /// Shared with the job that logs unknown-username counts.
    pub login_limits: Arc<limits::LoginLimits>,
    /// Argon2 work for owners (identifications, sign-ins, requests by identifier).
    pub argon2_gate: limits::WorkGate,
    /// Argon2 work for official logins: a flood of logins cannot hold
    /// owners off, nor a flood of owner forms officials.
    pub login_gate: limits::WorkGate,
    pub cookies: pages::cookies::Cookies,
    /// What status reads are answered from.
    pub statuses: Arc<crate::status_mirror::StatusMirror>,
    /// Webhook endpoints' host names being looked up: a slow name server holds a thread, never a connection.
    pub lookup_gate: limits::WorkGate,
    /// The webhook workers run while this is held.
    pub webhooks: Arc<crate::webhooks::Sender>,
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()).filter(|t| !t.is_empty())
}

/// What the bearer-token extractors start from: the app and the request's
/// token; a request without a token is refused (401) before anything else.
pub(crate) fn bearer_credentials(req: &HttpRequest) -> Result<(web::Data<AppState>, String), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    Ok((state, bearer_token(req).ok_or(ApiError::Unauthorized)?))
}

thread_local! {
    /// Each worker thread's own SQLite connection for hot-path reads, per database file.
    static SQLITE_READERS: RefCell<HashMap<PathBuf, DbConnection>> = RefCell::new(HashMap::new());
}

/// Runs a short read on the hot path (a platform token's lookup when it is
/// not cached): an indexed lookup of a few rows, never a scan or an
/// aggregate (those go to [`with_conn`]).
///
/// SQLite is in-process and in WAL mode readers never wait for writers, so an
/// indexed read takes microseconds: less than handing it to the blocking pool
/// costs. Such reads run on the worker thread with its own connection.
/// PostgreSQL reads cross the network and go to the blocking pool.
pub async fn read<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let DatabaseUrl::Sqlite(path) = &state.settings.database_url else {
        // A lookup writes nothing: no catch-up of the status mirror.
        return on_blocking_pool(&state.pool, f).await?;
    };
    SQLITE_READERS.with(|readers| {
        let mut readers = readers.borrow_mut();
        let conn = match readers.entry(path.clone()) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(ConnectionManager::new(state.settings.database_url.clone()).establish()?)
            }
        };
        let result = f(conn);
        if matches!(result, Err(ApiError::Internal(_))) {
            readers.remove(path); // reconnect next time rather than keep a connection in an unknown state
        }
        result
    })
}

/// Runs a use case with a pooled connection on the blocking thread pool:
/// diesel is synchronous and must not stall the async workers. The outer
/// error is the infrastructure's (no connection free, the blocking pool
/// failed); the inner one is the use case's, for the caller to translate.
/// Afterwards this node's status mirror shows whatever the use case wrote.
pub async fn call<T, E, F>(state: &AppState, f: F) -> Result<Result<T, E>, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let statuses = state.statuses.clone();
    on_blocking_pool(&state.pool, move |conn| {
        let outcome = f(conn);
        statuses.catch_up_after_use(conn);
        outcome
    })
    .await
}

/// `f` with a pooled connection on the blocking thread pool.
async fn on_blocking_pool<T, E, F>(pool: &Pool, f: F) -> Result<Result<T, E>, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(DbError::from)?;
        Ok(f(&mut conn))
    })
    .await
    .map_err(ApiError::internal)?
}

/// [`call`] for a closure that already answers in [`ApiError`]s.
pub async fn with_conn<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    call(state, f).await?
}

/// Why a blind index was not computed.
pub enum BlindIndexError {
    /// Every argon2 slot is taken: the caller asks the client to retry shortly.
    Busy,
    Failed(ApiError),
}

/// The identifier's blind index, computed on the blocking pool within the
/// argon2 gate: a burst of submissions is turned away rather than queued,
/// so it cannot take the blocking pool from the platform API.
pub async fn blind_index(state: &AppState, identifier: Identifier) -> Result<BlindIndex, BlindIndexError> {
    let Some(_permit) = state.argon2_gate.try_acquire() else { return Err(BlindIndexError::Busy) };
    let keys = state.keys.clone();
    match web::block(move || keys.blind_indexer().index(&identifier)).await {
        Ok(Ok(index)) => Ok(index),
        Ok(Err(e)) => Err(BlindIndexError::Failed(ApiError::internal(e))),
        Err(e) => Err(BlindIndexError::Failed(ApiError::internal(e))),
    }
}

/// Registers every route and the extractor configuration.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(JSON_LIMIT_BYTES).error_handler(json_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .service(web::resource("/healthz").route(web::get().to(health::healthz)))
        .service(web::resource("/readyz").route(web::get().to(health::readyz)))
        .service(web::resource("/api/openapi.json").route(web::get().to(openapi::openapi_json)))
        // Before the platform API: its `/api/v1` scope answers every path below it.
        .service(web::resource("/api/v1/transparency").route(web::get().to(transparency::report)))
        .service(web::resource("/log/checkpoint").route(web::get().to(log::checkpoint)))
        .service(web::resource("/.well-known/registry-keys.json").route(web::get().to(statements::keys)))
        .service(web::resource("/log/tile/{path:.+}").route(web::get().to(log::tile)))
        .configure(regulator::configure)
        .configure(platform_api::configure)
        .configure(pages::configure)
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("route"))
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match &err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => ApiError::PayloadTooLarge,
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) => describe_json_error(e),
        _ => ApiError::BadRequest { code: "unreadable_body", message: "the request body could not be read".into() },
    }
    .into()
}

fn query_error(_err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest {
        code: "invalid_query",
        message: "the query string has a missing or invalid parameter".into(),
    }
    .into()
}

fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest { code: "invalid_path", message: "the path has an invalid parameter".into() }.into()
}
