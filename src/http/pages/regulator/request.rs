//! One request: its facts, the decision form for an approver, and the
//! disclosure for its requester.

use super::{Nav, Problem, Refusal, no_store};
use crate::domain::RequestId;
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::context::{CheckedForm, EmptyForm, OfficialSession, PageContext, see_other};
use crate::http::pages::problems::Problems;
use crate::http::regulator::{DecisionRequest, decide_request, open_disclosure};
use crate::i18n::Texts;
use crate::services::access::{self, RequestRow};
use crate::services::officials::Official;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "regulator/request.html")]
struct RequestPage<'a> {
    t: Texts<'a>,
    csrf: String,
    nav: Nav,
    problem: Option<Problem>,
    error: Option<&'static str>,
    /// The summary of `error`, linked to its input.
    problems: Problems,
    request: RequestRow,
    state: String,
    target: String,
    basis: String,
    /// Who asks, as the person will be told.
    authority: String,
    fields: String,
    filed: String,
    can_decide: bool,
    can_open: bool,
    openings: i64,
    /// A decision was just recorded: the banner says so.
    decided: bool,
}

async fn request_page(
    page: &PageContext,
    official: Official,
    id: RequestId,
    refusal: Option<Refusal>,
    decided: bool,
) -> Result<HttpResponse, ApiError> {
    let (viewer, keys) = (official.clone(), page.state.keys.clone());
    let viewed = call(&page.state, move |conn| {
        let request = access::view(conn, &viewer, id)?;
        Ok((request, access::identifier(conn, &keys, &viewer, id, crate::db::now())?))
    })
    .await?;
    let (request, shown) = match viewed {
        Ok(viewed) => viewed,
        // Nothing to show the refusal on: the request itself is refused.
        Err(e) => return Err(crate::http::regulator::access_error(e)),
    };
    let (problem, error, status) = refusal.map_or((None, None, StatusCode::OK), Refusal::parts);
    let t = page.texts();
    let now = crate::db::now();
    let may = access::permissions(&official, &request, now);
    let target = match shown {
        None => super::target_label(&t, &request),
        Some(shown) => {
            let country = shown.country.as_deref().map(|c| format!(", {c}")).unwrap_or_default();
            format!("{}: {}{country}", super::target_label(&t, &request), shown.identifier)
        }
    };
    let fields = request.fields.codes().map(|code| t.get(&format!("field-{code}"))).collect::<Vec<_>>().join(", ");
    let shown = RequestPage {
        nav: Nav::of(&official),
        can_decide: may.decide,
        can_open: may.open,
        openings: request.openings.into(),
        decided,
        state: t.get(&format!("outcome-{}", request.state_at(now))),
        basis: t.get(&format!("basis-{}", request.legal_basis)),
        authority: crate::http::pages::authority_label(&t, request.authority),
        filed: t.moment(request.created_at),
        csrf: page.csrf(),
        problems: super::section_problem(&t, error, error.unwrap_or_default(), error.unwrap_or_default()),
        t,
        problem,
        error,
        target,
        fields,
        request,
    };
    no_store(page.render(&shown, status))
}

/// `?done=decided` after a decision, for the banner (never echoed text).
#[derive(Deserialize)]
pub(super) struct ShowQuery {
    done: Option<Decided>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Decided {
    Decided,
}

/// `GET /regulator/requests/{id}`
pub(super) async fn show(
    page: PageContext,
    official: OfficialSession,
    path: web::Path<RequestId>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, ApiError> {
    let decided = query.into_inner().done.is_some();
    request_page(&page, official.0, path.into_inner(), None, decided).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct DecisionForm {
    approve: String,
    reason: String,
    notify_owner_after: String,
}

/// `POST /regulator/requests/{id}/decision`
pub(super) async fn decide(
    page: PageContext,
    path: web::Path<RequestId>,
    form: CheckedForm<DecisionForm, OfficialSession>,
) -> Result<HttpResponse, ApiError> {
    let (id, CheckedForm(form, OfficialSession(official))) = (path.into_inner(), form);
    // A date means the start of that day, UTC.
    let notify_owner_after = match form.notify_owner_after.trim() {
        "" => Some(None),
        date => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc())),
    };
    // Nothing is chosen for the approver: a decision is made, not defaulted.
    let approve = match form.approve.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    let refusal = match (approve, notify_owner_after) {
        (None, _) => Refusal::Section("approve"),
        (_, None) => Refusal::Section("notify_owner_after"),
        (Some(approve), Some(notify_owner_after)) => {
            let body = DecisionRequest { approve, reason: form.reason, notify_owner_after };
            match decide_request(&page.state, official.clone(), id, body).await? {
                Ok(_) => return Ok(see_other(&format!("/regulator/requests/{id}?done=decided"))),
                Err(e) => Refusal::of(e)?,
            }
        }
    };
    request_page(&page, official, id, Some(refusal), false).await
}

#[derive(Template)]
#[template(path = "regulator/disclosure.html")]
struct DisclosurePage<'a> {
    t: Texts<'a>,
    csrf: String,
    nav: Nav,
    problem: Option<Problem>,
    id: RequestId,
    fields: Vec<(String, zeroize::Zeroizing<String>)>,
    accounts: Vec<String>,
}

/// `POST /regulator/requests/{id}/disclosure`: the approved fields, once more counted and logged.
pub(super) async fn disclose(
    page: PageContext,
    path: web::Path<RequestId>,
    form: CheckedForm<EmptyForm, OfficialSession>,
) -> Result<HttpResponse, ApiError> {
    let (id, CheckedForm(_, OfficialSession(official))) = (path.into_inner(), form);
    let disclosed = match open_disclosure(&page.state, official.clone(), id).await? {
        Ok(disclosed) => disclosed,
        Err(e) => return request_page(&page, official, id, Some(Refusal::of(e)?), false).await,
    };
    let t = page.texts();
    let shown = DisclosurePage {
        fields: disclosed.fields.into_iter().map(|(field, value)| (t.get(&format!("field-{field}")), value)).collect(),
        accounts: disclosed
            .accounts
            .into_iter()
            .map(|a| format!("{} / {}: {}", a.platform, a.account_ref, t.get(&format!("status-{}", a.status))))
            .collect(),
        csrf: page.csrf(),
        nav: Nav::of(&official),
        problem: None,
        t,
        id,
    };
    no_store(page.render(&shown, StatusCode::OK))
}
