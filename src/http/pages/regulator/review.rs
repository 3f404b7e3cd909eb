//! Registrar review pages: the queue, the check of one declaration against
//! evidence (match or no match per item, a hint of the items checked), confirm and reject.

use super::{Nav, Problem, Refusal, no_store};
use crate::domain::{DocumentType, Field, FieldMatch, RejectionReason};
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::context::{CheckedForm, EmptyForm, OfficialSession, PageContext, see_other};
use crate::http::pages::problems::Problems;
use crate::http::regulator::review::{CheckRequest, check_declaration};
use crate::i18n::Texts;
use crate::services::officials::Official;
use crate::services::review::{self, Checked};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One line of the queue.
struct Waiting {
    reference: String,
    owner: String,
    declared: String,
}

#[derive(Template)]
#[template(path = "regulator/review_queue.html")]
struct QueuePage<'a> {
    t: Texts<'a>,
    csrf: String,
    nav: Nav,
    problem: Option<Problem>,
    /// The message id of the decision just recorded.
    done: Option<&'static str>,
    waiting: Vec<Waiting>,
}

/// Which decision was just recorded, for the banner (never echoed text).
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Done {
    Confirmed,
    Rejected,
}

#[derive(Deserialize)]
pub(super) struct QueueQuery {
    done: Option<Done>,
}

async fn queue_page(
    page: &PageContext,
    official: Official,
    done: Option<&'static str>,
    refused: Option<Refusal>,
) -> Result<HttpResponse, ApiError> {
    let (problem, _, status) = refused.map_or((None, None, StatusCode::OK), Refusal::parts);
    let nav = Nav::of(&official);
    let rows = match call(&page.state, move |conn| review::queue(conn, &official, 0, None)).await? {
        Ok(rows) => rows,
        Err(e) => {
            let (problem, _, status) = Refusal::of_review(e)?.parts();
            let shown = QueuePage { t: page.texts(), csrf: page.csrf(), nav, problem, done: None, waiting: Vec::new() };
            return no_store(page.render(&shown, status));
        }
    };
    let t = page.texts();
    let waiting = rows
        .into_iter()
        .map(|r| Waiting {
            owner: t.get(&format!("owner-{}", r.owner_type)),
            declared: t.moment(r.created_at),
            reference: r.reference,
        })
        .collect();
    no_store(page.render(&QueuePage { t, csrf: page.csrf(), nav, problem, done, waiting }, status))
}

/// `GET /regulator/review`: declarations waiting, oldest first; after a
/// decision, a banner naming it.
pub(super) async fn queue(
    page: PageContext,
    official: OfficialSession,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let done = query.into_inner().done.map(|done| match done {
        Done::Confirmed => "reg-done-confirmed",
        Done::Rejected => "reg-done-rejected",
    });
    queue_page(&page, official.0, done, None).await
}

/// One input of the check form.
struct EvidenceInput {
    field: Field,
    label: String,
    options: Vec<(&'static str, String)>,
}

/// One line of a check's answer.
struct Answer {
    label: String,
    result: FieldMatch,
    text: String,
    masked: String,
}

#[derive(Template)]
#[template(path = "regulator/review.html")]
struct ReviewPage<'a> {
    t: Texts<'a>,
    csrf: String,
    nav: Nav,
    problem: Option<Problem>,
    error: Option<&'static str>,
    /// The summary of `error`, linked to its input.
    problems: Problems,
    reference: String,
    owner: String,
    declared: String,
    purpose: String,
    inputs: Vec<EvidenceInput>,
    answers: Vec<Answer>,
    confirmable: bool,
    checked: bool,
    reasons: Vec<(RejectionReason, String)>,
}

/// What the page shows besides the form: a check's answer, or a refusal.
enum Shown {
    Form,
    Answer(Checked),
    Refused(Refusal),
}

async fn review_page(
    page: &PageContext,
    official: Official,
    reference: String,
    purpose: String,
    shown: Shown,
) -> Result<HttpResponse, ApiError> {
    let nav = Nav::of(&official);
    let viewer = official.clone();
    let identity = match call(&page.state, move |conn| review::find(conn, &viewer, &reference)).await? {
        Ok(identity) => identity,
        // The declaration itself is refused: say so on the queue.
        Err(e) => return queue_page(page, official, None, Some(Refusal::of_review(e)?)).await,
    };
    let t = page.texts();
    let (problem, error, status, checked) = match shown {
        Shown::Form => (None, None, StatusCode::OK, None),
        Shown::Answer(checked) => (None, None, StatusCode::OK, Some(checked)),
        Shown::Refused(refused) => {
            let (problem, error, status) = refused.parts();
            (problem, error, status, None)
        }
    };
    let label = |field: Field| t.get(&format!("field-{field}"));
    let inputs: Vec<EvidenceInput> = identity
        .owner_type
        .checkable_fields()
        .iter()
        .map(|&field| EvidenceInput {
            field,
            label: label(field),
            options: match field {
                Field::DocumentType => {
                    DocumentType::ALL.iter().map(|d| (d.as_str(), t.get(&format!("doc-{d}")))).collect()
                }
                _ => Vec::new(),
            },
        })
        .collect();
    let (answers, confirmable) = match &checked {
        None => (Vec::new(), false),
        Some(checked) => {
            let masked: BTreeMap<Field, &str> = checked.masked.iter().map(|(f, m)| (*f, m.as_str())).collect();
            let answers = checked
                .results
                .iter()
                .map(|(&field, &result)| Answer {
                    label: label(field),
                    result,
                    text: t.get(&format!("reg-match-{result}")),
                    masked: masked.get(&field).copied().unwrap_or("—").to_owned(),
                })
                .collect();
            (answers, checked.confirmable)
        }
    };
    let problems = match error {
        Some("claims") => {
            super::section_problem(&t, error, inputs.first().map_or("purpose", |i| i.field.as_str()), "claims")
        }
        Some("reason") => super::section_problem(&t, error, "reason-data_mismatch", "reject_reason"),
        _ => super::section_problem(&t, error, "purpose", "purpose"),
    };
    let shown = ReviewPage {
        csrf: page.csrf(),
        nav,
        problem,
        error,
        problems,
        owner: t.get(&format!("owner-{}", identity.owner_type)),
        declared: t.moment(identity.created_at),
        reference: identity.reference,
        purpose,
        inputs,
        answers,
        confirmable,
        checked: checked.is_some(),
        reasons: RejectionReason::ALL.iter().map(|r| (*r, t.get(&format!("reg-reason-{r}")))).collect(),
        t,
    };
    no_store(page.render(&shown, status))
}

/// `GET /regulator/review/{reference}`: the check form.
pub(super) async fn show(
    page: PageContext,
    official: OfficialSession,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    review_page(&page, official.0, path.into_inner(), String::new(), Shown::Form).await
}

/// The check form: the purpose and, per item, what the evidence shows
/// (empty items are not checked). The items are every other field but the
/// form's token.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct CheckForm {
    purpose: String,
    #[serde(flatten)]
    items: BTreeMap<String, String>,
}

/// `POST /regulator/review/{reference}/check`
pub(super) async fn check(
    page: PageContext,
    path: web::Path<String>,
    form: CheckedForm<CheckForm, OfficialSession>,
) -> Result<HttpResponse, ApiError> {
    let (reference, CheckedForm(form, OfficialSession(official))) = (path.into_inner(), form);
    let claims = form.items.into_iter().filter(|(name, value)| name != "csrf" && !value.trim().is_empty()).collect();
    let body = CheckRequest { purpose: form.purpose.clone(), claims };
    let shown = match check_declaration(&page.state, official.clone(), reference.clone(), body).await? {
        Ok(checked) => Shown::Answer(checked),
        Err(e) => Shown::Refused(Refusal::of_review(e)?),
    };
    review_page(&page, official, reference, form.purpose, shown).await
}

/// `POST /regulator/review/{reference}/confirm`
pub(super) async fn confirm(
    page: PageContext,
    path: web::Path<String>,
    form: CheckedForm<EmptyForm, OfficialSession>,
) -> Result<HttpResponse, ApiError> {
    let (reference, CheckedForm(_, OfficialSession(official))) = (path.into_inner(), form);
    let (policy, confirming, by) = (page.state.settings.policy.clone(), reference.clone(), official.clone());
    let keys = page.state.keys.clone();
    match call(&page.state, move |conn| review::confirm(conn, &keys, &by, &confirming, &policy, crate::db::now()))
        .await?
    {
        Ok(_) => Ok(see_other("/regulator/review?done=confirmed")),
        Err(e) => review_page(&page, official, reference, String::new(), Shown::Refused(Refusal::of_review(e)?)).await,
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct RejectForm {
    reason: String,
}

/// `POST /regulator/review/{reference}/reject`
pub(super) async fn reject(
    page: PageContext,
    path: web::Path<String>,
    form: CheckedForm<RejectForm, OfficialSession>,
) -> Result<HttpResponse, ApiError> {
    let (reference, CheckedForm(form, OfficialSession(official))) = (path.into_inner(), form);
    let Ok(reason) = form.reason.parse::<RejectionReason>() else {
        let refused = Shown::Refused(Refusal::Section("reason"));
        return review_page(&page, official, reference, String::new(), refused).await;
    };
    let (keys, policy, rejecting, by) =
        (page.state.keys.clone(), page.state.settings.policy.clone(), reference.clone(), official.clone());
    let rejected =
        call(&page.state, move |conn| review::reject(conn, &keys, &by, &rejecting, reason, &policy, crate::db::now()))
            .await?;
    match rejected {
        Ok(_) => Ok(see_other("/regulator/review?done=rejected")),
        Err(e) => review_page(&page, official, reference, String::new(), Shown::Refused(Refusal::of_review(e)?)).await,
    }
}
