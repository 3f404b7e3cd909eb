//! Registrar review (DESIGN §3, §7): an official with the registrar role
//! opens a `declared` identity's data (a logged view) and confirms it, which
//! raises every linked account's assurance to `registrar_checked`.

use super::officials::Official;
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::KeyRing;
use crate::db::repo::accounts;
use crate::db::repo::identities::{self, AccountSummary, ReviewRow};
use crate::db::{DbConnection, DbError, lock_feed, write_tx};
use crate::domain::{Field, IdentityId, Page, PageBounds, PageError, RegistryPolicy, Role};
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("registrar review needs the registrar role")]
    Forbidden,
    #[error("identity not found")]
    NotFound,
    #[error("the identity was already confirmed")]
    AlreadyConfirmed,
    /// Crypto-shredded under retention: there is nothing left to review.
    #[error("the identity's data was deleted under retention on {0}")]
    Shredded(chrono::NaiveDate),
    #[error(transparent)]
    Invalid(#[from] PageError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Identities per read of the queue: 50 unless asked, at most 500.
pub const QUEUE_BOUNDS: PageBounds = PageBounds { default_limit: 50, max_limit: 500 };

fn require_registrar(official: &Official) -> Result<(), ReviewError> {
    if official.roles.contains(Role::Registrar) { Ok(()) } else { Err(ReviewError::Forbidden) }
}

/// Identities waiting for review, oldest first. Shows no personal data.
pub fn queue(
    conn: &mut DbConnection,
    official: &Official,
    after: i64,
    limit: Option<i64>,
) -> Result<Vec<ReviewRow>, ReviewError> {
    require_registrar(official)?;
    let page = Page::parse(after, limit, QUEUE_BOUNDS)?;
    Ok(identities::review_queue(conn, IdentityId::new(page.after), page.limit)?)
}

/// What a registrar sees of one identity.
pub struct Opened {
    pub identity: ReviewRow,
    pub fields: Vec<(Field, Zeroizing<String>)>,
    pub accounts: Vec<AccountSummary>,
}

fn find(conn: &mut DbConnection, reference: &str) -> Result<ReviewRow, ReviewError> {
    let identity = identities::find_for_review(conn, reference)?.ok_or(ReviewError::NotFound)?;
    match identity.shredded_at {
        Some(at) => Err(ReviewError::Shredded(at.date())),
        None => Ok(identity),
    }
}

/// Opens every field of an identity. Like a disclosure it fails closed: the
/// view is written to the audit log in the transaction that decrypts.
pub fn open(
    conn: &mut DbConnection,
    keys: &KeyRing,
    official: &Official,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<Opened, ReviewError> {
    require_registrar(official)?;
    write_tx(conn, |conn| {
        let identity = find(conn, reference)?;
        let details = serde_json::json!({ "purpose": "registrar_review" });
        let subject = AuditSubject::Identity(identity.id);
        let event = AuditEvent::new(Actor::Official(official.id), AuditAction::IdentityViewed, subject, details);
        audit::append(conn, &event, now)?;
        Ok(Opened {
            fields: identities::open_fields(conn, keys, identity.id, Field::ALL)?,
            accounts: identities::accounts_of(conn, identity.id)?,
            identity,
        })
    })
}

/// Confirms a declared identity; returns how many accounts it raised.
pub fn confirm(
    conn: &mut DbConnection,
    official: &Official,
    reference: &str,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<usize, ReviewError> {
    require_registrar(official)?;
    write_tx(conn, |conn| {
        lock_feed(conn)?;
        let identity = find(conn, reference)?;
        if !identities::mark_registrar_checked(conn, identity.id, now)? {
            return Err(ReviewError::AlreadyConfirmed);
        }
        let mut raised = 0;
        for row in accounts::linked_to_identity(conn, identity.id)? {
            let state = row.state();
            let outcome = policy.confirm_identity(&state, now);
            if outcome.state.identity != state.identity || !outcome.changes.is_empty() {
                super::accounts::save_outcome(conn, &row, &outcome)?;
                raised += 1;
            }
        }
        let details = serde_json::json!({ "accounts": raised });
        let subject = AuditSubject::Identity(identity.id);
        let event =
            AuditEvent::new(Actor::Official(official.id), AuditAction::IdentityRegistrarChecked, subject, details);
        audit::append(conn, &event, now)?;
        Ok(raised)
    })
}
