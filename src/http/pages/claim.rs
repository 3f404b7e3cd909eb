//! `/claim`: the owner names the platform and the account and enters the
//! claim code the platform showed them; a claim that works gives the browser
//! a ticket for the identification form.

use super::context::{CheckedForm, PageContext, refused_as_none, see_other};
use super::problems::Problems;
use crate::domain::ClaimCode;
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::cookies::CookieName;
use crate::i18n::Texts;
use crate::services::owners;
use crate::services::platforms::{self, PlatformListing};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "claim.html")]
struct ClaimPage<'a> {
    t: Texts<'a>,
    csrf: String,
    fields: ClaimFields,
    help: Option<String>,
}

/// A claim as typed: on `/claim`, and on `/my/add` for a signed-in owner.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct ClaimForm {
    pub(super) platform: String,
    pub(super) account: String,
    pub(super) claim_code: String,
}

/// What `templates/claim_fields.html` shows: the platforms to pick from, the
/// values typed (never the code), and the problem with the claim, shown
/// against the code (one message whatever was wrong, so that it never says
/// whether an account exists).
pub(super) struct ClaimFields {
    pub(super) platforms: Vec<PlatformListing>,
    pub(super) platform: String,
    pub(super) account: String,
    pub(super) problems: Problems,
    /// (platform name, where it shows the code) for each platform that said.
    pub(super) code_locations: Vec<(String, String)>,
}

impl ClaimFields {
    pub(super) async fn load(
        page: &PageContext,
        form: &ClaimForm,
        problem: Option<&'static str>,
    ) -> Result<Self, ApiError> {
        let platforms = call(&page.state, platforms::list).await??;
        let mut problems = Problems::default();
        if let Some(problem) = problem {
            problems.add("claim_code", "claim_code", page.texts().get(problem));
        }
        let code_locations = platforms
            .iter()
            .filter_map(|p| p.code_location.clone().map(|location| (p.name.clone(), location)))
            .collect();
        Ok(Self { platforms, platform: form.platform.clone(), account: form.account.clone(), problems, code_locations })
    }
}

async fn claim_page(
    page: &PageContext,
    form: &ClaimForm,
    problem: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let fields = ClaimFields::load(page, form, problem).await?;
    let help = page.state.settings.public.help_contact.clone();
    page.render(&ClaimPage { t: page.texts(), csrf: page.csrf(), fields, help }, status)
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
        return page.rate_limited("claim-title", seconds);
    }
    let ticket = match ClaimCode::parse(&form.claim_code) {
        Ok(code) => {
            let (state, platform, account) = (page.state.clone(), form.platform.clone(), form.account.clone());
            let ticket = call(&page.state, move |conn| {
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
    // A new claim starts a new journey: an earlier confirmation is not shown again.
    response.add_cookie(&page.removal(CookieName::Receipt)).map_err(ApiError::internal)?;
    Ok(response)
}
