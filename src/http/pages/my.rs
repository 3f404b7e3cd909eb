//! `/my`: an owner's own record, behind their reference and management key.

use super::claim::{ClaimFields, ClaimForm};
use super::context::{CheckedForm, CodeForm, EmptyForm, OwnerSession, PageContext, refused_as_none, see_other};
use super::problems::Problems;
use crate::crypto::token::expose;
use crate::domain::{AccountId, ClaimCode, ContactEmail, IdentityId};
use crate::http::call;
use crate::http::error::ApiError;
use crate::http::pages::cookies::CookieName;
use crate::i18n::Texts;
use crate::services::contact::{self, ContactError};
use crate::services::identification;
use crate::services::owners::{self, EntryProof, MyAccount};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "my_sign_in.html")]
struct SignInPage<'a> {
    t: Texts<'a>,
    csrf: String,
    reference: String,
    /// One problem for any failure, shown against the reference: a sign-in never says which half was wrong.
    problems: Problems,
}

#[derive(Template)]
#[template(path = "my.html")]
struct RecordPage<'a> {
    t: Texts<'a>,
    /// The problems of the form just sent, for the summary at the top.
    problems: Problems,
    csrf: String,
    accounts: Vec<MyAccount>,
    disclosures: Vec<DisclosureView>,
    log_entries: Vec<LogEntryView>,
    /// When the data will be crypto-shredded, once no account needs it.
    deleted_on: Option<String>,
    email_confirmed: bool,
    email_change_waiting: bool,
    notes: Notes,
}

/// What the record page says besides the record: news of what was just
/// done, or a problem with one of its forms.
#[derive(Default)]
struct Notes {
    done: Option<&'static str>,
    email_error: Option<&'static str>,
    key_error: Option<&'static str>,
    code_problem: Option<String>,
}

/// One disclosure line on `/my`.
struct DisclosureView {
    /// Its audit entry, whose proof can be downloaded.
    seq: i64,
    date: String,
    basis: String,
    authority: String,
}

/// One of the owner's changes to their record on `/my`.
struct LogEntryView {
    seq: i64,
    date: String,
    event: String,
}

impl RecordPage<'_> {
    fn status_label(&self, account: &MyAccount) -> String {
        self.t.get(&format!("status-{}", account.status.as_str()))
    }
}

async fn record_page(
    page: &PageContext,
    identity_id: IdentityId,
    notes: Notes,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let policy = page.state.settings.policy.clone();
    let record =
        call(&page.state, move |conn| owners::my_record(conn, &policy, identity_id, crate::db::now())).await??;
    let t = page.texts();
    let disclosures = record
        .disclosures
        .into_iter()
        .map(|d| DisclosureView {
            seq: d.audit_seq,
            date: t.day(d.opened_at),
            basis: t.get(&format!("basis-{}", d.legal_basis)),
            authority: super::authority_label(&t, d.authority),
        })
        .collect();
    let log_entries = record
        .log_entries
        .into_iter()
        .map(|e| LogEntryView {
            seq: e.seq,
            date: t.day(e.occurred_at),
            // Fluent ids have no dots: `owner.account_linked` is `log-owner-account_linked`.
            event: t.get(&format!("log-{}", e.action.as_str().replace('.', "-"))),
        })
        .collect();
    let mut problems = Problems::default();
    if let Some(problem) = &notes.code_problem {
        problems.add("code", "code", problem.clone());
    }
    if let Some(error) = notes.email_error {
        problems.add("email", "email", t.get(error));
    }
    if let Some(error) = notes.key_error {
        problems.add("management_key", "email_management_key", t.get(error));
    }
    let shown = RecordPage {
        t,
        problems,
        csrf: page.csrf(),
        accounts: record.accounts,
        disclosures,
        log_entries,
        deleted_on: record.deleted_on.map(|at| t.day(at.naive_utc())),
        email_confirmed: record.email_confirmed,
        email_change_waiting: record.email_change_waiting,
        notes,
    };
    page.render(&shown, status)
}

fn sign_in_page(
    page: &PageContext,
    reference: String,
    problem: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let t = page.texts();
    let mut problems = Problems::default();
    if let Some(problem) = problem {
        problems.add("reference", "reference", t.get(problem));
    }
    page.render(&SignInPage { t, csrf: page.csrf(), reference, problems }, status)
}

#[derive(Debug, Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

/// `GET /my`: the record when signed in, otherwise the sign-in form.
pub(super) async fn my(page: PageContext, query: web::Query<DoneQuery>) -> Result<HttpResponse, ApiError> {
    let Some(identity_id) = page.owner().await? else {
        return sign_in_page(&page, String::new(), None, StatusCode::OK);
    };
    let done = match query.done.as_deref() {
        Some("email") => Some("my-email-changed"),
        Some("email-code") => Some("my-email-code-sent"),
        Some("withdrawn") => Some("my-withdraw-done"),
        Some("added") => Some("my-add-done"),
        _ => None,
    };
    record_page(&page, identity_id, Notes { done, ..Notes::default() }, StatusCode::OK).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct SignInForm {
    reference: String,
    management_key: String,
}

/// `POST /my/sign-in`: failures count against the client address and against
/// the reference typed; successes cost nothing.
pub(super) async fn sign_in(page: PageContext, form: CheckedForm<SignInForm>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(form, ()) = form;
    let client = page.client();
    if let Some(seconds) = page.state.sign_in_limits.barred(client, Some(&form.reference)) {
        return page.rate_limited("my-title", seconds);
    }
    let (keys, reference, key) = (page.state.keys.clone(), form.reference.clone(), form.management_key);
    let signed_in =
        call(&page.state, move |conn| owners::sign_in(conn, &keys, &reference, &key, crate::db::now())).await?;
    match refused_as_none(signed_in)? {
        Some(session) => {
            let mut response = see_other("/my");
            let cookie = page.cookie(CookieName::Owner, expose(&session).to_owned());
            response.add_cookie(&cookie).map_err(ApiError::internal)?;
            // The key is safe with its owner now: the confirmation stops showing it.
            response.add_cookie(&page.removal(CookieName::Receipt)).map_err(ApiError::internal)?;
            Ok(response)
        }
        None => {
            tracing::info!("owner sign-in refused");
            page.state.sign_in_limits.failed(client, Some(&form.reference));
            sign_in_page(&page, form.reference, Some("my-sign-in-rejected"), StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct EmailForm {
    email: String,
    management_key: String,
}

/// `POST /my/email`: mails a code to the new address; nothing changes until it comes back.
pub(super) async fn change_email(
    page: PageContext,
    form: CheckedForm<EmailForm, OwnerSession>,
) -> Result<HttpResponse, ApiError> {
    let CheckedForm(form, OwnerSession(identity_id)) = form;
    let client = page.client();
    if let Some(seconds) = page.state.sign_in_limits.barred(client, None) {
        return page.rate_limited("my-title", seconds);
    }
    let Ok(email) = ContactEmail::parse(&form.email) else {
        let notes = Notes { email_error: Some("error-email-invalid"), ..Notes::default() };
        return record_page(&page, identity_id, notes, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (keys, lang, key) = (page.state.keys.clone(), page.texts().lang, form.management_key);
    let requested = call(&page.state, move |conn| {
        contact::request_change(conn, &keys, identity_id, &email, &key, lang, crate::db::now())
    })
    .await?;
    match requested {
        Ok(()) => {}
        Err(ContactError::WrongKey) => {
            page.state.sign_in_limits.failed(client, None);
            let notes = Notes { key_error: Some("my-key-rejected"), ..Notes::default() };
            return record_page(&page, identity_id, notes, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(contact_error(e)),
    }
    tracing::info!(identity.id = identity_id.get(), "contact change waits for its code");
    Ok(see_other("/my?done=email-code"))
}

/// `POST /my/email/confirm`: the code sent to the new address.
pub(super) async fn confirm_email(
    page: PageContext,
    form: CheckedForm<CodeForm, OwnerSession>,
) -> Result<HttpResponse, ApiError> {
    let CheckedForm(CodeForm { code }, OwnerSession(identity_id)) = form;
    let (keys, lang) = (page.state.keys.clone(), page.texts().lang);
    let confirmed =
        call(&page.state, move |conn| contact::confirm_change(conn, &keys, identity_id, &code, lang, crate::db::now()))
            .await?;
    let t = page.texts();
    let (problem, status) = match confirmed {
        Ok(()) => {
            tracing::info!(identity.id = identity_id.get(), "contact e-mail changed");
            return Ok(see_other("/my?done=email"));
        }
        Err(ContactError::WrongCode { attempts_left }) => {
            (t.count("confirm-wrong-code", i64::from(attempts_left)), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ContactError::TooManyFailures) => (t.get("my-email-code-too-many"), StatusCode::TOO_MANY_REQUESTS),
        Err(ContactError::NothingWaiting) => (t.get("my-email-code-expired"), StatusCode::CONFLICT),
        Err(e) => return Err(contact_error(e)),
    };
    record_page(&page, identity_id, Notes { code_problem: Some(problem), ..Notes::default() }, status).await
}

/// A refusal no form of this page answers: only a database failure reaches here.
fn contact_error(e: ContactError) -> ApiError {
    match e {
        ContactError::Db(e) => e.into(),
        other => ApiError::internal(other),
    }
}

#[derive(Template)]
#[template(path = "my_add.html")]
struct AddPage<'a> {
    t: Texts<'a>,
    csrf: String,
    fields: ClaimFields,
}

async fn add_page(
    page: &PageContext,
    form: &ClaimForm,
    problem: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let fields = ClaimFields::load(page, form, problem).await?;
    page.render(&AddPage { t: page.texts(), csrf: page.csrf(), fields }, status)
}

/// `GET /my/add`: another account of the signed-in owner, with its claim code.
pub(super) async fn add_form(page: PageContext, _owner: OwnerSession) -> Result<HttpResponse, ApiError> {
    add_page(&page, &ClaimForm::default(), None, StatusCode::OK).await
}

/// `POST /my/add`: the session proves control of the record, the claim code
/// that of the account. Limited and answered like `/claim`.
pub(super) async fn add(
    page: PageContext,
    form: CheckedForm<ClaimForm, OwnerSession>,
) -> Result<HttpResponse, ApiError> {
    let CheckedForm(form, OwnerSession(identity_id)) = form;
    let client = page.client();
    if let Some(seconds) = page.state.claim_limits.barred(client) {
        return page.rate_limited("my-title", seconds);
    }
    let Ok(code) = ClaimCode::parse(&form.claim_code) else {
        page.state.claim_limits.failed(client);
        return add_page(&page, &form, Some("claim-rejected"), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (state, platform, account) = (page.state.clone(), form.platform.clone(), form.account.clone());
    let added = call(&page.state, move |conn| {
        let now = crate::db::now();
        identification::add_to_record(
            conn,
            &state.keys,
            &state.settings.policy,
            identity_id,
            &platform,
            &account,
            &code,
            now,
        )
    })
    .await?;
    if refused_as_none(added)?.is_none() {
        page.state.claim_limits.failed(client);
        return add_page(&page, &form, Some("claim-rejected"), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    tracing::info!(identity.id = identity_id.get(), "account added to the record by its signed-in owner");
    Ok(see_other("/my?done=added"))
}

#[derive(Debug, Deserialize)]
pub(super) struct WithdrawForm {
    account_id: AccountId,
}

/// `POST /my/withdraw`
pub(super) async fn withdraw(
    page: PageContext,
    form: CheckedForm<WithdrawForm, OwnerSession>,
) -> Result<HttpResponse, ApiError> {
    let CheckedForm(WithdrawForm { account_id }, OwnerSession(identity_id)) = form;
    let (keys, policy) = (page.state.keys.clone(), page.state.settings.policy.clone());
    let withdrawn = call(&page.state, move |conn| {
        owners::withdraw(conn, &keys, &policy, identity_id, account_id, crate::db::now())
    })
    .await?;
    if refused_as_none(withdrawn)?.is_none() {
        return page.notice(StatusCode::CONFLICT, "my-title", "my-withdraw-refused");
    }
    tracing::info!(identity.id = identity_id.get(), account.id = account_id.get(), "account withdrawn by its owner");
    Ok(see_other("/my?done=withdrawn"))
}

/// `POST /my/sign-out`: the session ends on the server, so a copy of the cookie is worthless.
pub(super) async fn sign_out(page: PageContext, _form: CheckedForm<EmptyForm>) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = page.cookie_value(CookieName::Owner) {
        let keys = page.state.keys.clone();
        call(&page.state, move |conn| owners::sign_out(conn, &keys, &cookie, crate::db::now())).await??;
    }
    let mut response = see_other("/");
    response.add_cookie(&page.removal(CookieName::Owner)).map_err(ApiError::internal)?;
    response.add_cookie(&page.removal(CookieName::Receipt)).map_err(ApiError::internal)?;
    Ok(response)
}

/// `GET /my/log/{seq}/proof`: the proof (C2SP tlog-proof) of an entry about
/// the signed-in owner's record, to keep and to show anyone.
pub(super) async fn proof(
    page: PageContext,
    owner: OwnerSession,
    seq: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (OwnerSession(identity_id), seq) = (owner, seq.into_inner());
    let witnesses = page.state.settings.witnesses.clone();
    let proof =
        call(&page.state, move |conn| owners::entry_proof(conn, &witnesses, identity_id, seq, crate::db::now()))
            .await??;
    match proof {
        Some(EntryProof::Ready(proof)) => Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"registry-entry-{seq}.tlog-proof\""),
            ))
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .body(proof)),
        Some(EntryProof::NotYet) => page.notice(StatusCode::CONFLICT, "my-title", "my-proof-not-yet"),
        None => page.notice(StatusCode::NOT_FOUND, "my-title", "my-proof-not-found"),
    }
}
