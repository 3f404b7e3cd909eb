//! The request list and the new-request form.

use super::{Nav, Problem, Refusal, no_store};
use crate::domain::access_request::RequestError;
use crate::domain::field::ACCOUNTS;
use crate::domain::{Authority, Field, LegalBasis, RequestId};
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::context::{CheckedForm, OfficialSession, PageContext, see_other};
use crate::http::pages::problems::Problems;
use crate::http::regulator::requests::{AccountTarget, BasisDocumentDto, IdentifierTarget, TargetDto};
use crate::http::regulator::{FileRequest, NotFiled, file_request};
use crate::i18n::Texts;
use crate::services::access;
use crate::services::platforms::{self, PlatformListing};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;

/// One line of the request list.
struct ListedRequest {
    id: RequestId,
    requester: String,
    filed: String,
    target: String,
    basis: String,
    state: String,
    /// When it was decided, or empty.
    decided: String,
}

#[derive(Template)]
#[template(path = "regulator/requests.html")]
struct RequestsPage<'a> {
    t: Texts<'a>,
    csrf: String,
    nav: Nav,
    problem: Option<Problem>,
    requests: Vec<ListedRequest>,
}

/// `GET /regulator/requests`: own requests for requesters, all for approvers and auditors.
pub(super) async fn list(page: PageContext, official: OfficialSession) -> Result<HttpResponse, ApiError> {
    let OfficialSession(official) = official;
    let nav = Nav::of(&official);
    let rows = call(&page.state, move |conn| access::list(conn, &official, 200)).await??;
    let t = page.texts();
    let now = crate::db::now();
    let requests = rows
        .iter()
        .map(|listed| (&listed.request, listed.requester.clone()))
        .map(|(r, requester)| ListedRequest {
            id: r.id,
            requester,
            filed: t.moment(r.created_at),
            target: super::target_label(&t, r),
            basis: t.get(&format!("basis-{}", r.legal_basis)),
            state: t.get(&format!("outcome-{}", r.state_at(now))),
            decided: r.decided_at.map(|at| t.moment(at)).unwrap_or_default(),
        })
        .collect();
    no_store(page.render(&RequestsPage { t, csrf: page.csrf(), nav, problem: None, requests }, StatusCode::OK))
}

/// What the new-request form keeps between attempts (never the identifier).
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct RequestForm {
    target: String,
    platform: String,
    account_ref: String,
    identifier_type: String,
    identifier: String,
    country: String,
    legal_basis: String,
    authority: String,
    basis_number: String,
    basis_date: String,
    basis_issuer: String,
    justification: String,
    /// The data checkboxes share this name.
    fields: Vec<String>,
}

impl RequestForm {
    fn wants(&self, code: &str) -> bool {
        self.fields.iter().any(|f| f == code)
    }

    /// The same request the JSON API takes, so both are parsed by one function.
    fn to_request(&self) -> FileRequest {
        let target = if self.target == "identifier" {
            TargetDto::Identifier(IdentifierTarget {
                identifier_type: self.identifier_type.clone(),
                identifier: self.identifier.clone(),
                // The country belongs to a document only; a value left in the field for an IIN or BIN is not sent.
                country: Some(self.country.clone()).filter(|c| !c.is_empty() && self.identifier_type == "document"),
            })
        } else {
            TargetDto::Account(AccountTarget { platform: self.platform.clone(), account_ref: self.account_ref.clone() })
        };
        FileRequest {
            target,
            legal_basis: self.legal_basis.clone(),
            // The form always names the authority: an empty choice is a problem to show.
            authority: Some(self.authority.clone()),
            basis_document: BasisDocumentDto {
                number: self.basis_number.clone(),
                date: self.basis_date.clone(),
                issuer: self.basis_issuer.clone(),
            },
            justification: self.justification.clone(),
            fields: self.fields.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "regulator/new_request.html")]
struct NewRequestPage<'a> {
    t: Texts<'a>,
    csrf: String,
    nav: Nav,
    problem: Option<Problem>,
    problems: Problems,
    form: RequestForm,
    bases: &'static [LegalBasis],
    authorities: &'static [Authority],
    /// The codes of everything that may be asked for: the fields, then the person's accounts.
    items: Vec<&'static str>,
    /// The registered platforms, to pick the target's from.
    platforms: Vec<PlatformListing>,
}

/// The form's input a problem with `field` (as the API names it) leads to, and its section.
fn anchor_of(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "target.platform" => ("target", "platform"),
        "target.account_ref" => ("target", "account_ref"),
        "target.identifier_type" => ("target", "identifier_type"),
        "target.identifier" => ("target", "identifier"),
        "target.country" => ("target", "country"),
        "legal_basis" => ("legal_basis", "legal_basis"),
        "authority" => ("authority", "authority"),
        "basis_document.number" => ("basis_document", "basis_number"),
        "basis_document.date" => ("basis_document", "basis_date"),
        "basis_document.issuer" => ("basis_document", "basis_issuer"),
        "justification" => ("justification", "justification"),
        "fields" => ("fields", "field-surname"),
        _ => return None,
    })
}

/// Every problem of a filing, each under its section's message.
fn problems_of(t: &Texts<'_>, errors: &[RequestError]) -> Result<Problems, ApiError> {
    let mut problems = Problems::default();
    for error in errors {
        let (section, anchor) =
            anchor_of(error.field).ok_or_else(|| ApiError::internal(format!("no form field for {}", error.field)))?;
        problems.add(section, anchor, t.get(&format!("reg-error-{section}")));
    }
    Ok(problems)
}

async fn new_request_page(
    page: &PageContext,
    nav: Nav,
    form: RequestForm,
    refusal: Option<Refusal>,
    problems: Problems,
) -> Result<HttpResponse, ApiError> {
    let (problem, section, status) = refusal.map_or((None, None, StatusCode::OK), Refusal::parts);
    let t = page.texts();
    let mut problems = problems;
    if let Some(section) = section {
        let anchor = match section {
            "target" => "target_account",
            "basis_document" => "basis_number",
            "fields" => "field-surname",
            other => other,
        };
        problems.add(section, anchor, t.get(&format!("reg-error-{section}")));
    }
    let status = if problems.is_empty() { status } else { StatusCode::UNPROCESSABLE_ENTITY };
    let platforms = call(&page.state, platforms::list).await??;
    let shown = NewRequestPage {
        t,
        csrf: page.csrf(),
        nav,
        problem,
        problems,
        form,
        bases: LegalBasis::ALL,
        authorities: Authority::ALL,
        items: Field::ALL.iter().map(|f| f.as_str()).chain([ACCOUNTS]).collect(),
        platforms,
    };
    no_store(page.render(&shown, status))
}

/// `GET /regulator/requests/new`
pub(super) async fn new_request(page: PageContext, official: OfficialSession) -> Result<HttpResponse, ApiError> {
    new_request_page(&page, Nav::of(&official.0), RequestForm::default(), None, Problems::default()).await
}

/// `POST /regulator/requests`
pub(super) async fn file(
    page: PageContext,
    form: CheckedForm<RequestForm, OfficialSession>,
) -> Result<HttpResponse, ApiError> {
    let CheckedForm(mut form, OfficialSession(official)) = form;
    let nav = Nav::of(&official);
    let (refusal, problems) = match form.to_request().parse_all(crate::db::now().date_naive()) {
        Err(invalid) => (None, problems_of(&page.texts(), &invalid)?),
        Ok(request) => match file_request(&page.state, official, request).await? {
            Ok(row) => return Ok(see_other(&format!("/regulator/requests/{}", row.id))),
            Err(NotFiled::Busy) => (Some(Refusal::busy()), Problems::default()),
            Err(NotFiled::Refused(e)) => (Some(Refusal::of(e)?), Problems::default()),
        },
    };
    form.identifier.clear();
    new_request_page(&page, nav, form, refusal, problems).await
}
