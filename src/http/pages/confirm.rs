//! `/claim/confirm`: the code mailed for an identification, entered in the
//! browser that claimed the account; then on to the confirmation.

use super::context::{CheckedForm, CodeForm, EmptyForm, PageContext, see_other};
use super::identify::claimed;
use super::problems::Problems;
use super::receipt::{Receipt, back_to_confirmation};
use crate::crypto::token::expose;
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::cookies::CookieName;
use crate::i18n::Texts;
use crate::services::identification::{self, ConfirmError, Confirmed, StartError};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    t: Texts<'a>,
    csrf: String,
    handle: String,
    minutes: i64,
    /// A problem with the code typed.
    problems: Problems,
    sent_again: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct SentQuery {
    sent: Option<String>,
}

async fn confirm_page(
    page: &PageContext,
    problem: Option<String>,
    sent_again: bool,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let Some(claimed) = claimed(page).await? else {
        return back_to_confirmation(page, || page.notice(StatusCode::FORBIDDEN, "claim-title", "claim-expired"));
    };
    let mut problems = Problems::default();
    if let Some(problem) = problem {
        problems.add("code", "code", problem);
    }
    let shown = ConfirmPage {
        t: page.texts(),
        csrf: page.csrf(),
        handle: claimed.account.handle.as_str().to_owned(),
        minutes: identification::CODE_LIFETIME.num_minutes(),
        problems,
        sent_again,
    };
    page.render(&shown, status)
}

/// `GET /claim/confirm`: the same page whether the code went to the address
/// typed or to the address of a record already on file.
pub(super) async fn confirm_form(page: PageContext, query: web::Query<SentQuery>) -> Result<HttpResponse, ApiError> {
    confirm_page(&page, None, query.sent.is_some(), StatusCode::OK).await
}

/// `POST /claim/confirm`
pub(super) async fn confirm(page: PageContext, form: CheckedForm<CodeForm>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(CodeForm { code }, ()) = form;
    let handle = claimed(&page).await?.map(|c| c.account.handle.as_str().to_owned()).unwrap_or_default();
    let ticket = page.cookie_value(CookieName::Claim).unwrap_or_default();
    let state = page.state.clone();
    let confirmed = call(&page.state, move |conn| {
        identification::confirm(conn, &state.keys, &state.settings.policy, &ticket, &code, crate::db::now())
    })
    .await?;
    let t = page.texts();
    let (problem, status) = match confirmed {
        Ok(confirmed) => {
            tracing::info!(new_record = matches!(confirmed, Confirmed::NewRecord { .. }), "account identified");
            let created = match confirmed {
                Confirmed::NewRecord { reference, management_key } => {
                    Some((reference, expose(&management_key).to_owned()))
                }
                Confirmed::AddedToRecord => None,
            };
            let receipt = Receipt { handle, created, finished_at: crate::db::now() };
            let mut done = see_other("/claim/done");
            for cookie in [receipt.cookie(&page)?, page.removal(CookieName::Claim)] {
                done.add_cookie(&cookie).map_err(ApiError::internal)?;
            }
            return Ok(done);
        }
        Err(ConfirmError::WrongCode { attempts_left }) => {
            (t.count("confirm-wrong-code", i64::from(attempts_left)), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ConfirmError::Expired) => (t.get("confirm-expired"), StatusCode::UNPROCESSABLE_ENTITY),
        Err(ConfirmError::TooManyFailures) => (t.get("confirm-too-many-failures"), StatusCode::TOO_MANY_REQUESTS),
        Err(ConfirmError::Superseded) => {
            return page.notice(StatusCode::CONFLICT, "claim-title", "confirm-start-again");
        }
        Err(ConfirmError::Rejected) => return page.notice(StatusCode::FORBIDDEN, "claim-title", "claim-expired"),
        Err(ConfirmError::Db(e)) => return Err(e.into()),
    };
    confirm_page(&page, Some(problem), false, status).await
}

/// `POST /claim/confirm/resend`: a new code; the earlier one stops working.
pub(super) async fn resend(page: PageContext, _form: CheckedForm<EmptyForm>) -> Result<HttpResponse, ApiError> {
    let ticket = page.cookie_value(CookieName::Claim).unwrap_or_default();
    let state = page.state.clone();
    let sent = call(&page.state, move |conn| {
        identification::resend(conn, &state.keys, &state.settings.policy, &ticket, crate::db::now())
    })
    .await?;
    match sent {
        Ok(()) => Ok(see_other("/claim/confirm?sent=1")),
        Err(StartError::TooManyCodes) => {
            page.notice(StatusCode::TOO_MANY_REQUESTS, "claim-title", "confirm-too-many-codes")
        }
        Err(StartError::Rejected) => page.notice(StatusCode::FORBIDDEN, "claim-title", "claim-expired"),
        Err(StartError::Db(e)) => Err(e.into()),
    }
}
