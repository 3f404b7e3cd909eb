//! `/my/report`: from the notice of a new link, the record's owner says the
//! account is not theirs. The link in the mail opens a page that asks; only
//! the form (with its anti-forgery token) acts.

use super::context::{CheckedForm, PageContext, TokenParam};
use crate::http::call;
use crate::http::error::ApiError;
use crate::i18n::Texts;
use crate::services::identification::{self, ReportedLink};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    t: Texts<'a>,
    csrf: String,
    token: String,
    link: Option<ReportedLink>,
    done: bool,
}

/// `GET /my/report?token=…`
pub(super) async fn report_form(page: PageContext, query: web::Query<TokenParam>) -> Result<HttpResponse, ApiError> {
    let token = query.into_inner().token;
    let (keys, looked_up) = (page.state.keys.clone(), token.clone());
    let link = call(&page.state, move |conn| identification::reported_link(conn, &keys, &looked_up, crate::db::now()))
        .await??;
    let status = if link.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    page.render(&ReportPage { t: page.texts(), csrf: page.csrf(), token, link, done: false }, status)
}

/// `POST /my/report`
pub(super) async fn report(page: PageContext, form: CheckedForm<TokenParam>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(TokenParam { token }, ()) = form;
    let state = page.state.clone();
    let done = call(&page.state, move |conn| {
        identification::dispute(conn, &state.keys, &state.settings.policy, &token, crate::db::now())
    })
    .await??;
    if done {
        tracing::info!("a link was reported by the record's owner and ended");
    }
    let status = if done { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let shown = ReportPage { t: page.texts(), csrf: page.csrf(), token: String::new(), link: None, done };
    page.render(&shown, status)
}
