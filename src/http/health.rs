//! Liveness and readiness, for load balancers and orchestrators.

use super::error::ApiError;
use super::{AppState, call};
use actix_web::{HttpResponse, web};

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers, so requests can be served.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Err(e) = call(&state.pool, crate::db::ping).await.and_then(|pinged| Ok(pinged?)) {
        tracing::warn!(error = %e, "readiness check failed");
        return Err(ApiError::Unavailable("the database is not available"));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
