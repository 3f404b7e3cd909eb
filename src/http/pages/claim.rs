//! `/claim`: the owner names the platform and the account and enters the
//! claim code; `/claim/identify`: the identification form; then the receipt.

use super::{PageLang, render_with};
use crate::domain::ClaimCode;
use crate::domain::identity::OwnerType;
use crate::http::error::ApiError;
use crate::http::forms::{CLAIM_COOKIE, cookie, csrf_for, csrf_valid};
use crate::http::{AppState, with_conn};
use crate::i18n::Texts;
use crate::services::owners::{self, OwnerError};
use crate::services::platforms::{self, PlatformListing};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::identify::{IdentifyForm, IdentifyPage, parse_declaration};

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

#[derive(Template)]
#[template(path = "notice.html")]
pub(super) struct NoticePage<'a> {
    pub t: Texts<'a>,
    pub title: &'static str,
    pub message: &'static str,
}

#[derive(Debug, Deserialize)]
pub(super) struct ClaimForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    claim_code: String,
}

async fn claim_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    lang: PageLang,
    form: Option<&ClaimForm>,
    problem: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let platforms = with_conn(&state.pool, |conn| Ok(platforms::list(conn)?)).await?;
    let csrf = csrf_for(req, &state.keys);
    let page = ClaimPage {
        t: Texts::new(&state.catalogues, lang.lang),
        csrf: csrf.token,
        platforms,
        platform: form.map(|f| f.platform.clone()).unwrap_or_default(),
        account: form.map(|f| f.account.clone()).unwrap_or_default(),
        problem,
    };
    render_with(&page, lang, status, csrf.new_cookie.into_iter().collect())
}

/// The answer to a form whose CSRF token does not match, or `None` when it does.
pub(super) fn forged(
    state: &AppState,
    req: &HttpRequest,
    lang: PageLang,
    submitted: &str,
) -> Option<Result<HttpResponse, ApiError>> {
    (!csrf_valid(req, &state.keys, submitted))
        .then(|| notice(state, lang, StatusCode::FORBIDDEN, "form-expired-title", "form-expired"))
}

pub(super) fn notice(
    state: &AppState,
    lang: PageLang,
    status: StatusCode,
    title: &'static str,
    message: &'static str,
) -> Result<HttpResponse, ApiError> {
    render_with(&NoticePage { t: Texts::new(&state.catalogues, lang.lang), title, message }, lang, status, vec![])
}

/// `GET /claim`
pub(super) async fn claim_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
) -> Result<HttpResponse, ApiError> {
    claim_page(&state, &req, lang, None, None, StatusCode::OK).await
}

/// `POST /claim`: on success the browser gets a claim ticket and goes on to identify.
pub(super) async fn claim(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    form: web::Form<ClaimForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    if let Err(seconds) = state.claim_limits.check(&req, &form.platform, &form.account) {
        tracing::info!(retry_after_s = seconds, "claim attempts over the limit");
        let mut response = notice(&state, lang, StatusCode::TOO_MANY_REQUESTS, "claim-title", "claim-rate-limited")?;
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(seconds));
        return Ok(response);
    }
    let Ok(code) = ClaimCode::parse(&form.claim_code) else {
        return claim_page(&state, &req, lang, Some(&form), Some("claim-rejected"), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let app = state.clone();
    let (platform, account) = (form.platform.clone(), form.account.clone());
    let outcome = with_conn(&state.pool, move |conn| {
        let now = crate::db::now();
        match owners::check_claim(conn, &app.keys, &app.settings.policy, &platform, &account, &code, now) {
            Ok(claimed) => Ok(Some(owners::issue_ticket(conn, &app.keys, &claimed, now).map_err(owner_error)?)),
            Err(OwnerError::Rejected) => Ok(None),
            Err(e) => Err(owner_error(e)),
        }
    })
    .await?;
    match outcome {
        Some(ticket) => {
            tracing::info!("claim accepted");
            Ok(HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, "/claim/identify"))
                .cookie(cookie(&req, CLAIM_COOKIE, ticket))
                .finish())
        }
        None => {
            tracing::info!("claim rejected");
            claim_page(&state, &req, lang, Some(&form), Some("claim-rejected"), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub(super) fn owner_error(e: OwnerError) -> ApiError {
    match e {
        OwnerError::Rejected => ApiError::Conflict { code: "claim_rejected", message: e.to_string() },
        OwnerError::Db(e) => e.into(),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct TypeQuery {
    #[serde(rename = "type")]
    owner_type: Option<String>,
}

/// `GET /claim/identify[?type=resident]`
pub(super) async fn identify_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    query: web::Query<TypeQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(claimed) = super::identify::claimed(&state, &req).await? else {
        return notice(&state, lang, StatusCode::FORBIDDEN, "claim-title", "claim-expired");
    };
    let owner_type = query.owner_type.as_deref().and_then(|t| t.parse::<OwnerType>().ok());
    let csrf = csrf_for(&req, &state.keys);
    let page = IdentifyPage::new(Texts::new(&state.catalogues, lang.lang), csrf.token, &claimed, owner_type);
    render_with(&page, lang, StatusCode::OK, csrf.new_cookie.into_iter().collect())
}

/// `POST /claim/identify`
pub(super) async fn identify(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: PageLang,
    form: web::Form<IdentifyForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = forged(&state, &req, lang, &form.csrf) {
        return refused;
    }
    let Some(claimed) = super::identify::claimed(&state, &req).await? else {
        return notice(&state, lang, StatusCode::FORBIDDEN, "claim-title", "claim-expired");
    };
    let texts = Texts::new(&state.catalogues, lang.lang);
    let form = form.into_inner();
    let declaration = match parse_declaration(&form, crate::db::now().date_naive()) {
        Ok(declaration) => declaration,
        Err(invalid) => {
            let csrf = csrf_for(&req, &state.keys);
            let page = IdentifyPage::with_errors(texts, csrf.token, &claimed, &form, invalid);
            return render_with(&page, lang, StatusCode::UNPROCESSABLE_ENTITY, vec![]);
        }
    };
    super::identify::store(&state, &req, lang, declaration).await
}
