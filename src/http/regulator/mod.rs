//! The regulator JSON API (DESIGN §7).

use crate::domain::{PageError, Role};
use crate::http::error::ApiError;
use crate::http::error::ErrorResponse;
use crate::http::{AppState, bearer_credentials, call, with_conn};
use crate::services::officials::{self, LoginError, Session};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::pin::Pin;
use utoipa::{IntoParams, ToSchema};

pub(crate) mod audit;
pub(crate) mod requests;
pub(crate) mod review;

pub(crate) use requests::{
    DecisionRequest, FileRequest, NotFiled, access_error, decide_request, file_request, open_disclosure,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/regulator/login").route(web::post().to(login)))
        .service(web::resource("/api/v1/regulator/logout").route(web::post().to(logout)))
        .service(web::resource("/api/v1/regulator/requests").route(web::post().to(requests::file)))
        .service(web::resource("/api/v1/regulator/requests/{id}").route(web::get().to(requests::get)))
        .service(web::resource("/api/v1/regulator/requests/{id}/decision").route(web::post().to(requests::decide)))
        .service(web::resource("/api/v1/regulator/requests/{id}/disclosure").route(web::post().to(requests::disclose)))
        .service(web::resource("/api/v1/regulator/audit").route(web::get().to(audit::list)))
        .service(web::resource("/api/v1/regulator/review").route(web::get().to(review::queue)))
        .service(web::resource("/api/v1/regulator/review/{reference}/check").route(web::post().to(review::check)))
        .service(web::resource("/api/v1/regulator/review/{reference}/confirm").route(web::post().to(review::confirm)))
        .service(web::resource("/api/v1/regulator/review/{reference}/reject").route(web::post().to(review::reject)));
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    username: String,
    #[schema(value_type = String, format = Password)]
    password: SecretString,
    /// The six digits the authenticator app shows now; each code works once.
    totp: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct LoginResponse {
    /// The bearer token for the other regulator calls.
    token: String,
    expires_at: DateTime<Utc>,
}

/// Why no session was opened: the API and the login page answer each in their own way.
pub(crate) enum NotLoggedIn {
    /// The argon2 gate is full.
    Busy,
    /// The client address failed too often: seconds to wait.
    ClientBarred(u64),
    /// Unknown usernames come back as [`LoginError::Rejected`], and as
    /// [`LoginError::Locked`] after as many failures as lock an official out.
    Refused(LoginError),
}

/// Checks an official's credentials within the argon2 gate and opens a
/// session; shared by the API and the login page.
pub(crate) async fn log_in(
    state: &AppState,
    client: Option<IpAddr>,
    username: String,
    password: SecretString,
    totp: String,
) -> Result<Result<Session, NotLoggedIn>, ApiError> {
    let (username, started) = (officials::login_name(&username), crate::db::now());
    if let Some(seconds) = state.login_limits.barred(client) {
        return Ok(Err(NotLoggedIn::ClientBarred(seconds)));
    }
    // Every name, real or not, locked or not, waits for the same gate.
    let Some(_permit) = state.login_gate.try_acquire() else { return Ok(Err(NotLoggedIn::Busy)) };
    let (keys, limits) = (state.keys.clone(), state.login_limits.clone());
    let session = call(state, move |conn| {
        let admit_unknown = || limits.admit_unknown(client, &username, started);
        officials::login(conn, &keys, (&username, &password, &totp), admit_unknown, started)
    })
    .await?;
    match session {
        Ok(session) => Ok(Ok(session)),
        Err(e @ (LoginError::Rejected | LoginError::UnknownUser | LoginError::Locked(_))) => {
            state.login_limits.failed(client);
            let answered = if matches!(e, LoginError::UnknownUser) { LoginError::Rejected } else { e };
            Ok(Err(NotLoggedIn::Refused(answered)))
        }
        Err(e) => Ok(Err(NotLoggedIn::Refused(e))),
    }
}

/// Password and a TOTP code. Unknown username, wrong password and wrong
/// code get the same answer; 5 failures lock the official out for 15 minutes.
#[utoipa::path(
    post,
    path = "/api/v1/regulator/login",
    tag = "regulator",
    request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, description = "A session", body = LoginResponse),
        (status = 400, description = "Malformed JSON, wrong types or unknown fields", body = ErrorResponse),
        (status = 401, description = "The username, password or code is not right", body = ErrorResponse),
        (status = 429, description = "Locked out, or too many failures from this address; see Retry-After", body = ErrorResponse),
    )
)]
pub(crate) async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password, totp } = body.into_inner();
    let client = crate::http::limits::client_address(&req, &state.settings.public.trusted_proxies);
    let session = log_in(&state, client, username, password, totp).await?.map_err(|e| match e {
        NotLoggedIn::Busy => ApiError::TooManyRequests(1),
        NotLoggedIn::ClientBarred(seconds) => ApiError::TooManyRequests(seconds),
        NotLoggedIn::Refused(LoginError::Rejected | LoginError::UnknownUser) => ApiError::InvalidCredentials,
        NotLoggedIn::Refused(LoginError::Locked(until)) => {
            ApiError::Locked((until - crate::db::now()).num_seconds().max(1).unsigned_abs())
        }
        NotLoggedIn::Refused(LoginError::Db(e)) => e.into(),
    })?;
    Ok(HttpResponse::Ok()
        .json(LoginResponse { token: session.token.expose_secret().to_owned(), expires_at: session.expires_at }))
}

/// `?after=&limit=` on the regulator's paged lists; the use case checks
/// them against its bounds after checking the caller's role. As a schema,
/// the audit log's (the review queue states its own bounds).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cursor {
    /// Continue after this position (`next` of the previous page).
    #[serde(default)]
    #[param(minimum = 0)]
    after: i64,
    /// Items per page, 1 to 1,000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

pub(crate) fn invalid_page(e: PageError) -> ApiError {
    ApiError::invalid_field(e.field, e.problem)
}

impl From<crate::services::access::LimitReached> for ApiError {
    fn from(reached: crate::services::access::LimitReached) -> Self {
        ApiError::DailyLimit {
            message: reached.to_string(),
            retry_after: (reached.retry_at - crate::db::now()).num_seconds().max(1).unsigned_abs(),
        }
    }
}

/// An official signed in with a live session.
#[derive(Debug, Clone)]
pub struct OfficialAuth(pub officials::Official);

impl FromRequest for OfficialAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = bearer_credentials(req);
        Box::pin(async move {
            let (state, token) = credentials?;
            let app = state.clone();
            let live =
                with_conn(&state, move |conn| Ok(officials::authenticate(conn, &app.keys, &token, crate::db::now())?))
                    .await?;
            Ok(Self(live.ok_or(ApiError::Unauthorized)?))
        })
    }
}

/// The role an endpoint needs, as a type: `WithRole<Registrar>`.
pub trait NeedsRole {
    const ROLE: Role;
}

macro_rules! role_markers {
    ($($name:ident),+) => {$(
        #[doc = concat!("Marks an endpoint for the `", stringify!($name), "` role.")]
        pub struct $name;
        impl NeedsRole for $name {
            const ROLE: Role = Role::$name;
        }
    )+};
}
role_markers!(Requester, Approver, Auditor, Registrar);

/// An official with a live session and the role `R`, checked right after the
/// token and before anything else is read, so a wrong role gets 403 whatever
/// the path or body holds. The use case checks the role again.
pub struct WithRole<R>(pub officials::Official, PhantomData<R>);

impl<R: NeedsRole + 'static> FromRequest for WithRole<R> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = OfficialAuth::from_request(req, payload);
        Box::pin(async move {
            let OfficialAuth(official) = auth.await?;
            if official.roles.contains(R::ROLE) {
                Ok(Self(official, PhantomData))
            } else {
                Err(ApiError::Forbidden(R::ROLE.refusal()))
            }
        })
    }
}

/// Ends the caller's session.
#[utoipa::path(
    post,
    path = "/api/v1/regulator/logout",
    tag = "regulator",
    responses((status = 204, description = "The session ended")),
)]
pub(crate) async fn logout(auth: OfficialAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    with_conn(&state, move |conn| Ok(officials::logout(conn, &auth.0, crate::db::now())?)).await?;
    Ok(HttpResponse::NoContent().finish())
}
