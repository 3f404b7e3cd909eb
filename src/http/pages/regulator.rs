//! `/regulator`: the officials' forms over the same rules as the JSON API
//! (login with TOTP, filing, four-eyes decisions, disclosure). A session is
//! the API's bearer token, kept in an HttpOnly, SameSite=Strict cookie.

use super::claim::forged;
use super::{PageLang, render_with};
use crate::domain::{Field, LegalBasis, RequestId, Role};
use crate::http::error::ApiError;
use crate::http::forms::{cookie, csrf_for};
use crate::http::regulator::requests::{
    AccountTarget, BasisDocumentDto, DecisionRequest, FileRequest, IdentifierTarget, TargetDto, access_error,
    decide_request, file_request, open_disclosure,
};
use crate::http::{AppState, with_conn};
use crate::i18n::Texts;
use crate::services::access::{self, RequestRow};
use crate::services::officials::{self, LoginError, Official};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

const SESSION_COOKIE: &str = "regulator";

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, to.to_owned())).finish()
}

/// The official signed in through the session cookie, if it is live.
async fn signed_in(state: &web::Data<AppState>, req: &HttpRequest) -> Result<Option<Official>, ApiError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else { return Ok(None) };
    let app = state.clone();
    with_conn(&state.pool, move |conn| Ok(officials::authenticate(conn, &app.keys, &token, crate::db::now())?)).await
}

/// A refusal shown at the top of a page.
#[derive(Debug, Clone, Copy)]
enum Problem {
    Message(&'static str),
    DataDeleted(chrono::NaiveDate),
}

impl Problem {
    fn text(self, t: &Texts<'_>) -> String {
        match self {
            Problem::Message(id) => t.get(id),
            Problem::DataDeleted(on) => t.with("reg-problem-data_deleted", "date", on.to_string()),
        }
    }
}

/// What a page says for a refusal from the shared request logic.
fn problem_of(error: &ApiError) -> Option<Problem> {
    Some(Problem::Message(match error {
        ApiError::Forbidden(_) => "reg-problem-forbidden",
        ApiError::NotFound(_) => "reg-problem-not_found",
        ApiError::DailyLimit { .. } => "reg-problem-daily_limit_reached",
        ApiError::DataDeleted(on) => return Some(Problem::DataDeleted(*on)),
        ApiError::TooManyRequests(_) => "reg-problem-busy",
        ApiError::Conflict { code: "already_decided", .. } => "reg-problem-already_decided",
        ApiError::Conflict { code: "not_approved", .. } => "reg-problem-not_approved",
        ApiError::Conflict { code: "approval_expired", .. } => "reg-problem-approval_expired",
        ApiError::Conflict { code: "openings_used", .. } => "reg-problem-openings_used",
        _ => return None,
    }))
}

/// A refused form: 422 for invalid input, otherwise the API's status.
fn page_status(error: &ApiError) -> StatusCode {
    match error {
        ApiError::BadRequest { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        other => actix_web::ResponseError::status_code(other),
    }
}

/// The form section an `invalid_field` error points at (`basis_document.date` → `basis_document`).
fn invalid_section(error: &ApiError) -> Option<&'static str> {
    let ApiError::BadRequest { code: "invalid_field", message } = error else { return None };
    let path = message.split(':').next().unwrap_or_default();
    ["target", "legal_basis", "basis_document", "justification", "fields", "reason", "notify_owner_after"]
        .into_iter()
        .find(|section| path == *section || path.starts_with(&format!("{section}.")))
}

#[derive(Template)]
#[template(path = "regulator/login.html")]
struct LoginPage<'a> {
    t: Texts<'a>,
    csrf: String,
    username: String,
    problem: Option<Problem>,
}

fn login_page(
    state: &AppState,
    req: &HttpRequest,
    lang: PageLang,
    username: String,
    problem: Option<Problem>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let csrf = csrf_for(req, &state.keys);
    let page = LoginPage { t: Texts::new(&state.catalogues, lang.lang), csrf: csrf.token, username, problem };
    render_with(&page, lang, status, csrf.new_cookie.into_iter().collect())
}

/// `GET /regulator`
pub(super) async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
) -> Result<HttpResponse, ApiError> {
    match signed_in(&state, &req).await? {
        Some(_) => Ok(see_other("/regulator/requests")),
        None => login_page(&state, &req, lang, String::new(), None, StatusCode::OK),
    }
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: SecretString,
    #[serde(default)]
    totp: String,
}

/// `POST /regulator/login`
pub(super) async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    let Some(_permit) = state.argon2_gate.try_acquire() else {
        return login_page(
            &state,
            &req,
            lang,
            form.username.clone(),
            Some(Problem::Message("reg-problem-busy")),
            StatusCode::TOO_MANY_REQUESTS,
        );
    };
    let app = state.clone();
    let form = form.into_inner();
    let username = form.username.clone();
    let outcome = with_conn(&state.pool, move |conn| {
        match officials::login(conn, &app.keys, &form.username, &form.password, &form.totp, crate::db::now()) {
            Ok(session) => Ok(Ok(session)),
            Err(LoginError::Rejected) => Ok(Err(("reg-login-rejected", StatusCode::UNPROCESSABLE_ENTITY))),
            Err(LoginError::Locked(_)) => Ok(Err(("reg-login-locked", StatusCode::TOO_MANY_REQUESTS))),
            Err(LoginError::Db(e)) => Err(e.into()),
        }
    })
    .await?;
    match outcome {
        Ok(session) => {
            let mut response = see_other("/regulator/requests");
            let value = session.token.expose_secret().to_owned();
            response.add_cookie(&cookie(&req, SESSION_COOKIE, value)).map_err(ApiError::internal)?;
            Ok(response)
        }
        Err((problem, status)) => login_page(&state, &req, lang, username, Some(Problem::Message(problem)), status),
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /regulator/logout`
pub(super) async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    if let Some(official) = signed_in(&state, &req).await? {
        with_conn(&state.pool, move |conn| Ok(officials::logout(conn, &official, crate::db::now())?)).await?;
    }
    let mut response = see_other("/regulator");
    let mut gone = cookie(&req, SESSION_COOKIE, String::new());
    gone.make_removal();
    response.add_cookie(&gone).map_err(ApiError::internal)?;
    Ok(response)
}

/// One line of the request list.
struct ListedRequest {
    id: RequestId,
    filed: String,
    basis: String,
    state: String,
}

#[derive(Template)]
#[template(path = "regulator/requests.html")]
struct RequestsPage<'a> {
    t: Texts<'a>,
    csrf: String,
    can_file: bool,
    problem: Option<Problem>,
    requests: Vec<ListedRequest>,
}

/// `GET /regulator/requests`
pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
) -> Result<HttpResponse, ApiError> {
    let Some(official) = signed_in(&state, &req).await? else { return Ok(see_other("/regulator")) };
    let can_file = official.roles.contains(Role::Requester);
    let rows = with_conn(&state.pool, move |conn| access::list(conn, &official, 200).map_err(access_error)).await?;
    let t = Texts::new(&state.catalogues, lang.lang);
    let now = crate::db::now();
    let requests = rows
        .iter()
        .map(|r| ListedRequest {
            id: r.id,
            filed: super::utc_minute(r.created_at),
            basis: t.get(&format!("basis-{}", r.legal_basis)),
            state: t.get(&format!("outcome-{}", r.state_at(now))),
        })
        .collect();
    let csrf = csrf_for(&req, &state.keys);
    let page = RequestsPage { t, csrf: csrf.token, can_file, problem: None, requests };
    no_store(render_with(&page, lang, StatusCode::OK, csrf.new_cookie.into_iter().collect()))
}

/// What the new-request form keeps between attempts (never the identifier).
#[derive(Default, Deserialize)]
pub(super) struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    account_ref: String,
    #[serde(default)]
    identifier_type: String,
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    basis_number: String,
    #[serde(default)]
    basis_date: String,
    #[serde(default)]
    basis_issuer: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    fields: Vec<String>,
}

impl RequestForm {
    fn wants(&self, field: &Field) -> bool {
        self.fields.iter().any(|f| f == field.as_str())
    }

    fn to_request(&self) -> FileRequest {
        let target = if self.target == "identifier" {
            TargetDto::Identifier(IdentifierTarget {
                identifier_type: self.identifier_type.clone(),
                identifier: self.identifier.clone(),
                country: Some(self.country.clone()).filter(|c| !c.is_empty()),
            })
        } else {
            TargetDto::Account(AccountTarget { platform: self.platform.clone(), account_ref: self.account_ref.clone() })
        };
        FileRequest {
            target,
            legal_basis: self.legal_basis.clone(),
            basis_document: BasisDocumentDto {
                number: self.basis_number.clone(),
                date: self.basis_date.clone(),
                issuer: self.basis_issuer.clone(),
            },
            justification: self.justification.clone(),
            fields: self.fields.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "regulator/new_request.html")]
struct NewRequestPage<'a> {
    t: Texts<'a>,
    csrf: String,
    can_file: bool,
    problem: Option<Problem>,
    error: Option<&'static str>,
    form: RequestForm,
    bases: &'static [LegalBasis],
    all_fields: &'static [Field],
}

fn new_request_page(
    state: &AppState,
    req: &HttpRequest,
    lang: PageLang,
    form: RequestForm,
    (problem, error): (Option<Problem>, Option<&'static str>),
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let csrf = csrf_for(req, &state.keys);
    let page = NewRequestPage {
        t: Texts::new(&state.catalogues, lang.lang),
        csrf: csrf.token,
        can_file: true,
        problem,
        error,
        form,
        bases: LegalBasis::ALL,
        all_fields: Field::ALL,
    };
    render_with(&page, lang, status, csrf.new_cookie.into_iter().collect())
}

/// `GET /regulator/requests/new`
pub(super) async fn new_request(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
) -> Result<HttpResponse, ApiError> {
    if signed_in(&state, &req).await?.is_none() {
        return Ok(see_other("/regulator"));
    }
    new_request_page(&state, &req, lang, RequestForm::default(), (None, None), StatusCode::OK)
}

/// `POST /regulator/requests`. Parsed with `serde_html_form`: the data
/// checkboxes repeat one name, which `web::Form` cannot collect.
pub(super) async fn file(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Ok(mut form) = serde_html_form::from_bytes::<RequestForm>(&body) else {
        return Err(ApiError::BadRequest { code: "invalid_form", message: "the form could not be read".into() });
    };
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    let Some(official) = signed_in(&state, &req).await? else { return Ok(see_other("/regulator")) };
    match file_request(&state, official, form.to_request()).await {
        Ok(row) => Ok(see_other(&format!("/regulator/requests/{}", row.id))),
        Err(e) => {
            form.identifier.clear();
            let (problem, section) = (problem_of(&e), invalid_section(&e));
            if problem.is_none() && section.is_none() {
                return Err(e);
            }
            new_request_page(&state, &req, lang, form, (problem, section), page_status(&e))
        }
    }
}

#[derive(Template)]
#[template(path = "regulator/request.html")]
struct RequestPage<'a> {
    t: Texts<'a>,
    csrf: String,
    can_file: bool,
    problem: Option<Problem>,
    error: Option<&'static str>,
    request: RequestRow,
    state: String,
    target: String,
    basis: String,
    fields: String,
    filed: String,
    can_decide: bool,
    can_open: bool,
    openings: i64,
}

async fn request_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    lang: PageLang,
    official: Official,
    id: RequestId,
    (problem, error): (Option<Problem>, Option<&'static str>),
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let viewer = official.clone();
    let request = with_conn(&state.pool, move |conn| access::view(conn, &viewer, id).map_err(access_error)).await?;
    let t = Texts::new(&state.catalogues, lang.lang);
    let now = crate::db::now();
    let current = request.state_at(now);
    let may = access::permissions(&official, &request, now);
    let target = match (&request.target_platform, &request.target_account_ref, &request.target_identifier_type) {
        (Some(platform), Some(account_ref), _) => format!("{platform} / {account_ref}"),
        (_, _, Some(kind)) => t.get(&format!("reg-target-by-{kind}")),
        _ => String::new(),
    };
    let fields = request.fields.as_slice().iter().map(|f| t.get(&format!("field-{f}"))).collect::<Vec<_>>().join(", ");
    let csrf = csrf_for(req, &state.keys);
    let page = RequestPage {
        can_file: official.roles.contains(Role::Requester),
        can_decide: may.decide,
        can_open: may.open,
        openings: request.openings.into(),
        state: t.get(&format!("outcome-{current}")),
        basis: t.get(&format!("basis-{}", request.legal_basis)),
        filed: super::utc_minute(request.created_at),
        csrf: csrf.token,
        t,
        problem,
        error,
        target,
        fields,
        request,
    };
    no_store(render_with(&page, lang, status, csrf.new_cookie.into_iter().collect()))
}

/// `GET /regulator/requests/{id}`
pub(super) async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    path: web::Path<RequestId>,
) -> Result<HttpResponse, ApiError> {
    let Some(official) = signed_in(&state, &req).await? else { return Ok(see_other("/regulator")) };
    request_page(&state, &req, lang, official, path.into_inner(), (None, None), StatusCode::OK).await
}

#[derive(Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    approve: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    notify_owner_after: String,
}

/// `POST /regulator/requests/{id}/decision`
pub(super) async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    path: web::Path<RequestId>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    let Some(official) = signed_in(&state, &req).await? else { return Ok(see_other("/regulator")) };
    let id = path.into_inner();
    let notify_owner_after = match form.notify_owner_after.trim() {
        "" => Ok(None),
        // A date means the start of that day, UTC.
        date => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map(|d| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
            .map_err(|_| ()),
    };
    let outcome = match notify_owner_after {
        Ok(notify_owner_after) => {
            let body =
                DecisionRequest { approve: form.approve == "true", reason: form.reason.clone(), notify_owner_after };
            decide_request(&state, official.clone(), id, body).await
        }
        Err(()) => Err(ApiError::invalid_field("notify_owner_after", "must be a date")),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/regulator/requests/{id}"))),
        Err(e) => {
            let (problem, section) = (problem_of(&e), invalid_section(&e));
            if problem.is_none() && section.is_none() {
                return Err(e);
            }
            request_page(&state, &req, lang, official, id, (problem, section), page_status(&e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "regulator/disclosure.html")]
struct DisclosurePage<'a> {
    t: Texts<'a>,
    csrf: String,
    can_file: bool,
    problem: Option<Problem>,
    id: RequestId,
    fields: Vec<(String, zeroize::Zeroizing<String>)>,
    accounts: Vec<String>,
}

/// `POST /regulator/requests/{id}/disclosure`: the approved fields, once more counted and logged.
pub(super) async fn disclose(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    path: web::Path<RequestId>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    let Some(official) = signed_in(&state, &req).await? else { return Ok(see_other("/regulator")) };
    let id = path.into_inner();
    let disclosed = match open_disclosure(&state, official.clone(), id).await {
        Ok(disclosed) => disclosed,
        Err(e) => {
            let Some(problem) = problem_of(&e) else { return Err(e) };
            return request_page(&state, &req, lang, official, id, (Some(problem), None), page_status(&e)).await;
        }
    };
    let t = Texts::new(&state.catalogues, lang.lang);
    let csrf = csrf_for(&req, &state.keys);
    let page = DisclosurePage {
        fields: disclosed.fields.into_iter().map(|(field, value)| (t.get(&format!("field-{field}")), value)).collect(),
        accounts: disclosed
            .accounts
            .into_iter()
            .map(|a| format!("{} / {}: {}", a.platform, a.account_ref, t.get(&format!("status-{}", a.status))))
            .collect(),
        csrf: csrf.token,
        can_file: official.roles.contains(Role::Requester),
        problem: None,
        t,
        id,
    };
    no_store(render_with(&page, lang, StatusCode::OK, csrf.new_cookie.into_iter().collect()))
}

/// Officials' pages name cases and people: browsers must not keep them.
fn no_store(response: Result<HttpResponse, ApiError>) -> Result<HttpResponse, ApiError> {
    response.map(|mut r| {
        r.headers_mut().insert(CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
        r
    })
}
