//! Access requests by officials (DESIGN §7).

use crate::db::schema::{access_requests, platforms};
use crate::db::{DbConnection, DbError, db_time};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

/// (filed at, legal basis, state, decided at)
pub type ReportRow = (NaiveDateTime, String, String, Option<NaiveDateTime>);

/// Every request's filing time, legal basis, state and decision time, for
/// the transparency report. Requests are few (officials file them), so they
/// are grouped in Rust rather than with backend-specific date functions.
pub fn basis_and_state(conn: &mut DbConnection) -> Result<Vec<ReportRow>, DbError> {
    Ok(access_requests::table
        .select((
            access_requests::created_at,
            access_requests::legal_basis,
            access_requests::state,
            access_requests::decided_at,
        ))
        .load(conn)?)
}

/// A new request as stored. Exactly one kind of target is set.
pub struct NewRequest<'a> {
    pub requester_id: i64,
    pub target_platform_id: Option<i64>,
    pub target_account_ref: Option<&'a str>,
    pub target_identifier_type: Option<&'a str>,
    pub target_blind_index: Option<&'a [u8]>,
    pub legal_basis: &'a str,
    pub basis_document_number: &'a str,
    pub basis_document_date: NaiveDate,
    pub basis_document_issuer: &'a str,
    pub justification: &'a str,
    /// Comma-separated field codes.
    pub fields: &'a str,
}

pub fn insert(conn: &mut DbConnection, new: &NewRequest<'_>, now: DateTime<Utc>) -> Result<i64, DbError> {
    Ok(diesel::insert_into(access_requests::table)
        .values((
            access_requests::requester_id.eq(new.requester_id),
            access_requests::target_platform_id.eq(new.target_platform_id),
            access_requests::target_account_ref.eq(new.target_account_ref),
            access_requests::target_identifier_type.eq(new.target_identifier_type),
            access_requests::target_blind_index.eq(new.target_blind_index),
            access_requests::legal_basis.eq(new.legal_basis),
            access_requests::basis_document_number.eq(new.basis_document_number),
            access_requests::basis_document_date.eq(new.basis_document_date),
            access_requests::basis_document_issuer.eq(new.basis_document_issuer),
            access_requests::justification.eq(new.justification),
            access_requests::fields.eq(new.fields),
            access_requests::state.eq("pending"),
            access_requests::created_at.eq(db_time(now)),
            access_requests::openings.eq(0),
        ))
        .returning(access_requests::id)
        .get_result(conn)?)
}

/// A request as officials see it (the target's platform by slug; never a blind index).
#[derive(Debug, Clone, Queryable)]
pub struct RequestRow {
    pub id: i64,
    pub requester_id: i64,
    pub target_platform: Option<String>,
    pub target_account_ref: Option<String>,
    pub target_identifier_type: Option<String>,
    pub legal_basis: String,
    pub basis_document_number: String,
    pub basis_document_date: NaiveDate,
    pub basis_document_issuer: String,
    pub justification: String,
    pub fields: String,
    pub state: String,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub notify_owner_after: Option<NaiveDateTime>,
    pub valid_until: Option<NaiveDateTime>,
    pub openings: i32,
}

macro_rules! request_columns {
    () => {
        (
            access_requests::id,
            access_requests::requester_id,
            platforms::slug.nullable(),
            access_requests::target_account_ref,
            access_requests::target_identifier_type,
            access_requests::legal_basis,
            access_requests::basis_document_number,
            access_requests::basis_document_date,
            access_requests::basis_document_issuer,
            access_requests::justification,
            access_requests::fields,
            access_requests::state,
            access_requests::created_at,
            access_requests::decided_by,
            access_requests::decided_at,
            access_requests::decision_reason,
            access_requests::notify_owner_after,
            access_requests::valid_until,
            access_requests::openings,
        )
    };
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<Option<RequestRow>, DbError> {
    Ok(access_requests::table
        .left_join(platforms::table)
        .filter(access_requests::id.eq(id))
        .select(request_columns!())
        .first(conn)
        .optional()?)
}

/// The newest `limit` requests, only `requester_id`'s if given.
pub fn newest(conn: &mut DbConnection, requester_id: Option<i64>, limit: i64) -> Result<Vec<RequestRow>, DbError> {
    let mut query = access_requests::table.left_join(platforms::table).into_boxed();
    if let Some(requester_id) = requester_id {
        query = query.filter(access_requests::requester_id.eq(requester_id));
    }
    Ok(query.order(access_requests::id.desc()).limit(limit).select(request_columns!()).load(conn)?)
}

/// A decision; only a pending request by someone else can be decided.
pub struct Decision<'a> {
    pub approver_id: i64,
    pub approve: bool,
    pub reason: &'a str,
    pub notify_owner_after: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// Returns false if the request was no longer pending (or is the approver's own).
pub fn decide(conn: &mut DbConnection, id: i64, decision: &Decision<'_>, now: DateTime<Utc>) -> Result<bool, DbError> {
    let updated = diesel::update(
        access_requests::table
            .find(id)
            .filter(access_requests::state.eq("pending"))
            .filter(access_requests::requester_id.ne(decision.approver_id)),
    )
    .set((
        access_requests::state.eq(if decision.approve { "approved" } else { "denied" }),
        access_requests::decided_by.eq(Some(decision.approver_id)),
        access_requests::decided_at.eq(Some(db_time(now))),
        access_requests::decision_reason.eq(Some(decision.reason)),
        access_requests::notify_owner_after.eq(decision.notify_owner_after.map(db_time)),
        access_requests::valid_until.eq(decision.valid_until.map(db_time)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// A request's target as stored: (platform id, account ref) or a blind index.
pub type StoredTarget = (Option<i64>, Option<String>, Option<Vec<u8>>);

/// The target columns of a request: what the disclosure looks up.
pub fn target(conn: &mut DbConnection, id: i64) -> Result<Option<StoredTarget>, DbError> {
    Ok(access_requests::table
        .find(id)
        .select((
            access_requests::target_platform_id,
            access_requests::target_account_ref,
            access_requests::target_blind_index,
        ))
        .first(conn)
        .optional()?)
}

/// Counts one opening; false if the limit was reached meanwhile.
pub fn count_opening(conn: &mut DbConnection, id: i64, max_openings: i32) -> Result<bool, DbError> {
    let updated = diesel::update(access_requests::table.find(id).filter(access_requests::openings.lt(max_openings)))
        .set(access_requests::openings.eq(access_requests::openings + 1))
        .execute(conn)?;
    Ok(updated == 1)
}

/// An official's actions of one kind since a moment: how many, and when the
/// oldest was (it is the first to leave a rolling window).
pub type RecentActions = (i64, Option<NaiveDateTime>);

/// Requests `official_id` filed against an identifier since `since`.
pub fn identifier_filings_since(
    conn: &mut DbConnection,
    official_id: i64,
    since: DateTime<Utc>,
) -> Result<RecentActions, DbError> {
    use diesel::dsl::{count_star, min};
    Ok(access_requests::table
        .filter(access_requests::requester_id.eq(official_id))
        .filter(access_requests::created_at.gt(db_time(since)))
        .filter(access_requests::target_identifier_type.is_not_null())
        .select((count_star(), min(access_requests::created_at)))
        .first(conn)?)
}

/// Disclosures `official_id` opened since `since`.
pub fn disclosures_since(
    conn: &mut DbConnection,
    official_id: i64,
    since: DateTime<Utc>,
) -> Result<RecentActions, DbError> {
    use crate::db::schema::disclosures;
    use diesel::dsl::{count_star, min};
    Ok(disclosures::table
        .filter(disclosures::opened_by.eq(official_id))
        .filter(disclosures::opened_at.gt(db_time(since)))
        .select((count_star(), min(disclosures::opened_at)))
        .first(conn)?)
}
