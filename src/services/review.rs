//! Registrar review (DESIGN §3, §7) without a full read: a registrar checks
//! a `declared` identity against evidence (the registry answers match or no
//! match per field and shows a hint of the fields checked), then confirms it,
//! which raises every linked account to `registrar_checked`, or rejects it,
//! which shreds the record and sends its accounts back to `required`. One
//! registrar never reads a record whole.

use super::access::{DAY, LimitReached, check_limit};
use super::officials::Official;
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::KeyRing;
use crate::db::repo::identities::{self, ReviewRow};
use crate::db::repo::review_checks::{self, NewCheck};
use crate::db::repo::{accounts, owner_sessions, pending};
use crate::db::{DbConnection, DbError, lock_feed, serialize_appenders, write_tx};
use crate::domain::evidence::{Verdict, mask};
use crate::domain::{
    DailyLimits, Evidence, EvidenceError, Field, FieldList, FieldMatch, IdentityId, Page, PageBounds, PageError,
    RegistryPolicy, RejectionReason, Role,
};
use crate::mail::{self, Mail, MailKind};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("registrar review needs the registrar role")]
    Forbidden,
    #[error("identity not found")]
    NotFound,
    /// A confirmed record is never opened or changed by review again.
    #[error("the identity was already confirmed")]
    AlreadyConfirmed,
    /// The registrar's newest check (in the last 24 hours) does not support
    /// the decision (see [`Needs`]).
    #[error("{0}")]
    NotChecked(&'static str),
    /// Crypto-shredded under retention: there is nothing left to review.
    #[error("the identity's data was deleted under retention on {0}")]
    Shredded(chrono::NaiveDateTime),
    #[error("must be 10 to 500 characters")]
    Purpose,
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Invalid(#[from] PageError),
    #[error(transparent)]
    DailyLimit(#[from] LimitReached),
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

/// A registrar's look at one identity before checking it: no personal data.
pub fn find(conn: &mut DbConnection, official: &Official, reference: &str) -> Result<ReviewRow, ReviewError> {
    require_registrar(official)?;
    reviewable(conn, reference)
}

/// The identity, if it is still on file and not yet confirmed.
fn reviewable(conn: &mut DbConnection, reference: &str) -> Result<ReviewRow, ReviewError> {
    let identity = identities::find_for_review(conn, reference)?.ok_or(ReviewError::NotFound)?;
    match (identity.shredded_at, identity.registrar_checked_at) {
        (Some(at), _) => Err(ReviewError::Shredded(at)),
        (None, Some(_)) => Err(ReviewError::AlreadyConfirmed),
        (None, None) => Ok(identity),
    }
}

/// Why a registrar checks: recorded with the check for auditors.
fn purpose(text: &str) -> Result<&str, ReviewError> {
    let text = text.trim();
    if (10..=500).contains(&text.chars().count()) { Ok(text) } else { Err(ReviewError::Purpose) }
}

/// What a check answers: match or no match for each field checked, and a
/// hint of those of them that were declared (see [`mask`]).
pub struct Checked {
    pub identity: ReviewRow,
    pub masked: Vec<(Field, String)>,
    pub results: BTreeMap<Field, FieldMatch>,
    /// Every declared field was checked and all matched: the registrar may confirm.
    pub confirmable: bool,
}

/// Checks a declaration against what the evidence shows. Counted against
/// the registrar's daily limit and logged in the transaction that decrypts,
/// so a check that cannot be recorded answers nothing.
pub fn check(
    conn: &mut DbConnection,
    keys: &KeyRing,
    official: &Official,
    (reference, why): (&str, &str),
    claims: &BTreeMap<String, String>,
    limits: &DailyLimits,
    now: DateTime<Utc>,
) -> Result<Checked, ReviewError> {
    require_registrar(official)?;
    let why = purpose(why)?;
    let evidence = Evidence::parse(claims, now.date_naive())?;
    let checked = write_tx(conn, |conn| -> Result<Result<Checked, LimitReached>, ReviewError> {
        serialize_appenders(conn)?;
        let identity = reviewable(conn, reference)?;
        if let Some(field) = evidence.fields().find(|f| !identity.owner_type.checkable_fields().contains(f)) {
            let field = format!("claims.{field}");
            return Err(EvidenceError { field, problem: "is not declared by this kind of owner" }.into());
        }
        let recent = review_checks::made_since(conn, official.id, now - DAY)?;
        let subject = AuditSubject::Identity(identity.id);
        if let Some(reached) = check_limit(conn, official, recent, ("reviews", limits.reviews), subject, now)? {
            return Ok(Err(reached));
        }
        let declared = identities::open_fields(conn, keys, identity.id, Field::ALL)?;
        let results = evidence.compare(&declared, identity.created_at.date());
        let declared_fields: Vec<Field> = declared.iter().map(|(field, _)| *field).collect();
        let verdict = Verdict::of(&results, identity.owner_type, &declared_fields);
        let codes: Vec<&str> = results.keys().map(|field| field.as_str()).collect();
        let fields = FieldList::parse(&codes).map_err(|_| DbError::Corrupt("checked fields"))?;
        let details = serde_json::json!({ "results": results });
        let event = AuditEvent::new(Actor::Official(official.id), AuditAction::IdentityChecked, subject, details);
        let audit_seq = audit::append(conn, &event, now)?;
        let new = NewCheck {
            identity_id: identity.id,
            official_id: official.id,
            purpose: why,
            fields: &fields,
            verdict,
            audit_seq,
        };
        review_checks::insert(conn, &new, now)?;
        // Hints only of what the registrar brought evidence for.
        let masked = declared
            .iter()
            .filter(|(field, _)| results.contains_key(field))
            .filter_map(|(field, value)| Some((*field, mask(*field, value)?)))
            .collect();
        Ok(Ok(Checked { identity, masked, results, confirmable: verdict.confirms }))
    })?;
    Ok(checked?)
}

/// What deciding on a declaration needs of the registrar's own newest check
/// of it (in the last 24 hours): a later check replaces an earlier one.
#[derive(Clone, Copy)]
enum Needs {
    /// Confirming: every declared field checked, all matching.
    Confirmation,
    /// Rejecting as not matching: a field that did not match.
    Contradiction,
    /// Rejecting for what the fields cannot show (an invalid document, no
    /// such person, someone else declaring): a check that compared
    /// something declared.
    AnyCheck,
}

impl Needs {
    fn met_by(self, verdict: Verdict) -> bool {
        match self {
            Needs::Confirmation => verdict.confirms,
            Needs::Contradiction => verdict.contradicts,
            Needs::AnyCheck => verdict.compared,
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Needs::Confirmation => {
                "confirming needs your newest check, in the last 24 hours, to match every declared field"
            }
            Needs::Contradiction => {
                "rejecting as not matching needs your newest check, in the last 24 hours, to find a field that does not match"
            }
            Needs::AnyCheck => "rejecting needs your newest check, in the last 24 hours, to compare something declared",
        }
    }
}

/// The declaration, if it may still be reviewed and `official`'s newest check of it meets `needs`.
fn decidable(
    conn: &mut DbConnection,
    official: &Official,
    reference: &str,
    needs: Needs,
    now: DateTime<Utc>,
) -> Result<ReviewRow, ReviewError> {
    let identity = reviewable(conn, reference)?;
    match review_checks::newest_verdict(conn, identity.id, official.id, now - DAY)? {
        Some(verdict) if needs.met_by(verdict) => Ok(identity),
        _ => Err(ReviewError::NotChecked(needs.refusal())),
    }
}

/// Confirms a declared identity; returns how many accounts it raised.
pub fn confirm(
    conn: &mut DbConnection,
    keys: &KeyRing,
    official: &Official,
    reference: &str,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<usize, ReviewError> {
    require_registrar(official)?;
    write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let identity = decidable(conn, official, reference, Needs::Confirmation, now)?;
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

/// Rejects a declaration found false. The record is crypto-shredded at once
/// (nothing false is kept, and the identifier is free for its real holder):
/// every account linked to it is `required` again with a fresh deadline (its
/// platform issues a new claim code), the record's sessions, mailed proofs and
/// waiting identifications end, and its owner is told why. A data mismatch
/// needs the registrar's newest check to have found one. Returns how many
/// accounts went back to `required`.
pub fn reject(
    conn: &mut DbConnection,
    keys: &KeyRing,
    official: &Official,
    reference: &str,
    reason: RejectionReason,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<usize, ReviewError> {
    require_registrar(official)?;
    let needs = if reason == RejectionReason::DataMismatch { Needs::Contradiction } else { Needs::AnyCheck };
    let returned = write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let identity = decidable(conn, official, reference, needs, now)?;
        let mut returned = 0;
        let mut deadline = None;
        for row in accounts::linked_to_identity(conn, identity.id)? {
            identities::withdraw_account(conn, row.id, identity.id, now)?;
            let outcome = policy.dispute_identity(&row.state(), now);
            super::accounts::save_outcome(conn, &row, &outcome)?;
            if !outcome.changes.is_empty() {
                returned += 1;
                deadline = deadline.or(outcome.state.deadline);
            }
        }
        owner_sessions::end_all(conn, identity.id, now)?;
        pending::delete_for_record(conn, identity.id)?;
        if let Some(Some((to, lang))) = super::retention::shred_record(conn, keys, identity.id, now)? {
            let notice = Mail::new(MailKind::DeclarationRejected, &to, lang)
                .value("reason", reason.as_str())
                .date("date", deadline.unwrap_or(now + policy.grace_period))
                .value("link", "/claim");
            mail::queue(conn, keys, &notice, now)?;
        }
        let details = serde_json::json!({ "reason": reason.as_str(), "accounts": returned, "shredded": true });
        let event = AuditEvent::new(
            Actor::Official(official.id),
            AuditAction::IdentityRejected,
            AuditSubject::Identity(identity.id),
            details,
        );
        audit::append(conn, &event, now)?;
        Ok::<_, ReviewError>(returned)
    })?;
    crate::db::forget_shredded(conn)?;
    Ok(returned)
}
