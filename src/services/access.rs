//! Access requests (DESIGN §7): an official files a request with a legal
//! basis; a different official with the approver role decides; the
//! requester opens what was approved. Every step is an audit entry in the
//! same transaction, and a disclosure fails closed.

use super::officials::Official;
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::{BlindIndex, KeyRing};
use crate::db::repo::access_requests::{self as repo, Decision, NewRequest, RecentActions, StoredTarget};
use crate::db::repo::identities;
use crate::db::repo::platforms;
use crate::db::{DbConnection, DbError, serialize_appenders, write_tx};
use crate::domain::access_request::{NewAccessRequest, RequestError, Target};
use crate::domain::{DailyLimits, Field, Identifier, IdentityId, RegistryPolicy, RequestId, RequestState, Role};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

pub use crate::db::repo::access_requests::RequestRow;
pub use crate::db::repo::identities::AccountSummary;

/// The longest an approver may defer telling the owner.
pub const MAX_NOTIFICATION_DEFERRAL: TimeDelta = TimeDelta::days(180);

/// How many times an approved request may be opened.
pub const MAX_OPENINGS: i32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("access request not found")]
    NotFound,
    #[error("the request has already been decided")]
    AlreadyDecided,
    #[error("the request is not approved")]
    NotApproved,
    #[error("the approval has expired")]
    ApprovalExpired,
    #[error("the request has been opened the maximum number of times")]
    OpeningsUsed,
    /// Nobody with the request's target has identified (or the identifier's data was shredded: its blind index is gone too).
    #[error("no identity is on file for the request's target")]
    NoIdentity,
    #[error("the identity's data was deleted under retention at {0}")]
    DataDeleted(DateTime<Utc>),
    #[error(transparent)]
    Invalid(#[from] RequestError),
    #[error(transparent)]
    DailyLimit(#[from] LimitReached),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// An official has used up a daily limit; the refusal is in the audit log.
#[derive(Debug, thiserror::Error)]
#[error("the limit of {limit} {what} per official in 24 hours is reached")]
pub struct LimitReached {
    pub what: &'static str,
    pub limit: u32,
    /// When the oldest counted action leaves the 24-hour window.
    pub retry_at: DateTime<Utc>,
}

pub(super) const DAY: TimeDelta = TimeDelta::days(1);

/// Checks one daily limit; past it, appends the refusal and says so. The
/// caller commits the refusal entry and then reports the error.
pub(super) fn check_limit(
    conn: &mut DbConnection,
    official: &Official,
    recent: RecentActions,
    (what, limit): (&'static str, u32),
    subject: AuditSubject,
    now: DateTime<Utc>,
) -> Result<Option<LimitReached>, DbError> {
    if recent.count < i64::from(limit) {
        return Ok(None);
    }
    let details = serde_json::json!({ "limit": what, "per_day": limit });
    let event = AuditEvent::new(Actor::Official(official.id), AuditAction::DailyLimitReached, subject, details);
    audit::append(conn, &event, now)?;
    let retry_at = recent.oldest.map_or(now + DAY, |t| t.and_utc() + DAY);
    Ok(Some(LimitReached { what, limit, retry_at }))
}

/// The identifier of a request by identifier, as its requester and
/// approvers see it. Sealed at rest like identity data.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ShownIdentifier {
    pub identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl std::fmt::Debug for ShownIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShownIdentifier(<redacted>)")
    }
}

impl ShownIdentifier {
    fn of(identifier: &Identifier) -> Self {
        match identifier {
            Identifier::Iin(iin) => Self { identifier: iin.expose(), country: None },
            Identifier::Bin(bin) => Self { identifier: bin.expose(), country: None },
            Identifier::Document { country, number } => {
                Self { identifier: number.expose().to_owned(), country: Some(country.as_str().to_owned()) }
            }
        }
    }
}

/// Files a request. `blind_index` is the target identifier's, computed by the
/// caller off the async executor (it costs one argon2 evaluation).
pub fn file(
    conn: &mut DbConnection,
    keys: &KeyRing,
    official: &Official,
    request: &NewAccessRequest,
    blind_index: Option<&BlindIndex>,
    limits: &DailyLimits,
    now: DateTime<Utc>,
) -> Result<RequestId, AccessError> {
    if !official.roles.contains(Role::Requester) {
        return Err(AccessError::Forbidden(Role::Requester.refusal()));
    }
    let filed = write_tx(conn, |conn| -> Result<Result<RequestId, LimitReached>, AccessError> {
        serialize_appenders(conn)?;
        let target = match &request.target {
            Target::Account { platform, account_ref } => {
                let platform_id = platforms::find_id_by_slug(conn, platform)?.ok_or_else(|| RequestError {
                    field: "target.platform",
                    problem: "is not a registered platform".into(),
                })?;
                StoredTarget::Account { platform_id, account_ref: account_ref.clone() }
            }
            Target::Identifier(identifier) => {
                let recent = repo::identifier_filings_since(conn, official.id, now - DAY)?;
                let limit = ("identifier searches", limits.identifier_searches);
                if let Some(reached) =
                    check_limit(conn, official, recent, limit, AuditSubject::Official(official.id), now)?
                {
                    return Ok(Err(reached));
                }
                let index = blind_index.ok_or(DbError::NotFound("blind index of the target"))?;
                StoredTarget::Identifier { kind: identifier.kind(), index: index.clone() }
            }
        };
        let new = NewRequest {
            requester_id: official.id,
            target,
            legal_basis: request.legal_basis,
            authority: request.authority,
            basis_document_number: &request.basis_document.number,
            basis_document_date: request.basis_document.date,
            basis_document_issuer: &request.basis_document.issuer,
            justification: &request.justification,
            fields: &request.fields,
        };
        let id = repo::insert(conn, &new, now)?;
        if let Target::Identifier(identifier) = &request.target {
            let text = Zeroizing::new(
                serde_json::to_vec(&ShownIdentifier::of(identifier)).map_err(|_| DbError::Corrupt("identifier"))?,
            );
            repo::seal_identifier(conn, keys, id, &text)?;
        }
        let details =
            serde_json::json!({ "legal_basis": request.legal_basis.as_str(), "fields": request.fields.to_codes() });
        let event = AuditEvent::new(
            Actor::Official(official.id),
            AuditAction::AccessRequestFiled,
            AuditSubject::AccessRequest(id),
            details,
        );
        audit::append(conn, &event, now)?;
        Ok(Ok(id))
    })?;
    Ok(filed?)
}

/// Approvers and auditors read every request; requesters only their own.
fn reads_every_request(official: &Official) -> bool {
    official.roles.contains(Role::Approver) || official.roles.contains(Role::Auditor)
}

/// Who may read a request: its requester, approvers and auditors.
pub fn view(conn: &mut DbConnection, official: &Official, id: RequestId) -> Result<RequestRow, AccessError> {
    let row = repo::find(conn, id)?.ok_or(AccessError::NotFound)?;
    let allowed = row.requester_id == official.id || reads_every_request(official);
    // A request the official may not see is reported as absent.
    if allowed { Ok(row) } else { Err(AccessError::NotFound) }
}

/// The identifier a request by identifier searches for, for its requester
/// and for approvers (auditors read requests without it), while the request
/// is pending or approved. Each showing is logged in the transaction that
/// opens it. `None` for a request on an account, for others, for a request
/// denied or expired, or once the identity it names was shredded.
pub fn identifier(
    conn: &mut DbConnection,
    keys: &KeyRing,
    official: &Official,
    id: RequestId,
    now: DateTime<Utc>,
) -> Result<Option<ShownIdentifier>, AccessError> {
    write_tx(conn, |conn| {
        let row = view(conn, official, id)?;
        if row.requester_id != official.id && !official.roles.contains(Role::Approver) {
            return Ok(None);
        }
        if !matches!(row.state_at(now), RequestState::Pending | RequestState::Approved) {
            return Ok(None);
        }
        let Some(text) = repo::open_identifier(conn, keys, id)? else { return Ok(None) };
        let shown: ShownIdentifier =
            serde_json::from_slice(&text).map_err(|_| DbError::Corrupt("access_requests.target_identifier"))?;
        let event = AuditEvent::new(
            Actor::Official(official.id),
            AuditAction::AccessRequestIdentifierShown,
            AuditSubject::AccessRequest(id),
            serde_json::json!({}),
        );
        audit::append(conn, &event, now)?;
        Ok(Some(shown))
    })
}

/// A request in the list, with who filed it.
pub struct ListedRequest {
    pub request: RequestRow,
    pub requester: String,
}

/// The newest requests an official may read (the rule of [`view`]).
pub fn list(conn: &mut DbConnection, official: &Official, limit: i64) -> Result<Vec<ListedRequest>, DbError> {
    let rows = repo::newest(conn, (!reads_every_request(official)).then_some(official.id), limit)?;
    let mut ids: Vec<_> = rows.iter().map(|r| r.requester_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<_, _> =
        crate::db::repo::officials::usernames(conn, &ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|request| {
            let requester = names.get(&request.requester_id).cloned().unwrap_or_default();
            ListedRequest { request, requester }
        })
        .collect())
}

/// Only an approver decides, and never on their own request.
fn may_decide(official: &Official, request: &RequestRow) -> Result<(), AccessError> {
    if !official.roles.contains(Role::Approver) {
        return Err(AccessError::Forbidden(Role::Approver.refusal()));
    }
    if request.requester_id == official.id {
        return Err(AccessError::Forbidden("nobody decides their own request"));
    }
    Ok(())
}

/// Only the official who filed a request opens it.
fn may_open(official: &Official, request: &RequestRow) -> Result<(), AccessError> {
    if request.requester_id == official.id {
        Ok(())
    } else {
        Err(AccessError::Forbidden("only the official who filed the request opens it"))
    }
}

/// What an official may do with a request now: what the pages offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permissions {
    pub decide: bool,
    pub open: bool,
}

pub fn permissions(official: &Official, request: &RequestRow, now: DateTime<Utc>) -> Permissions {
    let state = request.state_at(now);
    Permissions {
        decide: state == RequestState::Pending && may_decide(official, request).is_ok(),
        open: state == RequestState::Approved && may_open(official, request).is_ok(),
    }
}

/// What an approver decided.
pub struct Verdict<'a> {
    pub approve: bool,
    pub reason: &'a str,
    pub notify_owner_after: Option<DateTime<Utc>>,
}

/// Approves or denies a pending request filed by someone else.
pub fn decide(
    conn: &mut DbConnection,
    official: &Official,
    id: RequestId,
    verdict: &Verdict<'_>,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<RequestRow, AccessError> {
    let Verdict { approve, reason, notify_owner_after } = *verdict;
    if !official.roles.contains(Role::Approver) {
        return Err(AccessError::Forbidden(Role::Approver.refusal()));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(RequestError { field: "reason", problem: "must be 1 to 2000 characters".into() }.into());
    }
    if let Some(after) = notify_owner_after
        && (after <= now || after > now + MAX_NOTIFICATION_DEFERRAL)
    {
        return Err(RequestError { field: "notify_owner_after", problem: "must be in the next 180 days".into() }.into());
    }
    write_tx(conn, |conn| {
        let row = repo::find(conn, id)?.ok_or(AccessError::NotFound)?;
        may_decide(official, &row)?;
        if approve && let Err(deleted @ AccessError::DataDeleted(_)) = target_identity(conn, id) {
            return Err(deleted); // nothing left to approve; denying still closes the request
        }
        let decision = Decision {
            approver_id: official.id,
            approve,
            reason,
            notify_owner_after,
            valid_until: approve.then(|| now + policy.disclosure_validity),
        };
        if !repo::decide(conn, id, &decision, now)? {
            return Err(AccessError::AlreadyDecided);
        }
        if !approve {
            // A denied search has no further use for whom it searched for.
            repo::forget_identifier_of(conn, id)?;
        }
        let action = if approve { AuditAction::AccessRequestApproved } else { AuditAction::AccessRequestDenied };
        let details = serde_json::json!({ "deferred": notify_owner_after.is_some() });
        let event = AuditEvent::new(Actor::Official(official.id), action, AuditSubject::AccessRequest(id), details);
        audit::append(conn, &event, now)?;
        repo::find(conn, id)?.ok_or(AccessError::NotFound)
    })
}

/// The identity a request is for, if its data is still on file.
fn target_identity(conn: &mut DbConnection, request_id: RequestId) -> Result<IdentityId, AccessError> {
    let identity_id = match repo::target(conn, request_id)?.ok_or(AccessError::NotFound)? {
        StoredTarget::Account { platform_id, account_ref } => {
            identities::find_id_by_account(conn, platform_id, &account_ref)?
        }
        StoredTarget::Identifier { index, .. } => identities::find_by_blind_index(conn, &index)?.map(|found| found.id),
    }
    .ok_or(AccessError::NoIdentity)?;
    match identities::shredded_at(conn, identity_id)? {
        Some(at) => Err(AccessError::DataDeleted(at)),
        None => Ok(identity_id),
    }
}

/// The accounts a disclosure lists: for a request on an account, that
/// account only, unless every account of the person (`accounts`) was
/// approved; for a request by identifier, every account of the person.
fn disclosed_accounts(
    conn: &mut DbConnection,
    request: &RequestRow,
    identity_id: IdentityId,
) -> Result<Vec<AccountSummary>, DbError> {
    let mut accounts = identities::accounts_of(conn, identity_id)?;
    if let (Some(platform), Some(account_ref), false) =
        (&request.target_platform, &request.target_account_ref, request.fields.includes_accounts())
    {
        accounts.retain(|a| a.platform == *platform && a.account_ref == *account_ref);
    }
    Ok(accounts)
}

/// What a disclosure reveals: the accounts approved and only the approved fields.
pub struct Disclosed {
    pub accounts: Vec<AccountSummary>,
    pub fields: Vec<(Field, Zeroizing<String>)>,
}

/// Opens an approved request: in one transaction the opening is counted,
/// written to the audit log and recorded for the owner, and only then are
/// the approved fields decrypted. If any of it fails, nothing is returned.
pub fn disclose(
    conn: &mut DbConnection,
    keys: &KeyRing,
    official: &Official,
    id: RequestId,
    limits: &DailyLimits,
    now: DateTime<Utc>,
) -> Result<Disclosed, AccessError> {
    let disclosed = write_tx(conn, |conn| -> Result<Result<Disclosed, LimitReached>, AccessError> {
        serialize_appenders(conn)?;
        let row = repo::find(conn, id)?.ok_or(AccessError::NotFound)?;
        may_open(official, &row)?;
        match row.state_at(now) {
            RequestState::Approved => {}
            RequestState::Expired => return Err(AccessError::ApprovalExpired),
            RequestState::Pending | RequestState::Denied => return Err(AccessError::NotApproved),
        }
        let identity_id = target_identity(conn, id)?;
        let recent = repo::disclosures_since(conn, official.id, now - DAY)?;
        let limit = ("disclosures", limits.disclosures);
        if let Some(reached) = check_limit(conn, official, recent, limit, AuditSubject::AccessRequest(id), now)? {
            return Ok(Err(reached));
        }
        if !repo::count_opening(conn, id, MAX_OPENINGS)? {
            return Err(AccessError::OpeningsUsed);
        }
        let details =
            serde_json::json!({ "identity": AuditSubject::Identity(identity_id), "opening": row.openings + 1 });
        let event = AuditEvent::new(
            Actor::Official(official.id),
            AuditAction::DisclosureOpened,
            AuditSubject::AccessRequest(id),
            details,
        );
        let seq = audit::append(conn, &event, now)?;
        identities::record_disclosure(conn, id, identity_id, official.id, seq, now)?;
        Ok(Ok(Disclosed {
            accounts: disclosed_accounts(conn, &row, identity_id)?,
            fields: identities::open_fields(conn, keys, identity_id, row.fields.as_slice())?,
        }))
    })?;
    Ok(disclosed?)
}
