//! Signing in and out of the regulator pages.

use super::{Problem, no_store};
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::context::{CheckedForm, EmptyForm, PageContext, see_other};
use crate::http::pages::cookies::CookieName;
use crate::http::regulator::{NotLoggedIn, log_in};
use crate::i18n::Texts;
use crate::services::officials::{self, LoginError};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "regulator/login.html")]
struct LoginPage<'a> {
    t: Texts<'a>,
    csrf: String,
    username: String,
    problem: Option<Problem>,
}

fn login_page(
    page: &PageContext,
    username: String,
    problem: Option<Problem>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    no_store(page.render(&LoginPage { t: page.texts(), csrf: page.csrf(), username, problem }, status))
}

/// `GET /regulator`
pub(super) async fn start(page: PageContext) -> Result<HttpResponse, ApiError> {
    match page.official().await? {
        Some(official) => Ok(see_other(super::Nav::of(&official).home())),
        None => login_page(&page, String::new(), None, StatusCode::OK),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct LoginForm {
    username: String,
    password: SecretString,
    totp: String,
}

/// `POST /regulator/login`
pub(super) async fn login(page: PageContext, form: CheckedForm<LoginForm>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(LoginForm { username, password, totp }, ()) = form;
    let refused = match log_in(&page.state, page.client(), username.clone(), password, totp).await? {
        Ok(session) => {
            let mut response = see_other("/regulator");
            let cookie = page.cookie(CookieName::Official, session.token.expose_secret().to_owned());
            response.add_cookie(&cookie).map_err(ApiError::internal)?;
            return Ok(response);
        }
        Err(refused) => refused,
    };
    let (message, status) = match refused {
        NotLoggedIn::Busy => ("reg-problem-busy", StatusCode::TOO_MANY_REQUESTS),
        NotLoggedIn::ClientBarred(_) => ("reg-login-too-many", StatusCode::TOO_MANY_REQUESTS),
        NotLoggedIn::Refused(LoginError::Rejected | LoginError::UnknownUser) => {
            ("reg-login-rejected", StatusCode::UNPROCESSABLE_ENTITY)
        }
        NotLoggedIn::Refused(LoginError::Locked(_)) => ("reg-login-locked", StatusCode::TOO_MANY_REQUESTS),
        NotLoggedIn::Refused(LoginError::Db(e)) => return Err(e.into()),
    };
    login_page(&page, username, Some(Problem::Message(message)), status)
}

/// `POST /regulator/logout`
pub(super) async fn logout(page: PageContext, _form: CheckedForm<EmptyForm>) -> Result<HttpResponse, ApiError> {
    if let Some(official) = page.official().await? {
        call(&page.state, move |conn| officials::logout(conn, &official, crate::db::now())).await??;
    }
    let mut response = see_other("/regulator");
    response.add_cookie(&page.removal(CookieName::Official)).map_err(ApiError::internal)?;
    Ok(response)
}
