//! `/regulator`: the officials' pages over the same use cases as the JSON
//! API (login with TOTP, filing, four-eyes decisions, disclosure). A session
//! is the API's bearer token, kept in an `HttpOnly`, `SameSite=Strict`
//! cookie. Every page names cases and people, so none may be stored by the
//! browser.

mod login;
mod request;
mod requests;
mod review;

use crate::domain::Role;
use crate::domain::access_request::RequestError;
use crate::http::error::ApiError;
use crate::http::pages::problems::Problems;
use crate::i18n::Texts;
use crate::services::access::AccessError;
use crate::services::officials::Official;
use crate::services::review::ReviewError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/regulator").route(web::get().to(login::start)))
        .service(web::resource("/regulator/login").route(web::post().to(login::login)))
        .service(web::resource("/regulator/logout").route(web::post().to(login::logout)))
        .service(
            web::resource("/regulator/requests")
                .route(web::get().to(requests::list))
                .route(web::post().to(requests::file)),
        )
        .service(web::resource("/regulator/requests/new").route(web::get().to(requests::new_request)))
        .service(web::resource("/regulator/requests/{id}").route(web::get().to(request::show)))
        .service(web::resource("/regulator/requests/{id}/decision").route(web::post().to(request::decide)))
        .service(web::resource("/regulator/requests/{id}/disclosure").route(web::post().to(request::disclose)))
        .service(web::resource("/regulator/review").route(web::get().to(review::queue)))
        .service(web::resource("/regulator/review/{reference}").route(web::get().to(review::show)))
        .service(web::resource("/regulator/review/{reference}/check").route(web::post().to(review::check)))
        .service(web::resource("/regulator/review/{reference}/confirm").route(web::post().to(review::confirm)))
        .service(web::resource("/regulator/review/{reference}/reject").route(web::post().to(review::reject)));
}

/// The links of the signed-in header: what the official's roles reach.
#[derive(Debug, Clone, Copy)]
struct Nav {
    requests: bool,
    file: bool,
    review: bool,
}

impl Nav {
    fn of(official: &Official) -> Self {
        let has = |role| official.roles.contains(role);
        Nav {
            requests: has(Role::Requester) || has(Role::Approver) || has(Role::Auditor),
            file: has(Role::Requester),
            review: has(Role::Registrar),
        }
    }

    /// Where a signed-in official starts: the request list, or the review
    /// queue for a registrar who has no part in requests.
    fn home(self) -> &'static str {
        if self.requests { "/regulator/requests" } else { "/regulator/review" }
    }
}

/// A refusal shown at the top of a page.
#[derive(Debug, Clone, Copy)]
enum Problem {
    Message(&'static str),
    /// When the data was shredded (UTC).
    DataDeleted(chrono::NaiveDateTime),
}

impl Problem {
    fn text(self, t: &Texts<'_>) -> String {
        match self {
            Problem::Message(id) => t.get(id),
            Problem::DataDeleted(at) => t.with("reg-problem-data_deleted", "date", t.day(at)),
        }
    }
}

/// How a page answers a refusal of the access use cases.
enum Refusal {
    /// Shown at the top of the page, with this status.
    Problem(Problem, StatusCode),
    /// An input the form marks (its section), with 422.
    Section(&'static str),
}

impl Refusal {
    fn of(error: AccessError) -> Result<Self, ApiError> {
        let problem = |id, status| Ok(Refusal::Problem(Problem::Message(id), status));
        match error {
            AccessError::Forbidden(_) => problem("reg-problem-forbidden", StatusCode::FORBIDDEN),
            AccessError::NotFound | AccessError::NoIdentity => problem("reg-problem-not_found", StatusCode::NOT_FOUND),
            AccessError::DailyLimit(_) => problem("reg-problem-daily_limit_reached", StatusCode::TOO_MANY_REQUESTS),
            AccessError::DataDeleted(at) => {
                Ok(Refusal::Problem(Problem::DataDeleted(at.naive_utc()), StatusCode::GONE))
            }
            AccessError::AlreadyDecided => problem("reg-problem-already_decided", StatusCode::CONFLICT),
            AccessError::NotApproved => problem("reg-problem-not_approved", StatusCode::CONFLICT),
            AccessError::ApprovalExpired => problem("reg-problem-approval_expired", StatusCode::CONFLICT),
            AccessError::OpeningsUsed => problem("reg-problem-openings_used", StatusCode::CONFLICT),
            AccessError::Invalid(e) => Self::invalid(&e),
            AccessError::Db(e) => Err(e.into()),
        }
    }

    /// How the review pages answer a refusal of the review use cases.
    fn of_review(error: ReviewError) -> Result<Self, ApiError> {
        let problem = |id, status| Ok(Refusal::Problem(Problem::Message(id), status));
        match error {
            ReviewError::Forbidden => problem("reg-problem-forbidden", StatusCode::FORBIDDEN),
            ReviewError::NotFound => problem("reg-problem-review_not_found", StatusCode::NOT_FOUND),
            ReviewError::AlreadyConfirmed => problem("reg-problem-already_confirmed", StatusCode::CONFLICT),
            ReviewError::NotChecked(_) => problem("reg-problem-not_checked", StatusCode::CONFLICT),
            ReviewError::DailyLimit(_) => problem("reg-problem-daily_limit_reached", StatusCode::TOO_MANY_REQUESTS),
            ReviewError::Shredded(at) => Ok(Refusal::Problem(Problem::DataDeleted(at), StatusCode::GONE)),
            ReviewError::Purpose => Ok(Refusal::Section("purpose")),
            ReviewError::Evidence(_) => Ok(Refusal::Section("claims")),
            ReviewError::Invalid(e) => Err(crate::http::regulator::invalid_page(e)),
            ReviewError::Db(e) => Err(e.into()),
        }
    }

    /// The form section an invalid field belongs to (`basis_document.date` → `basis_document`).
    fn invalid(error: &RequestError) -> Result<Self, ApiError> {
        let section = error.field.split('.').next().unwrap_or_default();
        [
            "target",
            "legal_basis",
            "authority",
            "basis_document",
            "justification",
            "fields",
            "reason",
            "notify_owner_after",
        ]
        .into_iter()
        .find(|known| *known == section)
        .map(Refusal::Section)
        .ok_or_else(|| ApiError::invalid_field(error.field, &error.problem))
    }

    fn busy() -> Self {
        Refusal::Problem(Problem::Message("reg-problem-busy"), StatusCode::TOO_MANY_REQUESTS)
    }

    /// (problem, section, status) for the page to render.
    fn parts(self) -> (Option<Problem>, Option<&'static str>, StatusCode) {
        match self {
            Refusal::Problem(problem, status) => (Some(problem), None, status),
            Refusal::Section(section) => (None, Some(section), StatusCode::UNPROCESSABLE_ENTITY),
        }
    }
}

/// The error summary for a form whose one problem is `section`: its message
/// (`reg-error-<message>`) linked to `anchor`, the input to move focus to.
fn section_problem(t: &Texts<'_>, section: Option<&'static str>, anchor: &'static str, message: &str) -> Problems {
    let mut problems = Problems::default();
    if let Some(section) = section {
        problems.add(section, anchor, t.get(&format!("reg-error-{message}")));
    }
    problems
}

/// Whose data a request is for, as the pages name it: the account, or the
/// kind of identifier searched by (the identifier itself only where shown).
fn target_label(t: &Texts<'_>, request: &crate::services::access::RequestRow) -> String {
    match (&request.target_platform, &request.target_account_ref, &request.target_identifier_type) {
        (Some(platform), Some(account_ref), _) => format!("{platform} / {account_ref}"),
        (_, _, Some(kind)) => t.get(&format!("reg-target-by-{kind}")),
        _ => String::new(),
    }
}

/// Officials' pages name cases and people: browsers must not keep them.
fn no_store(response: Result<HttpResponse, ApiError>) -> Result<HttpResponse, ApiError> {
    response.map(|mut r| {
        r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    })
}
