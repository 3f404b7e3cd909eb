//! The platform API's webhook endpoints and deliveries (Standard Webhooks).

use super::auth::PlatformAuth;
use crate::crypto::KeyRing;
use crate::crypto::webhook::message_id;
use crate::db::repo::webhooks::{DeliveryRow, EndpointRow};
use crate::domain::statement::rfc3339;
use crate::domain::{DeliveryId, EndpointId, SigningScheme};
use crate::http::error::{ApiError, ErrorResponse};
use crate::http::extract::Then;
use crate::http::{AppState, with_conn};
use crate::services::webhooks::{self, Issued, Requester, WebhookError};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The routes, inside the platform API's `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/webhooks").route(web::get().to(list)).route(web::post().to(add)))
        .service(web::resource("/webhooks/deliveries").route(web::get().to(deliveries)))
        .service(web::resource("/webhooks/deliveries/{id}/redeliver").route(web::post().to(redeliver)))
        .service(web::resource("/webhooks/{id}").route(web::delete().to(remove)))
        .service(web::resource("/webhooks/{id}/rotate").route(web::post().to(rotate)));
}

fn translate(e: WebhookError) -> ApiError {
    match e {
        WebhookError::NotFound => ApiError::NotFound("webhook endpoint"),
        WebhookError::DeliveryNotFound => ApiError::NotFound("delivery"),
        WebhookError::Url(_) | WebhookError::Unreachable => ApiError::invalid_field("url", e),
        WebhookError::TooMany => ApiError::Conflict { code: "too_many_endpoints", message: e.to_string() },
        WebhookError::Disabled => ApiError::Conflict { code: "endpoint_disabled", message: e.to_string() },
        WebhookError::Pending => ApiError::Conflict { code: "delivery_pending", message: e.to_string() },
        WebhookError::Db(e) => e.into(),
    }
}

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointDto {
    pub id: i64,
    pub url: String,
    /// `v1` (HMAC-SHA256, shared secret) or `v1a` (Ed25519, public key).
    pub scheme: SigningScheme,
    #[serde(with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Since when every attempt failed; absent while deliveries succeed.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub failing_since: Option<DateTime<Utc>>,
    /// When the registry stopped sending to it (it failed for 3 days); remove and add it again to resume.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub disabled_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Until when deliveries also carry the signature of the secret before the last rotation.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub previous_secret_until: Option<DateTime<Utc>>,
}

impl From<EndpointRow> for EndpointDto {
    fn from(e: EndpointRow) -> Self {
        let now = Utc::now();
        Self {
            id: e.id.get(),
            url: e.url,
            scheme: e.scheme,
            created_at: e.created_at.and_utc(),
            failing_since: e.failing_since.map(|t| t.and_utc()),
            disabled_at: e.disabled_at.map(|t| t.and_utc()),
            disabled_reason: e.disabled_reason,
            previous_secret_until: e.previous_until.map(|t| t.and_utc()).filter(|until| *until > now),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointsResponse {
    pub endpoints: Vec<EndpointDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddEndpointRequest {
    /// `https://` (plain `http://` only where the operator allows it for development); its host
    /// must resolve to a public address unless the operator allow-listed it.
    #[schema(example = "https://hooks.example.kz/registry")]
    pub url: String,
    /// `v1` (HMAC-SHA256, the default) or `v1a` (Ed25519).
    #[serde(default)]
    pub scheme: Option<SigningScheme>,
}

/// An endpoint with its secret, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedEndpoint {
    pub endpoint: EndpointDto,
    /// For `v1` the shared secret (`whsec_…`), for `v1a` the public key to verify with
    /// (`whpk_…`), as Standard Webhooks libraries take them. Shown only now.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl From<Issued> for IssuedEndpoint {
    fn from(i: Issued) -> Self {
        Self { endpoint: i.endpoint.into(), secret: i.secret }
    }
}

/// The platform's webhook endpoints.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "platform",
    responses((status = 200, description = "Oldest first", body = EndpointsResponse))
)]
pub(crate) async fn list(auth: PlatformAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let platform_id = auth.platform_id;
    let endpoints = with_conn(&state, move |conn| Ok(webhooks::list(conn, platform_id)?)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(EndpointsResponse { endpoints: endpoints.into_iter().map(Into::into).collect() }))
}

/// Register an endpoint: each status change of the platform's accounts is
/// then sent to it as an `account.status_changed` event.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "platform",
    request_body = AddEndpointRequest,
    responses(
        (status = 201, description = "The endpoint and its secret (shown only now)", body = IssuedEndpoint),
        (status = 400, description = "Malformed body, or a URL that is not https, holds credentials, or resolves only to private, loopback, link-local or metadata addresses", body = ErrorResponse),
        (status = 409, description = "The platform has 10 endpoints already", body = ErrorResponse),
        (status = 503, description = "Too many endpoints being checked at once; retry", body = ErrorResponse),
    )
)]
pub(crate) async fn add(
    Then(auth, body): Then<PlatformAuth, web::Json<AddEndpointRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let AddEndpointRequest { url, scheme } = body.into_inner();
    let (app, platform_id) = (state.clone(), auth.platform_id);
    // The name is looked up on a thread of its own, holding no database connection, a few at a time.
    let _permit =
        state.lookup_gate.try_acquire().ok_or(ApiError::Unavailable("too many endpoints being checked; retry"))?;
    let settings = state.settings.webhooks.clone();
    let url = web::block(move || webhooks::check_endpoint(&url, &settings))
        .await
        .map_err(ApiError::internal)?
        .map_err(translate)?;
    let issued = with_conn(&state, move |conn| {
        let scheme = scheme.unwrap_or(SigningScheme::Hmac);
        let (requester, now) = ((platform_id, Requester::Platform), crate::db::now());
        webhooks::add(conn, &app.keys, requester, (&url, scheme), now).map_err(translate)
    })
    .await?;
    tracing::info!(
        platform.id = platform_id.get(),
        webhook.endpoint = issued.endpoint.id.get(),
        "webhook endpoint added"
    );
    Ok(HttpResponse::Created().insert_header((header::CACHE_CONTROL, "no-store")).json(IssuedEndpoint::from(issued)))
}

fn positive(name: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::invalid_field(name, "must be a positive whole number"))
}

fn path_id(raw: &str) -> Result<i64, ApiError> {
    positive("id", raw)
}

/// Remove an endpoint; what was queued for it is dropped.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "platform",
    params(("id" = i64, Path, description = "The endpoint", minimum = 1)),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An id that is not a positive whole number", body = ErrorResponse),
        (status = 404, description = "No such endpoint of this platform", body = ErrorResponse),
    )
)]
pub(crate) async fn remove(
    auth: PlatformAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = EndpointId::new(path_id(&path)?);
    let platform_id = auth.platform_id;
    with_conn(&state, move |conn| webhooks::remove(conn, platform_id, id).map_err(translate)).await?;
    tracing::info!(platform.id = platform_id.get(), webhook.endpoint = id.get(), "webhook endpoint removed");
    Ok(HttpResponse::NoContent().finish())
}

/// A new secret for an endpoint. For 24 hours deliveries carry two
/// signatures, the new secret's and the previous one's, so the receiver can
/// switch without missing any.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/rotate",
    tag = "platform",
    params(("id" = i64, Path, description = "The endpoint", minimum = 1)),
    responses(
        (status = 200, description = "The endpoint and its new secret (shown only now)", body = IssuedEndpoint),
        (status = 400, description = "An id that is not a positive whole number", body = ErrorResponse),
        (status = 404, description = "No such endpoint of this platform", body = ErrorResponse),
    )
)]
pub(crate) async fn rotate(
    auth: PlatformAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = EndpointId::new(path_id(&path)?);
    let (app, platform_id) = (state.clone(), auth.platform_id);
    let issued = with_conn(&state, move |conn| {
        webhooks::rotate(conn, &app.keys, platform_id, id, crate::db::now()).map_err(translate)
    })
    .await?;
    tracing::info!(platform.id = platform_id.get(), webhook.endpoint = id.get(), "webhook secret rotated");
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(IssuedEndpoint::from(issued)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Only this endpoint's deliveries.
    #[param(minimum = 1)]
    pub endpoint: Option<i64>,
    /// Deliveries older than this id (the `next` of the previous page).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// At most this many (1–1,000).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// One event for one endpoint, and its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: i64,
    pub endpoint_id: i64,
    /// The `webhook-id` header: the same on every attempt and redelivery.
    pub webhook_id: String,
    /// The change it carries (as in `/changes`).
    pub seq: i64,
    /// `pending`, `delivered` or `failed` (given up after 3 days, or the endpoint was disabled).
    pub state: &'static str,
    pub attempts: i32,
    #[serde(with = "rfc3339")]
    pub queued_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last answer, if there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub delivered_at: Option<DateTime<Utc>>,
}

impl DeliveryDto {
    fn of(d: DeliveryRow, keys: &KeyRing) -> Self {
        let state = match (d.delivered_at, d.failed_at) {
            (Some(_), _) => "delivered",
            (None, Some(_)) => "failed",
            (None, None) => "pending",
        };
        Self {
            id: d.id.get(),
            endpoint_id: d.endpoint_id.get(),
            webhook_id: message_id(&keys.token_digester(), d.id),
            seq: d.seq,
            state,
            attempts: d.attempts,
            queued_at: d.created_at.and_utc(),
            last_attempt_at: d.last_attempt_at.map(|t| t.and_utc()),
            last_status: d.last_status,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at.map(|t| t.and_utc()),
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveriesResponse {
    /// Newest first.
    pub deliveries: Vec<DeliveryDto>,
    /// Pass as `before` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<i64>,
}

/// The platform's deliveries and their attempts, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/deliveries",
    tag = "platform",
    params(DeliveriesQuery),
    responses(
        (status = 200, description = "Deliveries, newest first", body = DeliveriesResponse),
        (status = 400, description = "Invalid or unknown query parameter", body = ErrorResponse),
    )
)]
pub(crate) async fn deliveries(
    Then(auth, query): Then<PlatformAuth, web::Query<DeliveriesQuery>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let DeliveriesQuery { endpoint, before, limit } = query.into_inner();
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be 1 to 1000"));
    }
    let endpoint = endpoint.map(|e| positive("endpoint", &e.to_string()).map(EndpointId::new)).transpose()?;
    let before = before.map(|b| positive("before", &b.to_string()).map(DeliveryId::new)).transpose()?;
    let platform_id = auth.platform_id;
    let rows =
        with_conn(&state, move |conn| Ok(webhooks::deliveries(conn, platform_id, endpoint, before, limit)?)).await?;
    let next =
        (rows.len() == usize::try_from(limit).unwrap_or(usize::MAX)).then(|| rows.last().map(|d| d.id.get())).flatten();
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "private, no-cache")).json(DeliveriesResponse {
        deliveries: rows.into_iter().map(|d| DeliveryDto::of(d, &state.keys)).collect(),
        next,
    }))
}

/// Send a delivery again now, with the same `webhook-id` and a new 3-day retry window.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/deliveries/{id}/redeliver",
    tag = "platform",
    params(("id" = i64, Path, description = "The delivery", minimum = 1)),
    responses(
        (status = 202, description = "Queued; it is sent within a second or so"),
        (status = 400, description = "An id that is not a positive whole number", body = ErrorResponse),
        (status = 404, description = "No such delivery of this platform", body = ErrorResponse),
        (status = 409, description = "Its endpoint is disabled, or it is still queued", body = ErrorResponse),
    )
)]
pub(crate) async fn redeliver(
    auth: PlatformAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = DeliveryId::new(path_id(&path)?);
    let platform_id = auth.platform_id;
    with_conn(&state, move |conn| webhooks::redeliver(conn, platform_id, id, crate::db::now()).map_err(translate))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
