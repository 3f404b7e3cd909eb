//! `/api/v1/regulator/review`: registrars check declared identities against
//! evidence, then confirm or reject them.

use super::{Registrar, WithRole};
use crate::domain::FieldMatch;
use crate::domain::{OwnerType, RejectionReason, Role};
use crate::http::error::ApiError;
use crate::http::error::ErrorResponse;
use crate::http::extract::Then;
use crate::http::schemas::Claims;
use crate::http::{AppState, call};
use crate::services::officials::Official;
use crate::services::review::{self, Checked, ReviewError};
use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub(crate) fn review_error(e: ReviewError) -> ApiError {
    match e {
        ReviewError::Forbidden => ApiError::Forbidden(Role::Registrar.refusal()),
        ReviewError::NotFound => ApiError::NotFound("identity"),
        e @ ReviewError::AlreadyConfirmed => ApiError::Conflict { code: "already_confirmed", message: e.to_string() },
        e @ ReviewError::NotChecked(_) => ApiError::Conflict { code: "not_checked", message: e.to_string() },
        ReviewError::Shredded(at) => ApiError::DataDeleted(at.date()),
        e @ ReviewError::Purpose => ApiError::invalid_field("purpose", e),
        ReviewError::Evidence(e) => ApiError::invalid_field(e.field, e.problem),
        ReviewError::Invalid(e) => super::invalid_page(e),
        ReviewError::DailyLimit(reached) => reached.into(),
        ReviewError::Db(e) => e.into(),
    }
}

/// A declaration waiting for review: no personal data.
#[derive(Serialize, ToSchema)]
pub(crate) struct Waiting {
    reference: String,
    owner_type: OwnerType,
    declared_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewQueue {
    identities: Vec<Waiting>,
    /// Pass as `after` to continue.
    next: i64,
}

/// Declarations still `declared` with an account in the registry, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/regulator/review",
    tag = "regulator",
    params(
        ("after" = Option<i64>, Query, minimum = 0, description = "Continue after this position (`next` of the previous page)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "Items per page, 1 to 500 (default 50)"),
    ),
    responses(
        (status = 200, description = "The queue", body = ReviewQueue),
        (status = 400, description = "Invalid or unknown query parameter", body = ErrorResponse),
        (status = 403, description = "Without the registrar role", body = ErrorResponse),
    )
)]
pub(crate) async fn queue(
    Then(auth, query): Then<WithRole<Registrar>, web::Query<super::Cursor>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let super::Cursor { after, limit } = query.into_inner();
    let rows = call(&state, move |conn| review::queue(conn, &auth.0, after, limit)).await?.map_err(review_error)?;
    let next = rows.last().map_or(after, |r| r.id.get());
    let identities: Vec<Waiting> = rows
        .into_iter()
        .map(|r| Waiting { reference: r.reference, owner_type: r.owner_type, declared_at: r.created_at.and_utc() })
        .collect();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(ReviewQueue { identities, next }))
}

/// What a registrar says the evidence shows, and why they check.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckRequest {
    /// Why, and from what evidence: 10 to 500 characters once trimmed.
    #[schema(min_length = 10, max_length = 500)]
    pub purpose: String,
    /// Field name → the value the evidence shows (`{"iin": "…", "surname": "…"}`).
    #[schema(value_type = Claims)]
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
    let checked = call(state, move |conn| {
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

/// The answer to a check: no value of the record beyond the masked hints.
#[derive(Serialize, ToSchema)]
pub(crate) struct CheckView {
    reference: String,
    owner_type: OwnerType,
    declared_at: DateTime<Utc>,
    /// Per field checked.
    #[schema(value_type = BTreeMap<String, FieldMatch>)]
    results: BTreeMap<crate::domain::Field, FieldMatch>,
    /// Per field checked and declared: a name's first letter, the birth year, the document type and country; never an identifier's digits or the e-mail.
    masked: BTreeMap<&'static str, String>,
    /// Every declared field was checked and all matched: this registrar may confirm.
    confirmable: bool,
}

/// Match or no match per field and a masked hint of the declaration; logged
/// and counted against `REGISTRY_REVIEWS_PER_DAY`. Fails closed.
#[utoipa::path(
    post,
    path = "/api/v1/regulator/review/{reference}/check",
    tag = "regulator",
    params(("reference" = String, Path, description = "The record's reference")),
    request_body = CheckRequest,
    responses(
        (status = 200, description = "The answer per field", body = CheckView),
        (status = 400, description = "An invalid purpose or value, named by its path", body = ErrorResponse),
        (status = 403, description = "Without the registrar role", body = ErrorResponse),
        (status = 404, description = "No such record", body = ErrorResponse),
        (status = 409, description = "Already confirmed: never reviewed again", body = ErrorResponse),
        (status = 410, description = "The identity's data was deleted under retention", body = ErrorResponse),
        (status = 429, description = "Checks over the daily limit; see Retry-After", body = ErrorResponse),
    )
)]
pub(crate) async fn check(
    Then(auth, (path, body)): Then<WithRole<Registrar>, (web::Path<String>, web::Json<CheckRequest>)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let checked =
        check_declaration(&state, auth.0, path.into_inner(), body.into_inner()).await?.map_err(review_error)?;
    let view = CheckView {
        masked: checked.masked.into_iter().map(|(field, hint)| (field.as_str(), hint)).collect(),
        reference: checked.identity.reference,
        owner_type: checked.identity.owner_type,
        declared_at: checked.identity.created_at.and_utc(),
        results: checked.results,
        confirmable: checked.confirmable,
    };
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(view))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Confirmed {
    reference: String,
    assurance: crate::domain::Assurance,
    /// Accounts whose assurance rose (each a change-feed row).
    accounts_raised: usize,
}

/// Confirms a declaration whose every declared field the same registrar's
/// newest check (in the last 24 hours) found matching.
#[utoipa::path(
    post,
    path = "/api/v1/regulator/review/{reference}/confirm",
    tag = "regulator",
    params(("reference" = String, Path, description = "The record's reference")),
    responses(
        (status = 200, description = "Confirmed", body = Confirmed),
        (status = 403, description = "Without the registrar role", body = ErrorResponse),
        (status = 404, description = "No such record", body = ErrorResponse),
        (status = 409, description = "Already confirmed, or not checked as confirming needs", body = ErrorResponse),
        (status = 410, description = "The identity's data was deleted under retention", body = ErrorResponse),
    )
)]
pub(crate) async fn confirm(
    Then(auth, path): Then<WithRole<Registrar>, web::Path<String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (policy, reference) = (state.settings.policy.clone(), path.into_inner());
    let confirming = reference.clone();
    let keys = state.keys.clone();
    let raised =
        call(&state, move |conn| review::confirm(conn, &keys, &auth.0, &confirming, &policy, crate::db::now()))
            .await?
            .map_err(review_error)?;
    let assurance = crate::domain::Assurance::RegistrarChecked;
    Ok(HttpResponse::Ok().json(Confirmed { reference, assurance, accounts_raised: raised }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectRequest {
    pub reason: RejectionReason,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Rejected {
    reference: String,
    reason: RejectionReason,
    /// Accounts that went back to `required`.
    accounts_returned: usize,
}

/// The declaration is false: the record is crypto-shredded, its accounts go
/// back to `required` with a fresh deadline, its sessions end and the owner
/// is told why. `data_mismatch` needs the same registrar's newest check (in
/// the last 24 hours) to have found a field that does not match; the other
/// reasons need it to have compared something declared.
#[utoipa::path(
    post,
    path = "/api/v1/regulator/review/{reference}/reject",
    tag = "regulator",
    params(("reference" = String, Path, description = "The record's reference")),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "Rejected", body = Rejected),
        (status = 400, description = "Malformed body or unknown reason", body = ErrorResponse),
        (status = 403, description = "Without the registrar role", body = ErrorResponse),
        (status = 404, description = "No such record", body = ErrorResponse),
        (status = 409, description = "Already confirmed, or not checked", body = ErrorResponse),
        (status = 410, description = "The identity's data was deleted under retention", body = ErrorResponse),
    )
)]
pub(crate) async fn reject(
    Then(auth, (path, body)): Then<WithRole<Registrar>, (web::Path<String>, web::Json<RejectRequest>)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (keys, policy, reference) = (state.keys.clone(), state.settings.policy.clone(), path.into_inner());
    let reason = body.into_inner().reason;
    let rejecting = reference.clone();
    let returned =
        call(&state, move |conn| review::reject(conn, &keys, &auth.0, &rejecting, reason, &policy, crate::db::now()))
            .await?
            .map_err(review_error)?;
    Ok(HttpResponse::Ok().json(Rejected { reference, reason, accounts_returned: returned }))
}
