//! `/my`: an owner's own record, behind their reference and management key.

use super::context::{CheckedForm, EmptyForm, OwnerSession, PageContext, refused_as_none, see_other};
use crate::crypto::token::expose;
use crate::domain::{AccountId, ContactEmail, IdentityId};
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::cookies::CookieName;
use crate::i18n::Texts;
use crate::services::owners::{self, MyAccount, SignInError};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::web;
use askama::Template;
use serde::Deserialize;

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

async fn record_page(
    page: &PageContext,
    identity_id: IdentityId,
    (done, email_error): (Option<&'static str>, Option<&'static str>),
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let policy = page.state.settings.policy.clone();
    let record =
        call(&page.state.pool, move |conn| owners::my_record(conn, &policy, identity_id, crate::db::now())).await??;
    let t = page.texts();
    let disclosures = record
        .disclosures
        .into_iter()
        .map(|d| DisclosureView {
            date: d.opened_at.format("%Y-%m-%d").to_string(),
            basis: t.get(&format!("basis-{}", d.legal_basis)),
            authority: d.authority,
        })
        .collect();
    let shown = RecordPage {
        t,
        csrf: page.csrf(),
        accounts: record.accounts,
        disclosures,
        deleted_on: record.deleted_on.map(|at| at.format("%Y-%m-%d").to_string()),
        done,
        email_error,
    };
    page.render(&shown, status)
}

fn sign_in_page(
    page: &PageContext,
    reference: String,
    problem: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    page.render(&SignInPage { t: page.texts(), csrf: page.csrf(), reference, problem }, status)
}

#[derive(Debug, Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

/// `GET /my`: the record when signed in, otherwise the sign-in form.
pub(super) async fn my(page: PageContext, query: web::Query<DoneQuery>) -> Result<HttpResponse, ApiError> {
    let Some(identity_id) = page.owner().await? else {
        return sign_in_page(&page, String::new(), None, StatusCode::OK);
    };
    let done = match query.done.as_deref() {
        Some("email") => Some("my-email-changed"),
        Some("withdrawn") => Some("my-withdraw-done"),
        _ => None,
    };
    record_page(&page, identity_id, (done, None), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SignInForm {
    reference: String,
    management_key: String,
}

/// `POST /my/sign-in`: failures count against the client address and against
/// the record the reference names; successes cost nothing.
pub(super) async fn sign_in(page: PageContext, form: CheckedForm<SignInForm>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(form, ()) = form;
    let client = page.client();
    if let Some(seconds) = page.state.sign_in_limits.client_barred(client) {
        return rate_limited(&page, seconds);
    }
    let (state, reference, key) = (page.state.clone(), form.reference.clone(), form.management_key);
    let signed_in = call(&page.state.pool, move |conn| {
        let barred = |record| state.sign_in_limits.record_barred(record);
        owners::sign_in(conn, &state.keys, &reference, &key, barred, crate::db::now())
    })
    .await?;
    match signed_in {
        Ok(session) => {
            let mut response = see_other("/my");
            let cookie = page.cookie(CookieName::Owner, expose(&session).to_owned());
            response.add_cookie(&cookie).map_err(ApiError::internal)?;
            Ok(response)
        }
        Err(SignInError::Rejected { record }) => {
            tracing::info!("owner sign-in refused");
            page.state.sign_in_limits.failed(client, record);
            sign_in_page(&page, form.reference, Some("my-sign-in-rejected"), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(SignInError::Locked { seconds }) => rate_limited(&page, seconds),
        Err(SignInError::Db(e)) => Err(e.into()),
    }
}

fn rate_limited(page: &PageContext, seconds: u64) -> Result<HttpResponse, ApiError> {
    let mut response = page.notice(StatusCode::TOO_MANY_REQUESTS, "my-title", "claim-rate-limited")?;
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct EmailForm {
    email: String,
}

/// `POST /my/email`
pub(super) async fn change_email(
    page: PageContext,
    form: CheckedForm<EmailForm, OwnerSession>,
) -> Result<HttpResponse, ApiError> {
    let CheckedForm(form, OwnerSession(identity_id)) = form;
    let Ok(email) = ContactEmail::parse(&form.email) else {
        return record_page(&page, identity_id, (None, Some("error-email")), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (keys, lang) = (page.state.keys.clone(), page.texts().lang);
    call(&page.state.pool, move |conn| owners::change_email(conn, &keys, identity_id, &email, lang, crate::db::now()))
        .await??;
    tracing::info!(identity.id = identity_id.get(), "contact e-mail changed");
    Ok(see_other("/my?done=email"))
}

#[derive(Debug, Deserialize)]
pub(super) struct WithdrawForm {
    account_id: AccountId,
}

/// `POST /my/withdraw`
pub(super) async fn withdraw(
    page: PageContext,
    form: CheckedForm<WithdrawForm, OwnerSession>,
) -> Result<HttpResponse, ApiError> {
    let CheckedForm(WithdrawForm { account_id }, OwnerSession(identity_id)) = form;
    let policy = page.state.settings.policy.clone();
    let withdrawn =
        call(&page.state.pool, move |conn| owners::withdraw(conn, &policy, identity_id, account_id, crate::db::now()))
            .await?;
    if refused_as_none(withdrawn)?.is_none() {
        return page.notice(StatusCode::CONFLICT, "my-title", "my-withdraw-refused");
    }
    tracing::info!(identity.id = identity_id.get(), account.id = account_id.get(), "account withdrawn by its owner");
    Ok(see_other("/my?done=withdrawn"))
}

/// `POST /my/sign-out`: the session ends on the server, so a copy of the cookie is worthless.
pub(super) async fn sign_out(page: PageContext, _form: CheckedForm<EmptyForm>) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = page.cookie_value(CookieName::Owner) {
        let keys = page.state.keys.clone();
        call(&page.state.pool, move |conn| owners::sign_out(conn, &keys, &cookie, crate::db::now())).await??;
    }
    let mut response = see_other("/");
    response.add_cookie(&page.removal(CookieName::Owner)).map_err(ApiError::internal)?;
    Ok(response)
}
