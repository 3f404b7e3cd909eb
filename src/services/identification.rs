//! Identifying a claimed account, confirmed by a code sent by e-mail
//! (DESIGN §4). Nothing is linked, and no record is created, until the code
//! comes back.
//!
//! Where the code goes is the proof of control: for an identifier not on
//! file, to the address the owner typed, which the new record then holds as
//! confirmed; for one already on file, to *that record's* address, so only
//! whoever reads the record's mail can add an account to it. The visitor
//! sees the same "check your e-mail" step either way, and never the
//! record's reference. The typed address, if it differs, is told where the
//! code went, without saying whether a record exists.
//!
//! Guesses are bounded per claim code, across restarts: [`MAX_CODES`] codes
//! and [`MAX_FAILURES`] wrong entries; then the platform must issue a new
//! claim code.

use super::owners::{self, Claimed, OwnerError};
use super::proofs::{code_matches, issue_link, live_link, new_code};
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::token::{expose, new_management_key, new_reference};
use crate::crypto::{BlindIndex, KeyRing, TokenPurpose};
use crate::db::repo::accounts::{self, AccountRow};
use crate::db::repo::identities::{self, IdentityMatch};
use crate::db::repo::owner_tokens::{self, LiveToken};
use crate::db::repo::pending::{self, NewPending, PendingRow};
use crate::db::repo::{owner_sessions, platforms};
use crate::db::{DbConnection, DbError, FeedTx, lock_feed, write_tx};
use crate::domain::{
    Assurance, ClaimCode, ContactEmail, Declaration, Field, Handle, IdentityId, OwnerTokenPurpose, OwnerType,
    RegistryPolicy,
};
use crate::i18n::Lang;
use crate::mail::{self, Mail, MailKind};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// How long a mailed code can be entered.
pub const CODE_LIFETIME: TimeDelta = TimeDelta::minutes(30);

/// Codes sent per claim code, counting new ones asked for.
pub const MAX_CODES: i32 = 5;

/// Wrong codes entered per claim code.
pub const MAX_FAILURES: i32 = 10;

/// How long the "this is not me" link in a new-link notice works.
const REPORT_LINK_LIFETIME: TimeDelta = TimeDelta::days(30);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The claim ticket is not, or no longer, valid.
    #[error("the claim was not accepted")]
    Rejected,
    /// Enough codes were sent for this claim code.
    #[error("too many codes were sent for this claim")]
    TooManyCodes,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<OwnerError> for StartError {
    fn from(e: OwnerError) -> Self {
        match e {
            OwnerError::Rejected => StartError::Rejected,
            OwnerError::Db(e) => StartError::Db(e),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// No valid claim ticket, or nothing waits for a code.
    #[error("nothing waits for a code")]
    Rejected,
    #[error("the code is not right")]
    WrongCode { attempts_left: i32 },
    /// The code expired: ask for a new one.
    #[error("the code expired")]
    Expired,
    /// Too many wrong codes for this claim code.
    #[error("too many wrong codes")]
    TooManyFailures,
    /// Someone else's identification of the same identifier finished first:
    /// start again, and the code goes to that record's address.
    #[error("the identification must start again")]
    Superseded,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<OwnerError> for ConfirmError {
    fn from(e: OwnerError) -> Self {
        match e {
            OwnerError::Rejected => ConfirmError::Rejected,
            OwnerError::Db(e) => ConfirmError::Db(e),
        }
    }
}

/// What the owner is shown once the code is confirmed.
pub enum Confirmed {
    /// A new record: its reference and management key, shown once.
    NewRecord { reference: String, management_key: SecretString },
    /// The account joined the record the code was sent for.
    AddedToRecord,
}

/// How a link was proved.
#[derive(Debug, Clone, Copy)]
pub enum Proof {
    /// A code mailed to the record's own address (or, for a new record, to the address it will hold).
    EmailCode,
    /// The record's owner was signed in on `/my`.
    Session,
}

impl Proof {
    fn as_str(self) -> &'static str {
        match self {
            Proof::EmailCode => "email_code",
            Proof::Session => "session",
        }
    }
}

/// Stores the declaration as pending and mails a code. Where the code goes
/// depends on whether the identifier is on file; the caller cannot tell.
#[expect(clippy::too_many_arguments, reason = "one use case: the ticket, the declaration, its index and the language")]
pub fn start(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    ticket: &str,
    declaration: &Declaration,
    blind_index: &BlindIndex,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<(), StartError> {
    write_tx(conn, |conn| {
        let Claimed { account: row, claim_code_digest: claim_digest } =
            owners::redeem_ticket(conn, keys, policy, ticket, now)?;
        let earlier = pending::find(conn, row.id)?.filter(|p| p.claim_code_digest == claim_digest);
        let (codes_sent, failures) = earlier.map_or((0, 0), |p| (p.codes_sent, p.failed_attempts));
        if codes_sent >= MAX_CODES {
            return Err(StartError::TooManyCodes);
        }
        let existing = identities::find_by_blind_index(conn, blind_index)?;
        let (code, code_digest) = new_code(keys);
        let form = seal_form(declaration)?;
        let new = NewPending {
            account_id: row.id,
            claim_code_digest: &claim_digest,
            blind_index,
            existing_identity_id: existing.as_ref().map(|r| r.id),
            declaration: &form,
            lang,
            code_digest: &code_digest,
            code_expires_at: now + CODE_LIFETIME,
        };
        pending::put(conn, keys, &new, (codes_sent + 1, failures), now)?;
        let to = code_to(conn, keys, declaration, lang, existing.as_ref())?;
        mail_code(conn, keys, &row, &to, &code, now)?;
        // The typed address of an identifier on file is told where the code
        // went, unless it is the record's own address.
        if let CodeTo::Record(_, record_address) = &to
            && record_address.as_ref() != Some(declaration.email())
        {
            let notice = Mail::new(MailKind::CodeElsewhere, declaration.email(), lang).value("link", "/my/lost-key");
            mail::queue(conn, keys, &notice, now)?;
        }
        Ok(())
    })
}

/// Mails a new code for the pending identification; the earlier one stops working.
pub fn resend(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    ticket: &str,
    now: DateTime<Utc>,
) -> Result<(), StartError> {
    write_tx(conn, |conn| {
        let Claimed { account: row, claim_code_digest: claim_digest } =
            owners::redeem_ticket(conn, keys, policy, ticket, now)?;
        let waiting =
            pending::find(conn, row.id)?.filter(|p| p.claim_code_digest == claim_digest).ok_or(StartError::Rejected)?;
        if waiting.codes_sent >= MAX_CODES {
            return Err(StartError::TooManyCodes);
        }
        let (code, code_digest) = new_code(keys);
        pending::renew_code(conn, row.id, &code_digest, now + CODE_LIFETIME)?;
        let declaration = open_form(&waiting, keys)?;
        let existing = match waiting.existing_identity_id {
            Some(id) => identities::find_match(conn, id)?,
            None => None,
        };
        let to = code_to(conn, keys, &declaration, waiting.lang, existing.as_ref())?;
        mail_code(conn, keys, &row, &to, &code, now)?;
        Ok(())
    })
}

/// Checks the code; if it is right, creates the record (or joins the one
/// on file) and links the account, in one transaction. A wrong code is
/// counted even though the call fails.
pub fn confirm(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    ticket: &str,
    typed_code: &str,
    now: DateTime<Utc>,
) -> Result<Confirmed, ConfirmError> {
    write_tx(conn, |conn| -> Result<Result<Confirmed, ConfirmError>, ConfirmError> {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let Claimed { account: row, claim_code_digest: claim_digest } =
            owners::redeem_ticket(conn, keys, policy, ticket, now)?;
        let waiting = pending::find(conn, row.id)?
            .filter(|p| p.claim_code_digest == claim_digest)
            .ok_or(ConfirmError::Rejected)?;
        if waiting.failed_attempts >= MAX_FAILURES {
            return Err(ConfirmError::TooManyFailures);
        }
        if waiting.code_expires_at.and_utc() <= now {
            return Err(ConfirmError::Expired);
        }
        if !code_matches(keys, typed_code, &waiting.code_digest) {
            // Committed: the failure counts although the call fails.
            pending::record_failure(conn, row.id)?;
            return Ok(Err(ConfirmError::WrongCode { attempts_left: MAX_FAILURES - waiting.failed_attempts - 1 }));
        }
        let on_file = identities::find_by_blind_index(conn, &waiting.blind_index)?;
        match (waiting.existing_identity_id, on_file) {
            (Some(expected), Some(record)) if record.id == expected => {
                link(conn, keys, policy, &row, &record, Proof::EmailCode, now)?;
                Ok(Ok(Confirmed::AddedToRecord))
            }
            (None, None) => {
                let declaration = open_form(&waiting, keys)?;
                let reference = new_reference();
                let management_key = new_management_key();
                let key_digest = keys.token_digester().digest(TokenPurpose::ManagementKey, expose(&management_key));
                let id =
                    identities::create(conn, keys, &declaration, &waiting.blind_index, &reference, &key_digest, now)?;
                identities::confirm_contact(conn, id, waiting.lang, now)?;
                let record =
                    IdentityMatch { id, reference: reference.clone(), registrar_checked_at: None, lang: waiting.lang };
                link(conn, keys, policy, &row, &record, Proof::EmailCode, now)?;
                Ok(Ok(Confirmed::NewRecord { reference, management_key }))
            }
            // The identifier got a record, or lost it, since the code was sent.
            _ => {
                pending::delete(conn, row.id)?;
                Ok(Err(ConfirmError::Superseded))
            }
        }
    })?
}

/// A signed-in owner adds an account to their record with the account's
/// claim code: the session is the proof of control of the record, the code
/// that of the account. Every failure is one answer, as on `/claim`.
#[expect(clippy::too_many_arguments, reason = "one use case: the record, the claim and the time")]
pub fn add_to_record(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    identity_id: IdentityId,
    platform: &str,
    account: &str,
    code: &ClaimCode,
    now: DateTime<Utc>,
) -> Result<(), OwnerError> {
    write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let claimed = owners::check_claim(conn, keys, policy, platform, account, code, now)?;
        let record = identities::find_match(conn, identity_id)?.ok_or(OwnerError::Rejected)?;
        link(conn, keys, policy, &claimed.account, &record, Proof::Session, now)?;
        Ok(())
    })
}

/// Links the account to the record, as proved by `proof`, in the caller's
/// transaction (which holds the feed lock): the account takes the
/// record's assurance, its claim code is spent, the link is audited, and
/// the record's address is told, with a link to report it.
pub(super) fn link(
    conn: &mut FeedTx<'_>,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    row: &AccountRow,
    record: &IdentityMatch,
    proof: Proof,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    identities::link_account(conn, row.id, record.id, now)?;
    // Proof of control of the record: the account may take what a registrar confirmed of it.
    let assurance = match record.registrar_checked_at {
        Some(_) => Assurance::RegistrarChecked,
        None => Assurance::Declared,
    };
    super::accounts::save_outcome(conn, row, &policy.identify(&row.state(), assurance, now))?;
    accounts::set_claim_code(conn, row.id, None)?;
    pending::delete(conn, row.id)?;
    let details = serde_json::json!({ "account": AuditSubject::Account(row.id), "proof": proof.as_str() });
    let event =
        AuditEvent::new(Actor::Owner, AuditAction::OwnerAccountLinked, AuditSubject::Identity(record.id), details);
    audit::append(conn, &event, now)?;

    let Some(to) = super::contact::contact_email(conn, keys, record.id)? else { return Ok(()) };
    let about = (record.id, Some(row.id));
    let token = issue_link(conn, keys, about, OwnerTokenPurpose::LinkReport, now + REPORT_LINK_LIFETIME, now)?;
    let platform = platforms::name_of(conn, row.platform_id)?.unwrap_or_default();
    let notice = Mail::new(MailKind::AccountLinked, &to, record.lang)
        .value("platform", platform)
        .value("handle", row.handle.as_str())
        .date("date", now)
        .value("link", format!("/my/report?token={}", expose(&token)))
        .about(record.id);
    mail::queue(conn, keys, &notice, now)?;
    Ok(())
}

/// An account whose link a new-link notice offers to report.
pub struct ReportedLink {
    pub platform: String,
    pub handle: Handle,
}

fn live_report(
    conn: &mut DbConnection,
    keys: &KeyRing,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(LiveToken, AccountRow)>, DbError> {
    let Some(live) = live_link(conn, keys, token, OwnerTokenPurpose::LinkReport, now)? else { return Ok(None) };
    let Some(account_id) = live.account_id else { return Ok(None) };
    Ok(accounts::find_with_claim(conn, account_id)?.map(|row| (live, row.account)))
}

/// The link a report token names, while the token is live: for the page that asks to confirm.
pub fn reported_link(
    conn: &mut DbConnection,
    keys: &KeyRing,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<ReportedLink>, DbError> {
    let Some((_, row)) = live_report(conn, keys, token, now)? else { return Ok(None) };
    let platform = platforms::name_of(conn, row.platform_id)?.unwrap_or_default();
    Ok(Some(ReportedLink { platform, handle: row.handle }))
}

/// The record's owner, from the new-link notice, says the link is not
/// theirs: it ends, the account needs identifying again (a fresh deadline),
/// and every session of the record ends, since someone else could add it.
/// False if the token is spent, expired or unknown.
pub fn dispute(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let Some((live, row)) = live_report(conn, keys, token, now)? else { return Ok(false) };
        if !owner_tokens::spend(conn, live.id, now)? {
            return Ok(false);
        }
        if identities::withdraw_account(conn, row.id, live.identity_id, now)? {
            super::accounts::save_outcome(conn, &row, &policy.dispute_identity(&row.state(), now))?;
        }
        owner_sessions::end_all(conn, live.identity_id, now)?;
        let details = serde_json::json!({ "account": AuditSubject::Account(row.id) });
        let event = AuditEvent::new(
            Actor::Owner,
            AuditAction::OwnerLinkDisputed,
            AuditSubject::Identity(live.identity_id),
            details,
        );
        audit::append(conn, &event, now)?;
        Ok(true)
    })
}

/// Where a code goes: the address typed, or, for an identifier on file, the
/// record's own address (`None` if it no longer parses: nobody can confirm).
enum CodeTo<'a> {
    Typed(&'a ContactEmail, Lang),
    Record(&'a IdentityMatch, Option<ContactEmail>),
}

fn mail_code(
    conn: &mut DbConnection,
    keys: &KeyRing,
    row: &AccountRow,
    to: &CodeTo<'_>,
    code: &SecretString,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let message = match to {
        CodeTo::Typed(address, lang) => Mail::new(MailKind::ContactCode, address, *lang),
        CodeTo::Record(_, None) => return Ok(()),
        CodeTo::Record(record, Some(address)) => {
            let platform = platforms::name_of(conn, row.platform_id)?.unwrap_or_default();
            Mail::new(MailKind::LinkRequest, address, record.lang)
                .value("platform", platform)
                .value("handle", row.handle.as_str())
                .about(record.id)
        }
    };
    let message = message
        .value("code", expose(code))
        .value("minutes", CODE_LIFETIME.num_minutes().to_string())
        .value("link", "/claim/confirm")
        .expires_at(now + CODE_LIFETIME);
    mail::queue(conn, keys, &message, now).map(drop)
}

/// Where the code for `declaration` goes, given the record on file, if any.
fn code_to<'a>(
    conn: &mut DbConnection,
    keys: &KeyRing,
    declaration: &'a Declaration,
    lang: Lang,
    existing: Option<&'a IdentityMatch>,
) -> Result<CodeTo<'a>, DbError> {
    Ok(match existing {
        None => CodeTo::Typed(declaration.email(), lang),
        Some(record) => CodeTo::Record(record, super::contact::contact_email(conn, keys, record.id)?),
    })
}

/// The address typed in a pending identification: where reminders go.
pub(super) fn typed_address(waiting: &PendingRow, keys: &KeyRing) -> Result<Option<ContactEmail>, DbError> {
    Ok(Some(open_form(waiting, keys)?.email().clone()))
}

/// The declaration as sealed while it waits: its type and fields.
#[derive(Serialize, Deserialize)]
struct PendingForm {
    owner_type: OwnerType,
    fields: BTreeMap<Field, String>,
}

fn seal_form(declaration: &Declaration) -> Result<Zeroizing<Vec<u8>>, DbError> {
    let form = PendingForm {
        owner_type: declaration.owner_type(),
        fields: declaration.fields().into_iter().map(|(field, value)| (field, value.to_string())).collect(),
    };
    // Serializing strings and codes cannot fail.
    serde_json::to_vec(&form).map(Zeroizing::new).map_err(|_| DbError::Corrupt("pending declaration"))
}

fn open_form(waiting: &PendingRow, keys: &KeyRing) -> Result<Declaration, DbError> {
    let bytes = waiting.open(keys)?;
    let form: PendingForm = serde_json::from_slice(&bytes).map_err(|_| DbError::Corrupt("pending declaration"))?;
    let fields: Vec<_> = form.fields.into_iter().map(|(field, value)| (field, Zeroizing::new(value))).collect();
    let declared_on: NaiveDate = waiting.created_at.date();
    Declaration::from_fields(form.owner_type, &fields, declared_on).map_err(|_| DbError::Corrupt("pending declaration"))
}
