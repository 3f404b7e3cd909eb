//! What every page handler needs, as extractors: the page's language and
//! form token ([`PageContext`]), a form whose anti-forgery token matched
//! ([`CheckedForm`]), and the signed-in owner or official ([`OwnerSession`],
//! [`OfficialSession`]). A rejection is answered before the handler runs: a
//! forged form with 403 "this form has expired", a missing session with a
//! redirect to the sign-in page.

use super::cookies::{CookieName, Cookies, CsrfToken};
use crate::domain::IdentityId;
use crate::http::error::ApiError;
use crate::http::{AppState, call};
use crate::i18n::{Lang, Texts};
use crate::services::officials::{self, Official};
use crate::services::owners::{self, OwnerError};
use actix_web::cookie::Cookie;
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, AcceptLanguage, Header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

type Extracting<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError::internal("application state missing"))
}

/// The page language, and whether the visitor just chose it (then it is remembered in a cookie).
#[derive(Debug, Clone, Copy)]
pub struct PageLang {
    pub lang: Lang,
    chosen_now: bool,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl PageLang {
    fn of(req: &HttpRequest, cookies: Cookies) -> Self {
        let query = web::Query::<LangQuery>::from_query(req.query_string()).ok().and_then(|q| q.into_inner().lang);
        let cookie = cookies.read(req, CookieName::Lang);
        let accepted: Vec<String> = AcceptLanguage::parse(req)
            .map(|header| header.ranked().iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let lang = Lang::negotiate(query.as_deref(), cookie.as_deref(), accepted.iter().map(String::as_str));
        Self { lang, chosen_now: query.as_deref() == Some(lang.as_str()) }
    }
}

/// One page request: the app, the request, its language and the visitor's
/// form token.
pub struct PageContext {
    pub state: web::Data<AppState>,
    pub req: HttpRequest,
    pub lang: PageLang,
    csrf: CsrfToken,
    /// Whether the page shows a form, so that a new token's cookie must be set.
    csrf_shown: Cell<bool>,
}

impl FromRequest for PageContext {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Self::of(req))
    }
}

impl PageContext {
    fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = app_state(req)?;
        let cookies = state.cookies;
        let csrf = cookies.csrf(req, &state.keys);
        Ok(Self { lang: PageLang::of(req, cookies), req: req.clone(), state, csrf, csrf_shown: Cell::new(false) })
    }

    pub fn texts(&self) -> Texts<'_> {
        Texts::new(&self.state.catalogues, self.lang.lang).at(self.req.path(), self.req.query_string())
    }

    /// The anti-forgery token for a form on this page.
    pub fn csrf(&self) -> String {
        self.csrf_shown.set(true);
        self.csrf.token.clone()
    }

    /// The visitor's address, as seen through the trusted proxies.
    pub fn client(&self) -> Option<std::net::IpAddr> {
        crate::http::limits::client_address(&self.req, &self.state.settings.public.trusted_proxies)
    }

    /// A cookie for the pages (see [`Cookies`]).
    pub fn cookie(&self, name: CookieName, value: String) -> Cookie<'static> {
        self.state.cookies.build(name, value)
    }

    /// The cookie that ends the named one.
    pub fn removal(&self, name: CookieName) -> Cookie<'static> {
        self.state.cookies.removal(name)
    }

    /// The value of one of the visitor's cookies.
    pub fn cookie_value(&self, name: CookieName) -> Option<String> {
        self.state.cookies.read(&self.req, name)
    }

    pub fn render(&self, page: &impl Template, status: StatusCode) -> Result<HttpResponse, ApiError> {
        self.render_with(page, status, Vec::new())
    }

    /// Renders a page as HTML with a status and cookies to set; remembers a
    /// language the visitor just chose and the token of a form shown first.
    pub fn render_with(
        &self,
        page: &impl Template,
        status: StatusCode,
        cookies: Vec<Cookie<'static>>,
    ) -> Result<HttpResponse, ApiError> {
        let html = page.render().map_err(ApiError::internal)?;
        let mut response = HttpResponse::build(status);
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_LANGUAGE, self.lang.lang.as_str()));
        let new_token = self.csrf.new_cookie.clone().filter(|_| self.csrf_shown.get());
        for cookie in cookies.into_iter().chain(new_token) {
            response.cookie(cookie);
        }
        if self.lang.chosen_now {
            response.cookie(self.state.cookies.lang(self.lang.lang.as_str()));
        }
        Ok(response.body(html))
    }

    /// A page that only says something: a refusal, or a form that cannot go on.
    pub fn notice(
        &self,
        status: StatusCode,
        title: &'static str,
        message: &'static str,
    ) -> Result<HttpResponse, ApiError> {
        // Where to go on: back to the record for an owner's page, otherwise a new claim.
        let next = match title {
            "my-title" => ("/my", "my-back"),
            _ => ("/claim", "claim-start-again"),
        };
        self.render(&NoticePage { t: self.texts(), title, message, next }, status)
    }

    /// The answer to a visitor over a limit: a 429 page under `title`, with `Retry-After`.
    pub fn rate_limited(&self, title: &'static str, seconds: u64) -> Result<HttpResponse, ApiError> {
        let mut response = self.notice(StatusCode::TOO_MANY_REQUESTS, title, "claim-rate-limited")?;
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        Ok(response)
    }

    /// The identity the owner's session cookie is for, if it is valid.
    pub async fn owner(&self) -> Result<Option<IdentityId>, ApiError> {
        let Some(cookie) = self.cookie_value(CookieName::Owner) else { return Ok(None) };
        let keys = self.state.keys.clone();
        Ok(call(&self.state, move |conn| owners::session(conn, &keys, &cookie, crate::db::now())).await??)
    }

    /// The official signed in through the session cookie, if the session is live.
    pub async fn official(&self) -> Result<Option<Official>, ApiError> {
        let Some(token) = self.cookie_value(CookieName::Official) else { return Ok(None) };
        let keys = self.state.keys.clone();
        Ok(call(&self.state, move |conn| officials::authenticate(conn, &keys, &token, crate::db::now())).await??)
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage<'a> {
    t: Texts<'a>,
    title: &'static str,
    message: &'static str,
    /// The link onwards: its address and its message id.
    next: (&'static str, &'static str),
}

/// An owner's refusal (a wrong code, key or ticket) as `None`, for the page
/// to answer in its own words; a storage failure stays an error.
pub fn refused_as_none<T>(result: Result<T, OwnerError>) -> Result<Option<T>, ApiError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(OwnerError::Rejected) => Ok(None),
        Err(OwnerError::Db(e)) => Err(e.into()),
    }
}

/// A code mailed to the owner, typed back.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    pub code: String,
}

/// The token of a link mailed to the owner, in its query or, to act, in the form its page holds.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TokenParam {
    pub token: String,
}

/// A 303 to `to`: the answer to a form that worked, or to a page that needs a session.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_owned())).finish()
}

/// A response for an extractor to answer with instead of running the handler.
fn answer(response: Result<HttpResponse, ApiError>) -> actix_web::Error {
    match response {
        Ok(response) => InternalError::from_response("answered before the handler", response).into(),
        Err(e) => e.into(),
    }
}

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A form whose only field is its anti-forgery token (sign-out, disclosure).
#[derive(Deserialize)]
pub struct EmptyForm {}

/// A submitted form (`application/x-www-form-urlencoded`, repeated names
/// collected into lists) whose anti-forgery token matched, and the session
/// `S` it needs ([`OwnerSession`], [`OfficialSession`], or none). The token
/// is checked first, then the session, then the fields: a forged form is
/// refused as forged whatever else is wrong with it.
pub struct CheckedForm<T, S = ()>(pub T, pub S);

impl<T: DeserializeOwned + 'static, S: FromRequest + 'static> FromRequest for CheckedForm<T, S> {
    type Error = actix_web::Error;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let page = PageContext::of(&req)?;
            // A page, not JSON: a browser (or someone editing a form by hand) reads the answer.
            let unreadable =
                || answer(page.notice(StatusCode::BAD_REQUEST, "form-unreadable-title", "form-unreadable"));
            let is_form = matches!(req.mime_type(), Ok(Some(mime)) if mime.essence_str() == FORM_CONTENT_TYPE);
            let body = match body.await {
                Ok(body) => body,
                Err(e) if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(ApiError::PayloadTooLarge.into());
                }
                Err(_) => return Err(unreadable()),
            };
            let CsrfField { csrf } = serde_html_form::from_bytes(&body).map_err(|_| unreadable())?;
            if !page.state.cookies.csrf_valid(&req, &page.state.keys, &csrf) {
                return Err(answer(page.notice(StatusCode::FORBIDDEN, "form-expired-title", "form-expired")));
            }
            let session = S::from_request(&req, &mut Payload::None).await.map_err(Into::into)?;
            if !is_form {
                return Err(unreadable());
            }
            Ok(Self(serde_html_form::from_bytes(&body).map_err(|_| unreadable())?, session))
        })
    }
}

/// The signed-in owner; without a valid session the visitor is sent to `/my`
/// to sign in. Forms take it through [`CheckedForm`], so that their token is
/// checked first.
pub struct OwnerSession(pub IdentityId);

impl FromRequest for OwnerSession {
    type Error = actix_web::Error;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let page = PageContext::of(req);
        Box::pin(async move {
            match page?.owner().await? {
                Some(identity) => Ok(Self(identity)),
                None => Err(answer(Ok(see_other("/my")))),
            }
        })
    }
}

/// The signed-in official; without a live session the visitor is sent to
/// `/regulator` to sign in. Forms take it through [`CheckedForm`], so that
/// their token is checked first.
pub struct OfficialSession(pub Official);

impl FromRequest for OfficialSession {
    type Error = actix_web::Error;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let page = PageContext::of(req);
        Box::pin(async move {
            match page?.official().await? {
                Some(official) => Ok(Self(official)),
                None => Err(answer(Ok(see_other("/regulator")))),
            }
        })
    }
}
