//! `/my`: an owner's own record, behind their reference and management key.

use super::claim::{forged, notice, owner_error};
use super::{PageLang, render_with};
use crate::domain::{AccountId, ContactEmail, IdentityId};
use crate::http::error::ApiError;
use crate::http::forms::{cookie, csrf_for};
use crate::http::{AppState, with_conn};
use crate::i18n::Texts;
use crate::services::owners::{self, MyAccount, OwnerError};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const SESSION_COOKIE: &str = "my";

#[derive(Template)]
#[template(path = "my_sign_in.html")]
struct SignInPage<'a> {
    t: Texts<'a>,
    csrf: String,
    reference: String,
    problem: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "my.html")]
struct RecordPage<'a> {
    t: Texts<'a>,
    csrf: String,
    accounts: Vec<MyAccount>,
    disclosures: Vec<DisclosureView>,
    /// When the data will be crypto-shredded, once no account needs it.
    deleted_on: Option<String>,
    done: Option<&'static str>,
    email_error: Option<&'static str>,
}

/// One disclosure line on `/my`.
struct DisclosureView {
    date: String,
    basis: String,
    authority: String,
}

impl RecordPage<'_> {
    fn status_label(&self, account: &MyAccount) -> String {
        self.t.get(&format!("status-{}", account.status.as_str()))
    }
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, to.to_owned())).finish()
}

/// The signed-in owner's identity, if the session cookie is valid.
async fn signed_in(state: &web::Data<AppState>, req: &HttpRequest) -> Result<Option<IdentityId>, ApiError> {
    let Some(session) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else { return Ok(None) };
    let app = state.clone();
    with_conn(&state.pool, move |conn| match owners::session(conn, &app.keys, &session, crate::db::now()) {
        Ok(id) => Ok(Some(id)),
        Err(OwnerError::Rejected) => Ok(None),
        Err(e) => Err(owner_error(e)),
    })
    .await
}

async fn record_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    lang: PageLang,
    identity_id: IdentityId,
    done: Option<&'static str>,
    email_error: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone();
    let record = with_conn(&state.pool, move |conn| {
        owners::my_record(conn, &app.settings.policy, identity_id, crate::db::now()).map_err(owner_error)
    })
    .await?;
    let (accounts, deleted_on) = (record.accounts, record.deleted_on);
    let t = Texts::new(&state.catalogues, lang.lang);
    let disclosures = record
        .disclosures
        .into_iter()
        .map(|d| DisclosureView {
            date: d.opened_at.format("%Y-%m-%d").to_string(),
            basis: t.get(&format!("basis-{}", d.legal_basis)),
            authority: d.authority,
        })
        .collect();
    let csrf = csrf_for(req, &state.keys);
    let deleted_on = deleted_on.map(|at| at.format("%Y-%m-%d").to_string());
    let page = RecordPage { t, csrf: csrf.token, accounts, disclosures, deleted_on, done, email_error };
    render_with(&page, lang, status, csrf.new_cookie.into_iter().collect())
}

fn sign_in_page(
    state: &AppState,
    req: &HttpRequest,
    lang: PageLang,
    reference: String,
    problem: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let csrf = csrf_for(req, &state.keys);
    let page = SignInPage { t: Texts::new(&state.catalogues, lang.lang), csrf: csrf.token, reference, problem };
    render_with(&page, lang, status, csrf.new_cookie.into_iter().collect())
}

#[derive(Debug, Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

/// `GET /my`: the record when signed in, otherwise the sign-in form.
pub(super) async fn my(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, ApiError> {
    match signed_in(&state, &req).await? {
        Some(identity_id) => {
            let done = match query.done.as_deref() {
                Some("email") => Some("my-email-changed"),
                Some("withdrawn") => Some("my-withdraw-done"),
                _ => None,
            };
            record_page(&state, &req, lang, identity_id, done, None, StatusCode::OK).await
        }
        None => sign_in_page(&state, &req, lang, String::new(), None, StatusCode::OK),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    management_key: String,
}

/// `POST /my/sign-in`
pub(super) async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    if state.claim_limits.check(&req, "my", &form.reference).is_err() {
        return notice(&state, lang, StatusCode::TOO_MANY_REQUESTS, "my-title", "claim-rate-limited");
    }
    let app = state.clone();
    let (reference, key) = (form.reference.clone(), form.management_key.clone());
    let session = with_conn(&state.pool, move |conn| {
        match owners::sign_in(conn, &app.keys, &reference, &key, crate::db::now()) {
            Ok(session) => Ok(Some(session)),
            Err(OwnerError::Rejected) => Ok(None),
            Err(e) => Err(owner_error(e)),
        }
    })
    .await?;
    match session {
        Some(session) => {
            let mut response = see_other("/my");
            response.add_cookie(&cookie(&req, SESSION_COOKIE, session)).map_err(ApiError::internal)?;
            Ok(response)
        }
        None => sign_in_page(
            &state,
            &req,
            lang,
            form.reference.clone(),
            Some("my-sign-in-rejected"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// `POST /my/email`
pub(super) async fn change_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    let Some(identity_id) = signed_in(&state, &req).await? else { return Ok(see_other("/my")) };
    let Ok(email) = ContactEmail::parse(&form.email) else {
        return record_page(
            &state,
            &req,
            lang,
            identity_id,
            None,
            Some("error-email"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let app = state.clone();
    with_conn(&state.pool, move |conn| {
        owners::change_email(conn, &app.keys, identity_id, &email, crate::db::now()).map_err(owner_error)
    })
    .await?;
    tracing::info!(identity.id = identity_id.get(), "contact e-mail changed");
    Ok(see_other("/my?done=email"))
}

#[derive(Debug, Deserialize)]
pub(super) struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    account_id: AccountId,
}

/// `POST /my/withdraw`
pub(super) async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    form: web::Form<WithdrawForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    let Some(identity_id) = signed_in(&state, &req).await? else { return Ok(see_other("/my")) };
    let app = state.clone();
    let account_id = form.account_id;
    let withdrawn = with_conn(&state.pool, move |conn| {
        match owners::withdraw(conn, &app.settings.policy, identity_id, account_id, crate::db::now()) {
            Ok(()) => Ok(true),
            Err(OwnerError::Rejected) => Ok(false),
            Err(e) => Err(owner_error(e)),
        }
    })
    .await?;
    if !withdrawn {
        return notice(&state, lang, StatusCode::CONFLICT, "my-title", "my-withdraw-refused");
    }
    tracing::info!(identity.id = identity_id.get(), account.id = account_id.get(), "account withdrawn by its owner");
    Ok(see_other("/my?done=withdrawn"))
}

#[derive(Debug, Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /my/sign-out`
pub(super) async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    let mut gone = cookie(&req, SESSION_COOKIE, String::new());
    gone.make_removal();
    let mut response = see_other("/");
    response.add_cookie(&gone).map_err(ApiError::internal)?;
    Ok(response)
}
