//! Access requests (DESIGN §7): an official files a request with a legal
//! basis; a different official with the approver role decides. Every step is
//! an audit entry in the same transaction.

use crate::audit::{self, Actor, AuditEvent};
use crate::crypto::BlindIndex;
use crate::db::repo::access_requests::{self as repo, Decision, NewRequest, RequestRow};
use crate::db::repo::platforms;
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::access_request::{NewAccessRequest, RequestError, Target};
use crate::domain::{DailyLimits, Identifier, RegistryPolicy, Role};
use crate::services::officials::Official;
use chrono::{DateTime, TimeDelta, Utc};

/// The longest an approver may defer telling the owner.
pub const MAX_NOTIFICATION_DEFERRAL: TimeDelta = TimeDelta::days(180);

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
    #[error("the identity's data was deleted under retention on {0}")]
    DataDeleted(chrono::NaiveDate),
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

const DAY: TimeDelta = TimeDelta::days(1);

/// Checks one daily limit; past it, appends the refusal and says so. The
/// caller commits the refusal entry and then reports the error.
fn check_limit(
    conn: &mut DbConnection,
    official: &Official,
    (count, oldest): repo::RecentActions,
    (what, limit): (&'static str, u32),
    subject: String,
    now: DateTime<Utc>,
) -> Result<Option<LimitReached>, DbError> {
    if count < i64::from(limit) {
        return Ok(None);
    }
    let event = AuditEvent {
        actor: Actor::Official(official.id),
        action: "daily_limit.reached",
        subject,
        details: serde_json::json!({ "limit": what, "per_day": limit }),
    };
    audit::append(conn, &event, now)?;
    let retry_at = oldest.map_or(now + DAY, |t| t.and_utc() + DAY);
    Ok(Some(LimitReached { what, limit, retry_at }))
}

fn identifier_type(identifier: &Identifier) -> &'static str {
    match identifier {
        Identifier::Iin(_) => "iin",
        Identifier::Bin(_) => "bin",
        Identifier::Document { .. } => "document",
    }
}

/// Files a request. `blind_index` is the target identifier's, computed by the
/// caller off the async executor (it costs one argon2 evaluation).
pub fn file(
    conn: &mut DbConnection,
    official: &Official,
    request: &NewAccessRequest,
    blind_index: Option<&BlindIndex>,
    limits: &DailyLimits,
    now: DateTime<Utc>,
) -> Result<i64, AccessError> {
    if !official.roles.contains(Role::Requester) {
        return Err(AccessError::Forbidden("filing access requests needs the requester role"));
    }
    let fields = request.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",");
    let filed = write_tx(conn, |conn| -> Result<Result<i64, LimitReached>, AccessError> {
        crate::db::serialize_appenders(conn)?;
        if matches!(request.target, Target::Identifier(_)) {
            let recent = repo::identifier_filings_since(conn, official.id, now - DAY)?;
            let limit = ("identifier searches", limits.identifier_searches);
            if let Some(reached) = check_limit(conn, official, recent, limit, format!("official:{}", official.id), now)?
            {
                return Ok(Err(reached));
            }
        }
        let mut new = NewRequest {
            requester_id: official.id,
            target_platform_id: None,
            target_account_ref: None,
            target_identifier_type: None,
            target_blind_index: None,
            legal_basis: request.legal_basis.as_str(),
            basis_document_number: &request.basis_document.number,
            basis_document_date: request.basis_document.date,
            basis_document_issuer: &request.basis_document.issuer,
            justification: &request.justification,
            fields: &fields,
        };
        match &request.target {
            Target::Account { platform, account_ref } => {
                let id = platforms::find_id_by_slug(conn, platform)?.ok_or_else(|| RequestError {
                    field: "target.platform",
                    problem: "is not a registered platform".into(),
                })?;
                new.target_platform_id = Some(id);
                new.target_account_ref = Some(account_ref.as_str());
            }
            Target::Identifier(identifier) => {
                let index = blind_index.ok_or(DbError::NotFound("blind index of the target"))?;
                new.target_identifier_type = Some(identifier_type(identifier));
                new.target_blind_index = Some(index.0.as_slice());
            }
        }
        let id = repo::insert(conn, &new, now)?;
        let event = AuditEvent {
            actor: Actor::Official(official.id),
            action: "access_request.filed",
            subject: format!("access_request:{id}"),
            details: serde_json::json!({ "legal_basis": request.legal_basis.as_str(), "fields": fields }),
        };
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
pub fn view(conn: &mut DbConnection, official: &Official, id: i64) -> Result<RequestRow, AccessError> {
    let row = repo::find(conn, id)?.ok_or(AccessError::NotFound)?;
    let allowed = row.requester_id == official.id || reads_every_request(official);
    // A request the official may not see is reported as absent.
    if allowed { Ok(row) } else { Err(AccessError::NotFound) }
}

/// The newest requests an official may read (the rule of [`view`]).
pub fn list(conn: &mut DbConnection, official: &Official, limit: i64) -> Result<Vec<RequestRow>, AccessError> {
    Ok(repo::newest(conn, (!reads_every_request(official)).then_some(official.id), limit)?)
}

/// The state as of `now`: an approval past its validity window has expired.
pub fn state_at(row: &RequestRow, now: DateTime<Utc>) -> &str {
    match (row.state.as_str(), row.valid_until) {
        ("approved", Some(until)) if until.and_utc() <= now => "expired",
        (state, _) => state,
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
    id: i64,
    verdict: &Verdict<'_>,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<RequestRow, AccessError> {
    let Verdict { approve, reason, notify_owner_after } = *verdict;
    if !official.roles.contains(Role::Approver) {
        return Err(AccessError::Forbidden("deciding access requests needs the approver role"));
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
        if row.requester_id == official.id {
            return Err(AccessError::Forbidden("nobody decides their own request"));
        }
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
        let event = AuditEvent {
            actor: Actor::Official(official.id),
            action: if approve { "access_request.approved" } else { "access_request.denied" },
            subject: format!("access_request:{id}"),
            details: serde_json::json!({ "deferred": notify_owner_after.is_some() }),
        };
        audit::append(conn, &event, now)?;
        repo::find(conn, id)?.ok_or(AccessError::NotFound)
    })
}

/// The identity a request is for, if its data is still on file.
fn target_identity(conn: &mut DbConnection, request_id: i64) -> Result<i64, AccessError> {
    use crate::db::repo::identities;
    let (platform_id, account_ref, blind_index) = repo::target(conn, request_id)?.ok_or(AccessError::NotFound)?;
    let identity_id = match (platform_id, account_ref, blind_index) {
        (Some(platform_id), Some(account_ref), _) => identities::find_id_by_account(conn, platform_id, &account_ref)?,
        (_, _, Some(index)) => {
            let index =
                BlindIndex(index.try_into().map_err(|_| DbError::Corrupt("access_requests.target_blind_index"))?);
            identities::find_id_by_blind_index(conn, &index)?
        }
        _ => None,
    }
    .ok_or(AccessError::NoIdentity)?;
    match identities::shredded_at(conn, identity_id)? {
        Some(at) => Err(AccessError::DataDeleted(at.date_naive())),
        None => Ok(identity_id),
    }
}

/// How many times an approved request may be opened.
pub const MAX_OPENINGS: i32 = 3;

/// What a disclosure reveals: the person's accounts and only the approved fields.
pub struct Disclosed {
    /// (platform slug, account ref, status)
    pub accounts: Vec<(String, String, String)>,
    pub fields: Vec<(crate::domain::Field, zeroize::Zeroizing<String>)>,
}

/// Opens an approved request: in one transaction the opening is counted,
/// written to the audit log and recorded for the owner, and only then are
/// the approved fields decrypted. If any of it fails, nothing is returned.
pub fn disclose(
    conn: &mut DbConnection,
    keys: &crate::crypto::KeyRing,
    official: &Official,
    id: i64,
    limits: &DailyLimits,
    now: DateTime<Utc>,
) -> Result<Disclosed, AccessError> {
    use crate::db::repo::identities;
    let disclosed = write_tx(conn, |conn| -> Result<Result<Disclosed, LimitReached>, AccessError> {
        crate::db::serialize_appenders(conn)?;
        let row = repo::find(conn, id)?.ok_or(AccessError::NotFound)?;
        if row.requester_id != official.id {
            return Err(AccessError::Forbidden("only the official who filed the request opens it"));
        }
        match state_at(&row, now) {
            "approved" => {}
            "expired" => return Err(AccessError::ApprovalExpired),
            _ => return Err(AccessError::NotApproved),
        }
        let identity_id = target_identity(conn, id)?;
        let recent = repo::disclosures_since(conn, official.id, now - DAY)?;
        let limit = ("disclosures", limits.disclosures);
        if let Some(reached) = check_limit(conn, official, recent, limit, format!("access_request:{id}"), now)? {
            return Ok(Err(reached));
        }
        if !repo::count_opening(conn, id, MAX_OPENINGS)? {
            return Err(AccessError::OpeningsUsed);
        }
        let event = AuditEvent {
            actor: Actor::Official(official.id),
            action: "disclosure.opened",
            subject: format!("access_request:{id}"),
            details: serde_json::json!({ "identity": format!("identity:{identity_id}"), "opening": row.openings + 1 }),
        };
        let seq = audit::append(conn, &event, now)?;
        identities::record_disclosure(conn, id, identity_id, official.id, seq, now)?;
        let approved =
            crate::domain::access_request::parse_fields(&row.fields.split(',').map(str::to_owned).collect::<Vec<_>>())?;
        Ok(Ok(Disclosed {
            accounts: identities::accounts_of(conn, identity_id)?,
            fields: identities::open_fields(conn, keys, identity_id, &approved)?,
        }))
    })?;
    Ok(disclosed?)
}
