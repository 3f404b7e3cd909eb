//! Server-rendered pages for owners and the public: no JavaScript, in
//! Kazakh, Russian and English.

use crate::domain::AccountStatus;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::i18n::{Lang, Texts};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, AcceptLanguage, Header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeDelta;
use std::future::{Ready, ready};

const LANG_COOKIE: &str = "lang";

mod claim;
mod identify;
mod my;
mod regulator;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::FormConfig::default().limit(16 * 1024))
        .route("/", web::get().to(home))
        .route("/claim", web::get().to(claim::claim_form))
        .route("/claim", web::post().to(claim::claim))
        .route("/claim/identify", web::get().to(claim::identify_form))
        .route("/claim/identify", web::post().to(claim::identify))
        .route("/my", web::get().to(my::my))
        .route("/my/sign-in", web::post().to(my::sign_in))
        .route("/my/email", web::post().to(my::change_email))
        .route("/my/withdraw", web::post().to(my::withdraw))
        .route("/my/sign-out", web::post().to(my::sign_out))
        .route("/transparency", web::get().to(transparency))
        .route("/regulator", web::get().to(regulator::start))
        .route("/regulator/login", web::post().to(regulator::login))
        .route("/regulator/logout", web::post().to(regulator::logout))
        .route("/regulator/requests", web::get().to(regulator::list))
        .route("/regulator/requests", web::post().to(regulator::file))
        .route("/regulator/requests/new", web::get().to(regulator::new_request))
        .route("/regulator/requests/{id}", web::get().to(regulator::show))
        .route("/regulator/requests/{id}/decision", web::post().to(regulator::decide))
        .route("/regulator/requests/{id}/disclosure", web::post().to(regulator::disclose))
        .route("/static/registry.css", web::get().to(stylesheet));
}

/// The page language, and whether the visitor just chose it (then it is remembered in a cookie).
#[derive(Debug, Clone, Copy)]
pub struct PageLang {
    pub lang: Lang,
    chosen_now: bool,
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl FromRequest for PageLang {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = web::Query::<LangQuery>::from_query(req.query_string()).ok().and_then(|q| q.into_inner().lang);
        let cookie = req.cookie(LANG_COOKIE).map(|c| c.value().to_owned());
        let accepted: Vec<String> = AcceptLanguage::parse(req)
            .map(|header| header.ranked().iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let lang = Lang::negotiate(query.as_deref(), cookie.as_deref(), accepted.iter().map(String::as_str));
        let chosen_now = query.as_deref() == Some(lang.as_str());
        ready(Ok(Self { lang, chosen_now }))
    }
}

/// Renders a page as HTML, remembering a language the visitor just chose.
fn render(page: &impl Template, lang: PageLang) -> Result<HttpResponse, ApiError> {
    render_with(page, lang, StatusCode::OK, Vec::new())
}

/// Renders a page with a status and cookies to set.
fn render_with(
    page: &impl Template,
    lang: PageLang,
    status: StatusCode,
    cookies: Vec<Cookie<'static>>,
) -> Result<HttpResponse, ApiError> {
    let html = page.render().map_err(ApiError::internal)?;
    let mut response = HttpResponse::build(status);
    response.content_type("text/html; charset=utf-8").insert_header((header::CONTENT_LANGUAGE, lang.lang.as_str()));
    for cookie in cookies {
        response.cookie(cookie);
    }
    if lang.chosen_now {
        response.cookie(
            Cookie::build(LANG_COOKIE, lang.lang.as_str())
                .path("/")
                .max_age(CookieDuration::days(365))
                .same_site(SameSite::Strict)
                .http_only(true)
                .finish(),
        );
    }
    Ok(response.body(html))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    t: Texts<'a>,
    threshold: i64,
    hysteresis_days: i64,
    retention_days: i64,
}

/// `GET /`: who must register, what is collected and why, who may see it, the owner's rights.
async fn home(state: web::Data<AppState>, lang: PageLang) -> Result<HttpResponse, ApiError> {
    let policy = &state.settings.policy;
    let page = HomePage {
        t: Texts::new(&state.catalogues, lang.lang),
        threshold: i64::try_from(policy.threshold).unwrap_or(i64::MAX),
        hysteresis_days: policy.hysteresis.num_days(),
        retention_days: policy.retention.num_days(),
    };
    render(&page, lang)
}

#[derive(Template)]
#[template(path = "transparency.html")]
struct TransparencyPage<'a> {
    t: Texts<'a>,
    /// Message id of each status and its count, in a fixed order.
    by_status: Vec<(&'static str, i64)>,
    total: i64,
    /// (month, legal basis label, outcome label, count)
    requests: Vec<(String, String, String, i64)>,
    /// The median time from request to decision, as a sentence.
    median: String,
    checkpoint: Option<CheckpointFacts>,
}

/// A stored UTC time as pages show it, to the minute.
fn utc_minute(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A signed checkpoint as the page shows it, for outside bodies to copy.
struct CheckpointFacts {
    seq: i64,
    signed_at: String,
    hash: String,
    public_key: String,
    signature: String,
}

fn status_message(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Required => "status-required",
        AccountStatus::Verified => "status-verified",
        AccountStatus::Overdue => "status-overdue",
        AccountStatus::NotRequired => "status-not_required",
    }
}

/// `GET /transparency`: aggregate counts only, at most a minute old, with the
/// signed checkpoint they were taken at.
async fn transparency(state: web::Data<AppState>, lang: PageLang) -> Result<HttpResponse, ApiError> {
    let report = crate::http::transparency::current(&state).await?;
    let by_status: Vec<(&'static str, i64)> =
        report.accounts.iter().map(|(status, n)| (status_message(*status), *n)).collect();
    let total = by_status.iter().map(|(_, n)| n).sum();
    let t = Texts::new(&state.catalogues, lang.lang);
    let requests = report
        .requests
        .iter()
        .map(|r| {
            (
                r.month.clone(),
                t.get(&format!("basis-{}", r.legal_basis)),
                t.get(&format!("outcome-{}", r.outcome)),
                r.count,
            )
        })
        .collect();
    let median = match report.median_time_to_decision {
        None => t.get("transparency-median-none"),
        // Minutes up to two hours, whole hours beyond.
        Some(d) if d < TimeDelta::hours(2) => t.count("transparency-median-minutes", d.num_minutes()),
        Some(d) => t.count("transparency-median-hours", (d + TimeDelta::minutes(30)).num_hours()),
    };
    let checkpoint = report.checkpoint.as_ref().map(|c| CheckpointFacts {
        seq: c.seq,
        signed_at: utc_minute(c.signed_at),
        hash: data_encoding::HEXLOWER.encode(&c.hash),
        public_key: data_encoding::HEXLOWER.encode(&c.public_key),
        signature: data_encoding::HEXLOWER.encode(&c.signature),
    });
    render(&TransparencyPage { t, by_status, total, requests, median, checkpoint }, lang)
}

/// `GET /static/registry.css`: served by the app itself, no CDN.
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(include_str!("../../../static/registry.css"))
}
