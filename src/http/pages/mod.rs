//! Server-rendered pages for owners, officials and the public: no
//! JavaScript, in Kazakh, Russian and English. Handlers take their request
//! apart with the extractors of [`context`], call one use case and render
//! its answer; the rules live in the services.

mod claim;
mod confirm;
mod context;
pub mod cookies;
mod identify;
mod my;
mod problems;
mod receipt;
mod recovery;
mod regulator;
mod report;

use crate::domain::AccountStatus;
use crate::http::error::ApiError;
use crate::i18n::Texts;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::TimeDelta;
use context::PageContext;

/// Largest form body accepted: the longest form (a new access request with
/// a 4,000-character justification) fits even when every character is
/// Cyrillic or Kazakh, two bytes of UTF-8 and six once form-encoded.
const FORM_LIMIT_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(FORM_LIMIT_BYTES))
        .service(web::resource("/").route(web::get().to(home)))
        .service(web::resource("/claim").route(web::get().to(claim::claim_form)).route(web::post().to(claim::claim)))
        .service(
            web::resource("/claim/identify")
                .route(web::get().to(identify::identify_form))
                .route(web::post().to(identify::identify)),
        )
        .service(
            web::resource("/claim/confirm")
                .route(web::get().to(confirm::confirm_form))
                .route(web::post().to(confirm::confirm)),
        )
        .service(web::resource("/claim/confirm/resend").route(web::post().to(confirm::resend)))
        .service(web::resource("/claim/done").route(web::get().to(receipt::done)))
        .service(web::resource("/claim/done/receipt.txt").route(web::get().to(receipt::download)))
        .service(web::resource("/my").route(web::get().to(my::my)))
        .service(web::resource("/my/sign-in").route(web::post().to(my::sign_in)))
        .service(web::resource("/my/email").route(web::post().to(my::change_email)))
        .service(web::resource("/my/email/confirm").route(web::post().to(my::confirm_email)))
        .service(web::resource("/my/add").route(web::get().to(my::add_form)).route(web::post().to(my::add)))
        .service(web::resource("/my/withdraw").route(web::post().to(my::withdraw)))
        .service(web::resource("/my/sign-out").route(web::post().to(my::sign_out)))
        .service(web::resource("/my/log/{seq}/proof").route(web::get().to(my::proof)))
        .service(
            web::resource("/my/lost-key")
                .route(web::get().to(recovery::lost_key_form))
                .route(web::post().to(recovery::lost_key)),
        )
        .service(
            web::resource("/my/recover")
                .route(web::get().to(recovery::recover_form))
                .route(web::post().to(recovery::recover)),
        )
        .service(
            web::resource("/my/report").route(web::get().to(report::report_form)).route(web::post().to(report::report)),
        )
        .service(web::resource("/transparency").route(web::get().to(transparency)))
        .configure(regulator::configure)
        .service(web::resource("/static/registry.css").route(web::get().to(stylesheet)));
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    t: Texts<'a>,
    threshold: i64,
    hysteresis_days: i64,
    retention_days: i64,
    /// Days from a platform's notice to the deadline.
    grace_days: i64,
    help: Option<String>,
}

/// `GET /`: who must register, what is collected and why, who may see it, the owner's rights.
async fn home(page: PageContext) -> Result<HttpResponse, ApiError> {
    let policy = &page.state.settings.policy;
    let home = HomePage {
        t: page.texts(),
        threshold: i64::try_from(policy.threshold).unwrap_or(i64::MAX),
        hysteresis_days: policy.hysteresis.num_days(),
        retention_days: policy.retention.num_days(),
        grace_days: policy.grace_period.num_days(),
        help: page.state.settings.public.help_contact.clone(),
    };
    page.render(&home, StatusCode::OK)
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
    log: Option<crate::http::transparency::LogView>,
    /// Where the log is served, for the commands to copy.
    log_url: String,
}

/// A signed checkpoint as the page shows it, for outside bodies to copy.
struct CheckpointFacts {
    seq: i64,
    signed_at: String,
    hash: String,
    public_key: String,
    signature: String,
}

/// The asking body as owners and officials read it; "an authorised body" for
/// requests filed before the authority was named.
fn authority_label(t: &Texts<'_>, authority: Option<crate::domain::Authority>) -> String {
    t.get(&format!("authority-{}", authority.map_or("other", |a| a.as_str())))
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
async fn transparency(page: PageContext) -> Result<HttpResponse, ApiError> {
    let report = crate::http::transparency::current(&page.state).await?;
    let by_status: Vec<(&'static str, i64)> =
        report.accounts.iter().map(|(status, n)| (status_message(*status), *n)).collect();
    let total = by_status.iter().map(|(_, n)| n).sum();
    let t = page.texts();
    let requests = report
        .requests
        .iter()
        .map(|r| {
            (
                t.month(&r.month),
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
        signed_at: t.moment(c.signed_at),
        hash: data_encoding::HEXLOWER.encode(&c.hash),
        public_key: data_encoding::HEXLOWER.encode(&c.public_key),
        signature: data_encoding::HEXLOWER.encode(&c.signature),
    });
    let log = report.published.as_ref().map(|p| crate::http::transparency::LogView::of(&page.state, p));
    let log_url = format!("{}/log", page.state.settings.public.url.as_str().trim_end_matches('/'));
    page.render(&TransparencyPage { t, by_status, total, requests, median, checkpoint, log, log_url }, StatusCode::OK)
}

/// `GET /static/registry.css`: served by the app itself, no CDN.
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(include_str!("../../../static/registry.css"))
}
