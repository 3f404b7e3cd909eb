//! Owner mail: what a message says and to whom, queued in the outbox in the
//! transaction of the event that causes it, and delivered by a background
//! worker ([`deliver`]) over SMTP, or written as `.eml` files when no SMTP
//! server is configured.
//!
//! A message holds only what the owner needs and a link: never an
//! identifier, a name, a claim code or a management key. Its recipient and
//! values are sealed in the outbox under the master key, and deleted once it
//! is sent. It is written at send time in the owner's language from the
//! catalogues (`mail-<kind>-subject`, `mail-<kind>-body`), as plain text
//! and simple HTML.

pub mod deliver;
mod render;

use crate::crypto::KeyRing;
use crate::db::repo::outbox::{self, NewMessage};
use crate::db::{DbConnection, DbError};
use crate::domain::{ContactEmail, IdentityId, string_enum};
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

string_enum! {
    /// What a message is about. Each kind's texts are in the catalogues.
    pub enum MailKind: UnknownMailKind {
        /// A code confirming the address typed for a new record.
        ContactCode = "contact-code",
        /// To a record's address: a code to add an account to the record.
        LinkRequest = "link-request",
        /// To an address typed for an identifier on file: the code went to the record's address.
        CodeElsewhere = "code-elsewhere",
        /// To a record's address: an account was linked to it, with a link to report it.
        AccountLinked = "account-linked",
        /// A code confirming a new contact address, sent to it.
        EmailChangeCode = "email-change-code",
        /// To a record's confirmed address: a link to set a new management key.
        KeyResetLink = "key-reset-link",
        /// To a record's address: a new management key was set and every session ended.
        KeyReplaced = "key-replaced",
        /// To the address typed in an unfinished identification: the deadline is near.
        DeadlineSoon = "deadline-soon",
        /// To the address typed in an unfinished identification: the deadline passed.
        Overdue = "overdue",
        /// To a record's address: a disclosure became visible (authority, legal basis, date).
        DisclosureVisible = "disclosure-visible",
        /// To a record's address: no account needs it; the date its data will be deleted.
        DeletionScheduled = "deletion-scheduled",
        /// To a record's former address: its data was deleted.
        DataDeleted = "data-deleted",
        /// To a record's address: a registrar found the declaration false; its accounts need identifying again.
        DeclarationRejected = "declaration-rejected",
        /// To the previous address when the contact address changes.
        ContactChanged = "contact-changed",
    }
}

/// A message to queue.
pub struct Mail<'a> {
    pub kind: MailKind,
    pub to: &'a ContactEmail,
    pub lang: Lang,
    /// The values the texts name (`{ $date }`); `link` is a path on this site.
    pub values: Vec<(&'static str, String)>,
    /// Days the texts name, written out in the owner's language when the letter is rendered.
    pub dates: Vec<(&'static str, DateTime<Utc>)>,
    /// The record it is about: its unsent mail is dropped when it is shredded.
    pub about: Option<IdentityId>,
    /// A key naming the event, so that it is mailed at most once.
    pub once: Option<String>,
    /// After this the message is worthless (a code that expired) and is not sent.
    pub expires_at: Option<DateTime<Utc>>,
}

impl<'a> Mail<'a> {
    pub fn new(kind: MailKind, to: &'a ContactEmail, lang: Lang) -> Self {
        Self { kind, to, lang, values: Vec::new(), dates: Vec::new(), about: None, once: None, expires_at: None }
    }

    pub fn value(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.values.push((name, value.into()));
        self
    }

    /// A day, as the messages show dates.
    pub fn date(mut self, name: &'static str, at: DateTime<Utc>) -> Self {
        self.dates.push((name, at));
        self
    }

    pub fn about(mut self, identity_id: IdentityId) -> Self {
        self.about = Some(identity_id);
        self
    }

    pub fn once(mut self, event: String) -> Self {
        self.once = Some(event);
        self
    }

    pub fn expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }
}

/// What the outbox seals: the recipient, the language and the values.
#[derive(Serialize, Deserialize)]
struct Letter {
    to: String,
    lang: Lang,
    values: BTreeMap<String, String>,
    /// Absent from letters queued before dates were written out per language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    dates: BTreeMap<String, DateTime<Utc>>,
}

/// Queues a message in the caller's transaction. False when the event it
/// names in `once` was mailed before.
pub fn queue(conn: &mut DbConnection, keys: &KeyRing, mail: &Mail<'_>, now: DateTime<Utc>) -> Result<bool, DbError> {
    let letter = Letter {
        to: mail.to.expose().to_owned(),
        lang: mail.lang,
        values: mail.values.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect(),
        dates: mail.dates.iter().map(|(name, at)| ((*name).to_owned(), *at)).collect(),
    };
    // Serializing strings cannot fail.
    let payload = zeroize::Zeroizing::new(serde_json::to_vec(&letter).map_err(|_| DbError::Corrupt("mail payload"))?);
    let message = NewMessage {
        kind: mail.kind,
        identity_id: mail.about,
        dedupe_key: mail.once.as_deref(),
        payload: &payload,
        expires_at: mail.expires_at,
    };
    outbox::insert(conn, keys, &message, now)
}
