use super::AppState;
use super::error::ApiError;
use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers, so requests can be served.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let ready = web::block(move || -> Result<(), crate::db::DbError> {
        let mut conn = pool.get()?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    })
    .await;
    match ready {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::Unavailable("the database is not available"))
        }
        Err(e) => Err(ApiError::internal(e)),
    }
}
