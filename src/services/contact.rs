//! The owner's contact address. A new address takes effect only once the
//! code sent to it comes back; the previous address is told. Entering that
//! code also confirms the address, which the lost-key flow relies on.

use super::proofs::{code_matches, new_code};
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::KeyRing;
use crate::crypto::token::expose;
use crate::db::repo::owner_tokens::{self, NewToken};
use crate::db::repo::{identities, pending};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{ContactEmail, Field, IdentityId, OwnerTokenPurpose};
use crate::i18n::Lang;
use crate::mail::{self, Mail, MailKind};
use chrono::{DateTime, TimeDelta, Utc};

/// How long the code sent to a new address can be entered.
pub const CHANGE_CODE_LIFETIME: TimeDelta = TimeDelta::minutes(30);

/// Wrong codes entered per requested change.
pub const MAX_CHANGE_FAILURES: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    /// The management key asked again is not the record's.
    #[error("the management key is not right")]
    WrongKey,
    /// No change waits for a code (none asked for, expired, or done).
    #[error("no change of address waits for a code")]
    NothingWaiting,
    #[error("the code is not right")]
    WrongCode { attempts_left: i32 },
    #[error("too many wrong codes: ask for a new one")]
    TooManyFailures,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The record's contact address, if it has one that still parses.
pub fn contact_email(
    conn: &mut DbConnection,
    keys: &KeyRing,
    identity_id: IdentityId,
) -> Result<Option<ContactEmail>, DbError> {
    let opened = identities::open_fields(conn, keys, identity_id, &[Field::Email])?;
    Ok(opened.into_iter().next().and_then(|(_, email)| ContactEmail::parse(&email).ok()))
}

/// The record's address and the language its owner reads mail in, unless
/// the record was shredded or its address no longer parses.
pub(super) fn address_of(
    conn: &mut DbConnection,
    keys: &KeyRing,
    id: IdentityId,
) -> Result<Option<(ContactEmail, Lang)>, DbError> {
    let Some(record) = identities::find_match(conn, id)? else { return Ok(None) };
    Ok(contact_email(conn, keys, id)?.map(|to| (to, record.lang)))
}

/// Mails a code to `new`; the address changes once it is entered. A new
/// request replaces an earlier one. The management key is asked again: the
/// address is how a lost key is replaced, so a session alone (a cookie left
/// on a shared computer) must not be enough to move it.
pub fn request_change(
    conn: &mut DbConnection,
    keys: &KeyRing,
    identity_id: IdentityId,
    new: &ContactEmail,
    management_key: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<(), ContactError> {
    if !super::owners::key_matches(conn, keys, identity_id, management_key)? {
        return Err(ContactError::WrongKey);
    }
    write_tx(conn, |conn| {
        let (code, digest) = new_code(keys);
        let expires_at = now + CHANGE_CODE_LIFETIME;
        let token = NewToken {
            identity_id,
            purpose: OwnerTokenPurpose::EmailChange,
            digest: &digest,
            account_id: None,
            value: Some(new.expose().as_bytes()),
            expires_at,
        };
        owner_tokens::issue(conn, keys, &token, now)?;
        let message = Mail::new(MailKind::EmailChangeCode, new, lang)
            .value("code", expose(&code))
            .value("minutes", CHANGE_CODE_LIFETIME.num_minutes().to_string())
            .value("link", "/my")
            .about(identity_id)
            .expires_at(expires_at);
        mail::queue(conn, keys, &message, now)?;
        Ok(())
    })
}

/// Whether a change of address waits for its code.
pub fn change_waiting(conn: &mut DbConnection, identity_id: IdentityId, now: DateTime<Utc>) -> Result<bool, DbError> {
    Ok(owner_tokens::find_for(conn, identity_id, OwnerTokenPurpose::EmailChange, now)?.is_some())
}

/// Checks the code sent to the new address; if it is right, the record takes
/// the address as confirmed, sealed again under a fresh data key so the old
/// one is crypto-shredded at once, and the old address is told. What was
/// mailed to the old address stops working: lost-key and report links, and
/// codes to add accounts. A wrong code is counted even though the call fails.
pub fn confirm_change(
    conn: &mut DbConnection,
    keys: &KeyRing,
    identity_id: IdentityId,
    typed: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<(), ContactError> {
    write_tx(conn, |conn| -> Result<Result<(), ContactError>, ContactError> {
        let token = owner_tokens::find_for(conn, identity_id, OwnerTokenPurpose::EmailChange, now)?
            .ok_or(ContactError::NothingWaiting)?;
        // The attempt is counted before the code is compared, so that guesses
        // racing each other cannot exceed the limit.
        if !owner_tokens::count_attempt(conn, token.id, MAX_CHANGE_FAILURES)? {
            return Err(ContactError::TooManyFailures);
        }
        if !code_matches(keys, typed, &token.token_digest) {
            let attempts_left = MAX_CHANGE_FAILURES - token.failed_attempts - 1;
            return Ok(Err(ContactError::WrongCode { attempts_left: attempts_left.max(0) }));
        }
        let value = token.open_value(keys)?.ok_or(DbError::Corrupt("owner token"))?;
        let email = std::str::from_utf8(&value)
            .ok()
            .and_then(|text| ContactEmail::parse(text).ok())
            .ok_or(DbError::Corrupt("owner token"))?;
        if !owner_tokens::spend(conn, token.id, now)? {
            return Err(ContactError::NothingWaiting);
        }
        let previous = contact_email(conn, keys, identity_id)?;
        identities::replace_field(conn, keys, identity_id, Field::Email, email.expose(), now)?;
        identities::confirm_contact(conn, identity_id, lang, now)?;
        for mailed in [OwnerTokenPurpose::KeyReset, OwnerTokenPurpose::LinkReport] {
            owner_tokens::end_unused(conn, identity_id, mailed, now)?;
        }
        pending::delete_for_record(conn, identity_id)?;
        if let Some(previous) = previous.filter(|previous| *previous != email) {
            let notice = Mail::new(MailKind::ContactChanged, &previous, lang).date("date", now).value("link", "/my");
            mail::queue(conn, keys, &notice.about(identity_id), now)?;
        }
        let details = serde_json::json!({ "field": "email", "superseded": "shredded" });
        let event = AuditEvent::new(
            Actor::Owner,
            AuditAction::OwnerContactChanged,
            AuditSubject::Identity(identity_id),
            details,
        );
        audit::append(conn, &event, now)?;
        Ok(Ok(()))
    })?
}
