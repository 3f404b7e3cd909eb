//! Delivering the outbox: each due message is leased for one attempt, sent
//! without holding a database connection, then marked sent (its recipient
//! and values deleted), retried later with back-off, or dropped. Several
//! processes can deliver from one database: a lease is taken by one only.
//!
//! A message is handed to SMTP at least once: if a process stops between
//! the server's acceptance and the mark, the message goes again after its
//! lease. The lease outlasts the SMTP timeout, so that never happens otherwise.

use super::render::{RenderError, render};
use super::{Letter, MailKind};
use crate::config::{MailSettings, PublicSettings};
use crate::crypto::KeyRing;
use crate::db::repo::outbox::{self, QueuedMessage};
use crate::db::{DbError, Pool, write_tx};
use crate::i18n::Catalogues;
use chrono::{DateTime, TimeDelta, Utc};
use lettre::message::Mailbox;
use lettre::{FileTransport, Message, SmtpTransport, Transport as _};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::sync::Arc;

/// Messages tried per round.
const BATCH: i64 = 20;

/// A message not delivered within this time is given up.
const GIVE_UP_AFTER: TimeDelta = TimeDelta::days(3);

/// The longest wait between two attempts.
const MAX_RETRY: TimeDelta = TimeDelta::hours(1);

#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("REGISTRY_SMTP_URL cannot be used: {0}")]
    SmtpUrl(#[from] lettre::transport::smtp::Error),
    #[error("cannot create the mail directory {0}: {1}")]
    Directory(String, std::io::Error),
}

/// Where messages go.
enum Transport {
    Smtp(SmtpTransport),
    /// The embedded default: `.eml` files in a directory, for reading by hand.
    Files(FileTransport, PathBuf),
}

/// Why one attempt failed.
enum SendError {
    /// The server refused for good (5xx): sending again would not help.
    Permanent(String),
    /// Anything that may pass: no connection, timeout, 4xx.
    Transient(String),
}

/// Everything the worker needs to write and send messages.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    public: PublicSettings,
    catalogues: Arc<Catalogues>,
    retry: TimeDelta,
    lease: TimeDelta,
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
    pub dropped: usize,
}

impl Mailer {
    pub fn new(
        settings: &MailSettings,
        public: &PublicSettings,
        catalogues: Arc<Catalogues>,
    ) -> Result<Self, MailSetupError> {
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                SmtpTransport::from_url(url.expose_secret())?.timeout(Some(settings.smtp_timeout)).build(),
            ),
            None => {
                let dir = &settings.dir;
                // The files hold recipients in plain text: readable by the service's user only.
                std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
                    .create(dir)
                    .map_err(|e| MailSetupError::Directory(dir.display().to_string(), e))?;
                Transport::Files(FileTransport::new(dir), dir.clone())
            }
        };
        let lease = TimeDelta::from_std(settings.smtp_timeout * 4).unwrap_or(TimeDelta::minutes(2));
        Ok(Self {
            transport,
            from: settings.from.clone(),
            public: public.clone(),
            catalogues,
            retry: settings.retry,
            lease: lease.max(TimeDelta::seconds(10)),
        })
    }

    /// Tries every due message once; stops early when the database fails.
    pub fn deliver_due(&self, pool: &Pool, keys: &KeyRing) -> Result<Round, DbError> {
        let mut round = Round::default();
        let due = outbox::due(&mut *pool.get()?, crate::db::now(), BATCH)?;
        for message in due {
            let now = crate::db::now();
            let leased = write_tx(&mut *pool.get()?, |conn| outbox::lease(conn, &message, now + self.lease))?;
            if !leased {
                continue;
            }
            let outcome = self.attempt(&message, keys, now);
            let mut conn = pool.get()?;
            let now = crate::db::now();
            write_tx(&mut conn, |conn| match &outcome {
                Ok(()) => {
                    round.sent += 1;
                    outbox::sent(conn, message.id, now)
                }
                Err(SendError::Permanent(reason)) => {
                    round.dropped += 1;
                    outbox::dropped(conn, message.id, now, reason)
                }
                Err(SendError::Transient(reason)) if now - message.created_at.and_utc() > GIVE_UP_AFTER => {
                    round.dropped += 1;
                    outbox::dropped(conn, message.id, now, &format!("gave up: {reason}"))
                }
                Err(SendError::Transient(reason)) => {
                    round.failed += 1;
                    outbox::failed(conn, message.id, now + self.backoff(message.attempts), reason)
                }
            })?;
            match outcome {
                Ok(()) => tracing::info!(mail.id = message.id.get(), mail.kind = %message.kind, "mail handed over"),
                Err(SendError::Permanent(reason) | SendError::Transient(reason)) => {
                    tracing::warn!(mail.id = message.id.get(), mail.kind = %message.kind, reason, "mail not delivered")
                }
            }
        }
        Ok(round)
    }

    /// The wait after the `failures`-th failure (counting from 0): doubling, at most an hour.
    fn backoff(&self, failures: i32) -> TimeDelta {
        let factor = 1_i32.checked_shl(failures.clamp(0, 16) as u32).unwrap_or(i32::MAX);
        (self.retry * factor).min(MAX_RETRY)
    }

    fn attempt(&self, message: &QueuedMessage, keys: &KeyRing, now: DateTime<Utc>) -> Result<(), SendError> {
        if message.expires_at.is_some_and(|at| at.and_utc() <= now) {
            return Err(SendError::Permanent("expired before delivery".into()));
        }
        let letter = open(message, keys).map_err(|e| SendError::Permanent(format!("cannot open: {e}")))?;
        let email = render(&self.catalogues, &self.public, &self.from, message.kind, &letter)
            .map_err(|e: RenderError| SendError::Permanent(e.to_string()))?;
        self.send(&email, message.kind)
    }

    fn send(&self, email: &Message, kind: MailKind) -> Result<(), SendError> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(email).map(drop).map_err(|e| {
                // Only the reply code: the server's text may quote the address.
                let code = e.status().map_or_else(|| "no reply".to_owned(), |code| format!("SMTP {code}"));
                if e.is_permanent() { SendError::Permanent(code) } else { SendError::Transient(code) }
            }),
            Transport::Files(files, dir) => match files.send(email) {
                Ok(id) => {
                    let file = dir.join(format!("{id}.eml"));
                    tracing::info!(mail.kind = %kind, mail.file = %file.display(), "no SMTP server set: mail written to a file");
                    Ok(())
                }
                Err(e) => Err(SendError::Transient(format!("cannot write the file: {e}"))),
            },
        }
    }
}

fn open(message: &QueuedMessage, keys: &KeyRing) -> Result<Letter, DbError> {
    let bytes = message.open(keys)?;
    serde_json::from_slice(&bytes).map_err(|_| DbError::Corrupt("mail payload"))
}
