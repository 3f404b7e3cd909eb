//! `/api/v1/regulator/review`: registrars confirm declared identities.

use super::OfficialAuth;
use crate::domain::OwnerType;
use crate::http::error::ApiError;
use crate::http::extract::Then;
use crate::http::{AppState, call};
use crate::services::review::{self, ReviewError};
use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

fn review_error(e: ReviewError) -> ApiError {
    match e {
        ReviewError::Forbidden => ApiError::Forbidden("registrar review needs the registrar role"),
        ReviewError::NotFound => ApiError::NotFound("identity"),
        ReviewError::AlreadyConfirmed => {
            ApiError::Conflict { code: "already_confirmed", message: "the identity was already confirmed".into() }
        }
        ReviewError::Shredded(on) => ApiError::DataDeleted(on),
        ReviewError::Invalid(e) => super::invalid_page(e),
        ReviewError::Db(e) => e.into(),
    }
}

#[derive(Serialize)]
struct Waiting {
    reference: String,
    owner_type: OwnerType,
    declared_at: DateTime<Utc>,
}

/// `GET /api/v1/regulator/review?after=&limit=`: identities still `declared`, oldest first.
pub(super) async fn queue(
    Then(auth, query): Then<OfficialAuth, web::Query<super::Cursor>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let super::Cursor { after, limit } = query.into_inner();
    let rows =
        call(&state.pool, move |conn| review::queue(conn, &auth.0, after, limit)).await?.map_err(review_error)?;
    let next = rows.last().map_or(after, |r| r.id.get());
    let identities: Vec<Waiting> = rows
        .into_iter()
        .map(|r| Waiting { reference: r.reference, owner_type: r.owner_type, declared_at: r.created_at.and_utc() })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "identities": identities, "next": next })))
}

/// `POST /api/v1/regulator/review/{reference}/view`: every field, logged;
/// fails closed with 503 when the view cannot be recorded.
pub(super) async fn view(
    Then(auth, path): Then<OfficialAuth, web::Path<String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (keys, reference) = (state.keys.clone(), path.into_inner());
    let opened = call(&state.pool, move |conn| review::open(conn, &keys, &auth.0, &reference, crate::db::now()))
        .await?
        .map_err(|e| match e {
            ReviewError::Db(e) => {
                tracing::error!(error = %e, "registrar view not recorded; nothing shown");
                ApiError::Unavailable("the view could not be recorded, so nothing was shown")
            }
            other => review_error(other),
        })?;
    tracing::info!(identity.id = opened.identity.id.get(), "identity opened for registrar review");
    let identity = super::identity_json(&opened.fields);
    let accounts = super::accounts_json(&opened.accounts);
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(serde_json::json!({
        "reference": opened.identity.reference,
        "owner_type": opened.identity.owner_type,
        "declared_at": opened.identity.created_at.and_utc(),
        "registrar_checked_at": opened.identity.registrar_checked_at.map(|t| t.and_utc()),
        "identity": identity,
        "accounts": accounts,
    })))
}

/// `POST /api/v1/regulator/review/{reference}/confirm`
pub(super) async fn confirm(
    Then(auth, path): Then<OfficialAuth, web::Path<String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (policy, reference) = (state.settings.policy.clone(), path.into_inner());
    let confirming = reference.clone();
    let raised = call(&state.pool, move |conn| review::confirm(conn, &auth.0, &confirming, &policy, crate::db::now()))
        .await?
        .map_err(review_error)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "reference": reference,
        "assurance": "registrar_checked",
        "accounts_raised": raised,
    })))
}
