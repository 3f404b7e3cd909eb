//! HTTP: routes, extractor limits and error handlers, middleware.

pub mod error;
mod health;
pub mod metrics;
pub mod middleware;

use crate::config::Settings;
use crate::crypto::KeyRing;
use crate::db::Pool;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use error::{ApiError, describe_json_error};
use std::sync::Arc;

/// Largest JSON body accepted: a full report of 1,000 accounts fits with room to spare.
pub const JSON_LIMIT_BYTES: usize = 512 * 1024;

/// Shared by all workers.
pub struct AppState {
    pub pool: Pool,
    pub keys: Arc<KeyRing>,
    pub settings: Arc<Settings>,
}

/// Registers every route and the extractor configuration.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(JSON_LIMIT_BYTES).error_handler(json_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
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
