//! A lost management key is replaced through the record's confirmed e-mail:
//! a single-use link goes there, the owner sets a new key (shown once), every
//! session of the record ends, and the address is told. The request answers
//! the same whether or not the reference names a record with a confirmed
//! address.

use super::proofs::{issue_link, live_link};
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::token::{expose, new_management_key};
use crate::crypto::{KeyRing, TokenPurpose};
use crate::db::repo::owner_tokens;
use crate::db::repo::{identities, owner_sessions};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::OwnerTokenPurpose;
use crate::mail::{self, Mail, MailKind};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;

/// How long the link to set a new key works.
pub const RESET_LINK_LIFETIME: TimeDelta = TimeDelta::hours(1);

/// What the owner is shown once, after setting a new key.
pub struct NewKey {
    pub reference: String,
    pub management_key: SecretString,
}

/// Mails a link to set a new key to the record's confirmed address, if the
/// reference names a record that has one; otherwise does nothing, silently.
pub fn request_key_reset(
    conn: &mut DbConnection,
    keys: &KeyRing,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    write_tx(conn, |conn| {
        let reference = super::owners::normalize_reference(reference);
        let Some(record) = identities::find_for_sign_in(conn, &reference)? else { return Ok(()) };
        if !identities::contact_confirmed(conn, record.id)? {
            return Ok(());
        }
        let Some((to, lang)) = super::contact::address_of(conn, keys, record.id)? else { return Ok(()) };
        let expires_at = now + RESET_LINK_LIFETIME;
        let token = issue_link(conn, keys, (record.id, None), OwnerTokenPurpose::KeyReset, expires_at, now)?;
        let message = Mail::new(MailKind::KeyResetLink, &to, lang)
            .value("link", format!("/my/recover?token={}", expose(&token)))
            .value("minutes", RESET_LINK_LIFETIME.num_minutes().to_string())
            .about(record.id)
            .expires_at(expires_at);
        mail::queue(conn, keys, &message, now).map(drop)
    })
}

/// Whether a link to set a new key is live, for the page that asks to confirm.
pub fn reset_link_live(
    conn: &mut DbConnection,
    keys: &KeyRing,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    Ok(live_link(conn, keys, token, OwnerTokenPurpose::KeyReset, now)?.is_some())
}

/// Sets a new management key through a live link: the old key and every
/// session stop working, the address is told. `None` if the link is spent,
/// expired or unknown.
pub fn replace_key(
    conn: &mut DbConnection,
    keys: &KeyRing,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<NewKey>, DbError> {
    write_tx(conn, |conn| {
        let Some(live) = live_link(conn, keys, token, OwnerTokenPurpose::KeyReset, now)? else { return Ok(None) };
        let Some(record) = identities::find_match(conn, live.identity_id)? else { return Ok(None) };
        if !owner_tokens::spend(conn, live.id, now)? {
            return Ok(None);
        }
        let management_key = new_management_key();
        let key_digest = keys.token_digester().digest(TokenPurpose::ManagementKey, expose(&management_key));
        identities::replace_management_key(conn, record.id, &key_digest, now)?;
        let ended = owner_sessions::end_all(conn, record.id, now)?;
        let details = serde_json::json!({ "sessions_ended": ended });
        let event =
            AuditEvent::new(Actor::Owner, AuditAction::OwnerKeyReplaced, AuditSubject::Identity(record.id), details);
        audit::append(conn, &event, now)?;
        if let Some(to) = super::contact::contact_email(conn, keys, record.id)? {
            let notice =
                Mail::new(MailKind::KeyReplaced, &to, record.lang).date("date", now).value("link", "/my/lost-key");
            mail::queue(conn, keys, &notice.about(record.id), now)?;
        }
        Ok(Some(NewKey { reference: record.reference, management_key }))
    })
}
