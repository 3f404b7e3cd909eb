//! `/claim`: the owner names the platform and the account and enters the
//! claim code the platform showed them; a claim that works gives the browser
//! a ticket for the identification form.

use super::context::{CheckedForm, PageContext, refused_as_none, see_other};
use crate::domain::ClaimCode;
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::cookies::CookieName;
use crate::i18n::Texts;
use crate::services::owners;
use crate::services::platforms::{self, PlatformListing};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "claim.html")]
struct ClaimPage<'a> {
    t: Texts<'a>,
    csrf: String,
    platforms: Vec<PlatformListing>,
    platform: String,
    account: String,
    /// A message id shown above the form.
    problem: Option<&'static str>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct ClaimForm {
    platform: String,
    account: String,
    claim_code: String,
}

async fn claim_page(
    page: &PageContext,
    form: &ClaimForm,
    problem: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let platforms = call(&page.state.pool, platforms::list).await??;
    let claim = ClaimPage {
        t: page.texts(),
        csrf: page.csrf(),
        platforms,
        platform: form.platform.clone(),
        account: form.account.clone(),
        problem,
    };
    page.render(&claim, status)
}

/// `GET /claim`
pub(super) async fn claim_form(page: PageContext) -> Result<HttpResponse, ApiError> {
    claim_page(&page, &ClaimForm::default(), None, StatusCode::OK).await
}

/// `POST /claim`: on success the browser gets a claim ticket and goes on to identify.
pub(super) async fn claim(page: PageContext, form: CheckedForm<ClaimForm>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(form, ()) = form;
    let client = page.client();
    if let Some(seconds) = page.state.claim_limits.barred(client) {
        tracing::info!(retry_after_s = seconds, "claim failures over the limit");
        let mut response = page.notice(StatusCode::TOO_MANY_REQUESTS, "claim-title", "claim-rate-limited")?;
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
        return Ok(response);
    }
    let ticket = match ClaimCode::parse(&form.claim_code) {
        Ok(code) => {
            let (state, platform, account) = (page.state.clone(), form.platform.clone(), form.account.clone());
            let ticket = call(&page.state.pool, move |conn| {
                let now = crate::db::now();
                let claimed =
                    owners::check_claim(conn, &state.keys, &state.settings.policy, &platform, &account, &code, now)?;
                Ok(owners::issue_ticket(&state.keys, &claimed, now))
            })
            .await?;
            refused_as_none(ticket)?
        }
        Err(_) => None,
    };
    let Some(ticket) = ticket else {
        tracing::info!("claim rejected");
        page.state.claim_limits.failed(client);
        return claim_page(&page, &form, Some("claim-rejected"), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    tracing::info!("claim accepted");
    let mut response = see_other("/claim/identify");
    response.add_cookie(&page.cookie(CookieName::Claim, ticket)).map_err(ApiError::internal)?;
    Ok(response)
}
