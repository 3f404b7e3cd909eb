//! `/my/lost-key` and `/my/recover`: a new management key through a link
//! mailed to the record's confirmed address. Asking answers the same for
//! any reference; the link opens a page that asks, and only its form acts.

use super::context::{CheckedForm, PageContext, TokenParam};
use crate::crypto::token::expose;
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::cookies::CookieName;
use crate::i18n::Texts;
use crate::services::recovery;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "lost_key.html")]
struct LostKeyPage<'a> {
    t: Texts<'a>,
    csrf: String,
    sent: bool,
}

#[derive(Template)]
#[template(path = "recover.html")]
struct RecoverPage<'a> {
    t: Texts<'a>,
    csrf: String,
    token: String,
    live: bool,
    created: Option<(String, String)>,
    /// The warning under the new key: shown this once.
    key_note: &'static str,
}

/// `GET /my/lost-key`
pub(super) async fn lost_key_form(page: PageContext) -> Result<HttpResponse, ApiError> {
    page.render(&LostKeyPage { t: page.texts(), csrf: page.csrf(), sent: false }, StatusCode::OK)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct LostKeyForm {
    reference: String,
}

/// `POST /my/lost-key`: limited per client address and per reference, since each request mails the record.
pub(super) async fn lost_key(page: PageContext, form: CheckedForm<LostKeyForm>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(LostKeyForm { reference }, ()) = form;
    if let Err(seconds) = page.state.lost_key_limits.check(page.client(), &reference) {
        return page.rate_limited("lost-key-title", seconds);
    }
    let keys = page.state.keys.clone();
    call(&page.state, move |conn| recovery::request_key_reset(conn, &keys, &reference, crate::db::now())).await??;
    page.render(&LostKeyPage { t: page.texts(), csrf: page.csrf(), sent: true }, StatusCode::OK)
}

/// `GET /my/recover?token=…`
pub(super) async fn recover_form(page: PageContext, query: web::Query<TokenParam>) -> Result<HttpResponse, ApiError> {
    let token = query.into_inner().token;
    let (keys, looked_up) = (page.state.keys.clone(), token.clone());
    let live =
        call(&page.state, move |conn| recovery::reset_link_live(conn, &keys, &looked_up, crate::db::now())).await??;
    let status = if live { StatusCode::OK } else { StatusCode::NOT_FOUND };
    page.render(
        &RecoverPage {
            t: page.texts(),
            csrf: page.csrf(),
            token,
            live,
            created: None,
            key_note: "receipt-key-warning",
        },
        status,
    )
}

/// `POST /my/recover`: the new key, shown once; this browser's session ends with the others.
pub(super) async fn recover(page: PageContext, form: CheckedForm<TokenParam>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(TokenParam { token }, ()) = form;
    let keys = page.state.keys.clone();
    let replaced =
        call(&page.state, move |conn| recovery::replace_key(conn, &keys, &token, crate::db::now())).await??;
    let t = page.texts();
    let Some(new) = replaced else {
        let expired = RecoverPage {
            t,
            csrf: page.csrf(),
            token: String::new(),
            live: false,
            created: None,
            key_note: "receipt-key-warning",
        };
        return page.render(&expired, StatusCode::NOT_FOUND);
    };
    tracing::info!("management key replaced through the confirmed e-mail");
    let created = Some((new.reference, expose(&new.management_key).to_owned()));
    let shown = RecoverPage {
        t,
        csrf: String::new(),
        token: String::new(),
        live: false,
        created,
        key_note: "receipt-key-warning",
    };
    page.render_with(&shown, StatusCode::OK, vec![page.removal(CookieName::Owner)])
}
