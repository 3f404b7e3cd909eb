//! The platform API (DESIGN §5): report accounts, read statuses, follow changes.
//! Status reads are answered from the node's status mirror, in memory; the
//! change feed is one index range scan. None of it touches argon2.

pub mod auth;
pub mod dto;
pub mod token_cache;
pub mod webhooks;

use crate::domain::AccountRef;
use crate::http::error::{ApiError, ErrorResponse};
use crate::http::extract::Then;
use crate::http::{AppState, with_conn};
use crate::services::accounts::{self, ClaimCodeError};
use crate::services::statements;
use actix_web::http::header::{self, ETag, EntityTag, Header, IfNoneMatch};
use actix_web::{HttpRequest, HttpResponse, guard, web};
use auth::PlatformAuth;
use dto::*;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(webhooks::configure)
            // Guarded, so that `GET /accounts/report` still reads an account whose ref is "report".
            .service(web::resource("/accounts/report").guard(guard::Post()).route(web::post().to(report)))
            .service(web::resource("/accounts/{account_ref}").route(web::get().to(get_account)))
            .service(web::resource("/accounts/{account_ref}/claim-code").route(web::post().to(reissue_claim_code)))
            .service(web::resource("/status/batch").route(web::post().to(batch_status)))
            .service(web::resource("/changes").route(web::get().to(changes)))
            .service(web::resource("/statements/head").route(web::get().to(head))),
    );
}

/// This node's status mirror, once it has loaded (until then `/readyz` says
/// not ready, and a request that reaches the node anyway is asked to retry).
fn loaded_statuses(state: &AppState) -> Result<&crate::status_mirror::StatusMirror, ApiError> {
    Some(&*state.statuses).filter(|s| s.is_loaded()).ok_or(ApiError::Unavailable("the node is still loading statuses"))
}

fn path_ref(raw: &str) -> Result<AccountRef, ApiError> {
    AccountRef::parse(raw).map_err(|e| ApiError::invalid_field("account_ref", e))
}

/// Report accounts and their follower counts; answers each account's status.
///
/// Idempotent: reporting the same numbers again changes nothing and issues no
/// second claim code. `claim_code` appears only when this call issued one.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/report",
    tag = "platform",
    request_body = ReportRequest,
    responses(
        (status = 200, description = "Each account's status, in request order", body = ReportResponse),
        (status = 400, description = "Malformed JSON, wrong types, unknown fields or an invalid value (named by path)", body = ErrorResponse),
    )
)]
pub(crate) async fn report(
    Then(auth, body): Then<PlatformAuth, web::Json<ReportRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let reports = body.into_inner().parse()?;
    let count = reports.len();
    let app = state.clone();
    let results = with_conn(&state, move |conn| {
        Ok(accounts::report(conn, &app.keys, &app.settings.policy, auth.platform_id, &reports, crate::db::now())?)
    })
    .await?;
    let new_codes = results.iter().filter(|r| r.claim_code.is_some()).count();
    tracing::info!(
        platform.id = auth.platform_id.get(),
        accounts = count,
        claim_codes_issued = new_codes,
        "accounts reported"
    );
    Ok(HttpResponse::Ok().json(ReportResponse { results: results.into_iter().map(Into::into).collect() }))
}

/// One account's status. Conditional with `If-None-Match`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{account_ref}",
    tag = "platform",
    params(
        ("account_ref" = AccountRef, Path, description = "The platform's id for the account"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "The status", body = StatusDto, headers(("ETag" = String, description = "Changes when the status does"))),
        (status = 304, description = "Unchanged since the given ETag"),
        (status = 400, description = "Invalid account_ref", body = ErrorResponse),
        (status = 404, description = "The registry never saw this account from this platform", body = ErrorResponse),
        (status = 503, description = "This node is still loading statuses after a start; retry (another node may answer)", body = ErrorResponse),
    )
)]
pub(crate) async fn get_account(
    auth: PlatformAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let account_ref = path_ref(&path)?;
    let statuses = loaded_statuses(&state)?;
    let platform = auth.platform(&state.keys);
    let view = accounts::status(statuses, &state.settings.policy, &platform, &account_ref, crate::db::now())
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound("account"))?;
    let etag = etag_of(&view);
    let unchanged = match req.headers().get(header::IF_NONE_MATCH).map(|_| IfNoneMatch::parse(&req)) {
        Some(Ok(IfNoneMatch::Any)) => true,
        Some(Ok(IfNoneMatch::Items(tags))) => tags.iter().any(|t| t.weak_eq(&etag)),
        _ => false,
    };
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response.insert_header(ETag(etag)).insert_header((header::CACHE_CONTROL, "private, no-cache"));
    Ok(if unchanged { response.finish() } else { response.json(StatusDto::from(view)) })
}

/// What a status answer's body depends on: the feed position, the status
/// (a due change not yet stored changes it) and the handle (a rename
/// changes nothing else). The same on every node; not the stored version,
/// which moves with every reported follower count.
fn etag_of(view: &accounts::StatusView) -> EntityTag {
    use sha2::Digest;
    let handle = sha2::Sha256::digest(view.handle.as_str().as_bytes());
    EntityTag::new_strong(format!("{}-{}-{}", view.seq, view.status, data_encoding::HEXLOWER.encode(&handle[..6])))
}

/// Up to 1,000 statuses in one call.
#[utoipa::path(
    post,
    path = "/api/v1/status/batch",
    tag = "platform",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Known accounts in request order, and the refs the registry never saw", body = BatchResponse),
        (status = 400, description = "Malformed body, 0 or over 1,000 refs, or an invalid ref", body = ErrorResponse),
        (status = 503, description = "This node is still loading statuses after a start; retry (another node may answer)", body = ErrorResponse),
    )
)]
pub(crate) async fn batch_status(
    Then(auth, body): Then<PlatformAuth, web::Json<BatchRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let refs = body.into_inner().parse()?;
    let statuses = loaded_statuses(&state)?;
    let found =
        accounts::statuses(statuses, &state.settings.policy, &auth.platform(&state.keys), refs, crate::db::now())
            .map_err(ApiError::internal)?;
    let response = BatchResponse {
        statuses: found.known.into_iter().map(Into::into).collect(),
        unknown: found.unknown.into_iter().map(Into::into).collect(),
    };
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "private, no-cache")).json(response))
}

/// This platform's status changes after a cursor, in `seq` order. Following
/// it from 0 rebuilds the registry's state exactly.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    tag = "platform",
    params(ChangesQuery),
    responses(
        (status = 200, description = "Changes and the cursor to continue from", body = ChangesResponse),
        (status = 400, description = "Invalid or unknown query parameter", body = ErrorResponse),
    )
)]
pub(crate) async fn changes(
    Then(auth, query): Then<PlatformAuth, web::Query<ChangesQuery>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    query.validate()?;
    let ChangesQuery { after, limit } = query.into_inner();
    let app = state.clone();
    let rows =
        with_conn(&state, move |conn| Ok(accounts::changes(conn, &auth.platform(&app.keys), after, limit)?)).await?;
    let next = rows.last().map_or(after, |c| c.row.seq);
    let changes = rows.into_iter().map(ChangeDto::from).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(ChangesResponse { changes, next }))
}

/// The platform's latest signed head statement: its newest change (`seq`)
/// and when that was so. Signed at least every minute; with it, a status
/// statement of an account with no later change in the feed was current
/// at `issued_at`.
#[utoipa::path(
    get,
    path = "/api/v1/statements/head",
    tag = "platform",
    responses(
        (status = 200, description = "The head statement", body = HeadDto),
        (status = 503, description = "No head statement signed yet (the registry just started); retry", body = ErrorResponse),
    )
)]
pub(crate) async fn head(auth: PlatformAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let platform_id = auth.platform_id;
    let head = with_conn(&state, move |conn| Ok(statements::head(conn, platform_id)?))
        .await?
        .ok_or(ApiError::Unavailable("no head statement has been signed yet"))?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "private, no-cache")).json(HeadDto {
        platform: auth.slug.to_string(),
        seq: head.seq,
        issued_at: head.issued_at.and_utc(),
        signature: head.signature,
    }))
}

/// Issue a new claim code for a `required` or `overdue` account; the old one stops working.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{account_ref}/claim-code",
    tag = "platform",
    params(("account_ref" = AccountRef, Path, description = "The platform's id for the account")),
    responses(
        (status = 200, description = "The new code and when it expires", body = ClaimCodeResponse),
        (status = 400, description = "Invalid account_ref", body = ErrorResponse),
        (status = 404, description = "Unknown account", body = ErrorResponse),
        (status = 409, description = "The account is verified or not_required: nothing to claim", body = ErrorResponse),
    )
)]
pub(crate) async fn reissue_claim_code(
    auth: PlatformAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account_ref = path_ref(&path)?;
    let app = state.clone();
    let (code, expires_at) = with_conn(&state, move |conn| {
        accounts::reissue_claim_code(
            conn,
            &app.keys,
            &app.settings.policy,
            auth.platform_id,
            &account_ref,
            crate::db::now(),
        )
        .map_err(|e| match e {
            ClaimCodeError::NotFound => ApiError::NotFound("account"),
            ClaimCodeError::NotClaimable(_) => ApiError::Conflict { code: "not_claimable", message: e.to_string() },
            ClaimCodeError::Db(e) => e.into(),
        })
    })
    .await?;
    tracing::info!(platform.id = auth.platform_id.get(), "claim code re-issued");
    Ok(HttpResponse::Ok().json(ClaimCodeResponse { claim_code: code.display_form(), expires_at }))
}
