//! Liveness and readiness, for load balancers and orchestrators.

use super::error::ApiError;
use super::{AppState, call};
use actix_web::{HttpResponse, web};

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the status mirror has loaded and the database answers, so
/// requests can be served.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Err(e) = call(&state, crate::db::ping).await.and_then(|pinged| Ok(pinged?)) {
        tracing::warn!(error = %e, "readiness check failed");
        return Err(ApiError::Unavailable("the database is not available"));
    }
    if !state.statuses.is_loaded() {
        return Err(ApiError::Unavailable("the node is still loading statuses"));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
