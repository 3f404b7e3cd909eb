//! Cross-cutting request handling: request ids, the request span, metrics,
//! and security headers.

use super::error::ApiError;
use super::metrics::{Metrics, RouteLabels, method_label, status_class};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request id unique across restarts: a random per-process prefix and a
/// counter. Ids need to be unique, not secret, and a random source per
/// request would cost a system call on the hot path.
fn next_request_id() -> String {
    static PREFIX: LazyLock<u32> = LazyLock::new(|| u32::from_be_bytes(crate::crypto::random_bytes()));
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("{:08x}{:08x}", *PREFIX, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Gives each request an id (in the span and the `X-Request-Id` header),
/// records its route, status and latency, and logs it once. The span holds
/// the route pattern, not the path: paths can carry account references.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = next_request_id();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(req.method()).to_owned();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span =
        tracing::info_span!("http.request", request_id = %request_id, http.method = %method, http.route = %route);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = match &result {
        Ok(response) => response.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| match status.as_u16() {
        // Starting, overloaded or the database away: expected now and then, and said with Retry-After.
        503 => tracing::warn!(http.status = status.as_u16(), duration_ms, "request refused for now"),
        500.. => tracing::error!(http.status = status.as_u16(), duration_ms, "request failed"),
        400..500 => tracing::info!(http.status = status.as_u16(), duration_ms, "request rejected"),
        _ => tracing::debug!(http.status = status.as_u16(), duration_ms, "request served"),
    });
    if let Some(metrics) = metrics {
        metrics.observe(&RouteLabels { method, route, status: status_class(status.as_u16()) }, elapsed);
    }
    result.map(|mut response| {
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        response
    })
}

/// Refuses request bodies sent compressed (415): no route accepts them, and
/// decompressing an anonymous caller's body would let a small request take
/// a lot of memory.
pub async fn refuse_encoded_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let encoded = req
        .headers()
        .get(actix_web::http::header::CONTENT_ENCODING)
        .is_some_and(|value| !value.as_bytes().eq_ignore_ascii_case(b"identity"));
    if encoded {
        let response = actix_web::ResponseError::error_response(&ApiError::UnsupportedMediaType);
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Headers on every response unless a handler set its own. Behind TLS
/// browsers are also told to use nothing else for two years.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"))
        .add(("Cache-Control", "no-store"));
    if https { headers.add(("Strict-Transport-Security", "max-age=63072000; includeSubDomains")) } else { headers }
}
