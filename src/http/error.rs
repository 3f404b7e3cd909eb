//! The JSON error envelope `{"error":{"code","message"}}` and its status codes.
//!
//! Messages describe what was wrong, never the submitted value, and 5xx
//! bodies are fixed text: the cause goes to the log once, here.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed or a value is invalid.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// 401: no valid credentials. Unknown, expired and revoked tokens get the same answer.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// 401 at login: unknown user, wrong password or wrong code get the same answer.
    #[error("the username, password or code is not right")]
    InvalidCredentials,
    /// 429: locked after repeated failures; retry after this many seconds.
    #[error("locked after repeated failed logins; retry after {0} s")]
    Locked(u64),
    /// 403: authenticated, but the role or rule does not allow it.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 404: no such resource (or not one the caller may see: the same answer).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 405: the path exists but not with this method; `Allow` lists those it takes.
    #[error("this path does not accept the request's method")]
    MethodNotAllowed,
    /// 409: the request is valid but the resource's state does not allow it.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 410: the data was crypto-shredded under retention on this date; it cannot come back.
    #[error("the identity's data was deleted under retention on {0}")]
    DataDeleted(chrono::NaiveDate),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// 429: over the rate limit; retry after this many seconds.
    #[error("too many requests; retry after {0} s")]
    TooManyRequests(u64),
    /// 429: an official's daily limit is used up; retry after this many seconds.
    #[error("{message}")]
    DailyLimit { message: String, retry_after: u64 },
    /// 503: a dependency is down; the client may retry.
    #[error("{0}")]
    Unavailable(&'static str),
    /// 500: a bug or an unexpected failure. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Every error response: `{"error":{"code","message"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: `invalid_field`, `invalid_body`, `malformed_json`,
    /// `unauthorized`, `not_found`, `not_claimable`, `payload_too_large`,
    /// `unsupported_media_type`, `rate_limited`, `unavailable`, `internal_error`, …
    pub code: String,
    /// For people; never repeats a submitted value.
    pub message: String,
}

impl ApiError {
    fn code(&self) -> &str {
        match self {
            ApiError::BadRequest { code, .. } | ApiError::Conflict { code, .. } => code,
            ApiError::Unauthorized => "unauthorized",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::Locked(_) => "locked",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::TooManyRequests(_) => "rate_limited",
            ApiError::DataDeleted(_) => "data_deleted",
            ApiError::DailyLimit { .. } => "daily_limit_reached",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::DataDeleted(_) => StatusCode::GONE,
            ApiError::TooManyRequests(_) | ApiError::DailyLimit { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "request failed");
                "internal error".to_string()
            }
            other => other.to_string(),
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            ApiError::TooManyRequests(seconds)
            | ApiError::Locked(seconds)
            | ApiError::DailyLimit { retry_after: seconds, .. } => {
                response.insert_header(("Retry-After", seconds.to_string()));
            }
            // Loading, overloaded or the database away: all usually pass within seconds.
            ApiError::Unavailable(_) => {
                response.insert_header(("Retry-After", "1"));
            }
            _ => {}
        }
        response.json(ErrorResponse { error: ErrorBody { code: self.code().to_owned(), message } })
    }
}

/// actix answers a path it knows, asked with a method it has no route for,
/// 405 with `Allow` but no body: this gives it the error envelope.
pub fn method_not_allowed<B>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    let allow = res.headers().get(actix_web::http::header::ALLOW).cloned();
    let (req, _) = res.into_parts();
    let mut response = ApiError::MethodNotAllowed.error_response();
    if let Some(allow) = allow {
        response.headers_mut().insert(actix_web::http::header::ALLOW, allow);
    }
    let res = actix_web::dev::ServiceResponse::new(req, response).map_into_right_body();
    Ok(actix_web::middleware::ErrorHandlerResponse::Response(res))
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            // Every connection busy for the pool's whole timeout: overloaded, not broken.
            crate::db::DbError::Pool(_) => ApiError::Unavailable("the service is overloaded; retry shortly"),
            other => ApiError::internal(other),
        }
    }
}

impl ApiError {
    /// A 500 for an unexpected failure; the cause goes to the log.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(cause.into())
    }

    /// A 400 for one invalid field, named by its JSON path.
    pub fn invalid_field(path: impl std::fmt::Display, problem: impl std::fmt::Display) -> Self {
        ApiError::BadRequest { code: "invalid_field", message: format!("{path}: {problem}") }
    }
}

/// Describes a JSON error without the submitted value: serde's own messages
/// quote it (`invalid type: string "…"`).
pub fn describe_json_error(e: &serde_json::Error) -> ApiError {
    let at = format!("line {}, column {}", e.line(), e.column());
    if !e.is_data() {
        return ApiError::BadRequest { code: "malformed_json", message: format!("the body is not valid JSON ({at})") };
    }
    let text = e.to_string();
    let what = if text.starts_with("unknown field") || text.starts_with("missing field") {
        // Field names come from the schema (or are the unknown key itself), never a value.
        text.split(" at line").next().unwrap_or("unexpected field").to_string()
    } else if let Some(expected) = text.split(", expected ").nth(1) {
        format!("wrong type or value, expected {}", expected.split(" at line").next().unwrap_or("another value"))
    } else {
        "the body does not match the expected schema".to_string()
    };
    ApiError::BadRequest { code: "invalid_body", message: format!("{what} ({at})") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only parse failures are tested")]
    struct Sample {
        count: u64,
    }

    fn message(json: &str) -> (String, String) {
        let err = serde_json::from_str::<Sample>(json).unwrap_err();
        let api = describe_json_error(&err);
        (api.code().to_string(), api.to_string())
    }

    #[test]
    fn json_errors_are_precise_and_never_quote_the_value() {
        assert_eq!(
            message("{\"count\": 1"),
            ("malformed_json".into(), "the body is not valid JSON (line 1, column 11)".into())
        );
        let (code, text) = message("{\"count\": \"900115353054\"}");
        assert_eq!(code, "invalid_body");
        assert_eq!(text, "wrong type or value, expected u64 (line 1, column 24)");
        assert_eq!(message("{\"count\": -4}").1, "wrong type or value, expected u64 (line 1, column 12)");
        assert_eq!(message("{}").1, "missing field `count` (line 1, column 2)");
        assert!(message("{\"count\":1,\"extra\":2}").1.starts_with("unknown field `extra`, expected `count`"));
    }

    #[actix_web::test]
    async fn internal_errors_send_fixed_text() {
        let response = ApiError::internal("password authentication failed for user x").error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = actix_web::body::to_bytes(response.into_body()).await.unwrap();
        assert_eq!(body, r#"{"error":{"code":"internal_error","message":"internal error"}}"#);
    }
}
