//! `/api/v1/regulator/review`: registrars check declared identities against
//! evidence, then confirm or reject them.

use super::{Registrar, WithRole};
use crate::domain::{OwnerType, RejectionReason, Role};
use crate::http::error::ApiError;
use crate::http::extract::Then;
use crate::http::{AppState, call};
use crate::services::officials::Official;
use crate::services::review::{self, Checked, ReviewError};
use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(crate) fn review_error(e: ReviewError) -> ApiError {
    match e {
        ReviewError::Forbidden => ApiError::Forbidden(Role::Registrar.refusal()),
        ReviewError::NotFound => ApiError::NotFound("identity"),
        e @ ReviewError::AlreadyConfirmed => ApiError::Conflict { code: "already_confirmed", message: e.to_string() },
        e @ ReviewError::NotChecked(_) => ApiError::Conflict { code: "not_checked", message: e.to_string() },
        ReviewError::Shredded(on) => ApiError::DataDeleted(on),
        e @ ReviewError::Purpose => ApiError::invalid_field("purpose", e),
        ReviewError::Evidence(e) => ApiError::invalid_field(e.field, e.problem),
        ReviewError::Invalid(e) => super::invalid_page(e),
        ReviewError::DailyLimit(reached) => reached.into(),
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
    Then(auth, query): Then<WithRole<Registrar>, web::Query<super::Cursor>>,
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

/// What a registrar says the evidence shows, and why they check.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckRequest {
    pub purpose: String,
    /// Field name → the value the evidence shows (`{"iin": "…", "surname": "…"}`).
    pub claims: BTreeMap<String, String>,
}

impl std::fmt::Debug for CheckRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckRequest").field("claims", &self.claims.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

/// Checks a declaration for `official`; shared by the API and the pages.
/// A check that cannot be recorded fails closed with 503 and answers nothing.
pub(crate) async fn check_declaration(
    state: &AppState,
    official: Official,
    reference: String,
    body: CheckRequest,
) -> Result<Result<Checked, ReviewError>, ApiError> {
    let (keys, limits) = (state.keys.clone(), state.settings.policy.daily_limits);
    let checked = call(&state.pool, move |conn| {
        review::check(conn, &keys, &official, (&reference, &body.purpose), &body.claims, &limits, crate::db::now())
    })
    .await?;
    match checked {
        Err(ReviewError::Db(e)) => {
            tracing::error!(error = %e, "registrar check not recorded; nothing answered");
            Err(ApiError::Unavailable("the check could not be recorded, so nothing was answered"))
        }
        Ok(checked) => {
            tracing::info!(identity.id = checked.identity.id.get(), "declaration checked by a registrar");
            Ok(Ok(checked))
        }
        Err(refused) => Ok(Err(refused)),
    }
}

/// `POST /api/v1/regulator/review/{reference}/check`: match or no match per
/// field and a masked hint of the declaration; logged and counted.
pub(super) async fn check(
    Then(auth, (path, body)): Then<WithRole<Registrar>, (web::Path<String>, web::Json<CheckRequest>)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let checked =
        check_declaration(&state, auth.0, path.into_inner(), body.into_inner()).await?.map_err(review_error)?;
    let masked: serde_json::Map<_, _> =
        checked.masked.into_iter().map(|(field, hint)| (field.as_str().to_owned(), hint.into())).collect();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(serde_json::json!({
        "reference": checked.identity.reference,
        "owner_type": checked.identity.owner_type,
        "declared_at": checked.identity.created_at.and_utc(),
        "results": checked.results,
        "masked": masked,
        "confirmable": checked.confirmable,
    })))
}

/// `POST /api/v1/regulator/review/{reference}/confirm`
pub(super) async fn confirm(
    Then(auth, path): Then<WithRole<Registrar>, web::Path<String>>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectRequest {
    pub reason: RejectionReason,
}

/// `POST /api/v1/regulator/review/{reference}/reject`: the declaration is
/// false; its accounts go back to `required` and the owner is told why.
pub(super) async fn reject(
    Then(auth, (path, body)): Then<WithRole<Registrar>, (web::Path<String>, web::Json<RejectRequest>)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (keys, policy, reference) = (state.keys.clone(), state.settings.policy.clone(), path.into_inner());
    let reason = body.into_inner().reason;
    let rejecting = reference.clone();
    let returned = call(&state.pool, move |conn| {
        review::reject(conn, &keys, &auth.0, &rejecting, reason, &policy, crate::db::now())
    })
    .await?
    .map_err(review_error)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "reference": reference,
        "reason": reason,
        "accounts_returned": returned,
    })))
}
