//! Access requests by officials (DESIGN §7).

use crate::crypto::{BlindIndex, KeyRing, MasterSealed};
use crate::db::schema::{access_requests, disclosures, platforms};
use crate::db::{DbConnection, DbError, db_time, key_id_from_db, key_id_to_db};
use crate::domain::{
    AccountRef, Authority, FieldList, IdentifierType, IdentityId, LegalBasis, OfficialId, PlatformId, PlatformSlug,
    RequestId, RequestState,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use zeroize::Zeroizing;

/// What the transparency report counts of one request.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_requests)]
pub struct RequestFacts {
    pub created_at: NaiveDateTime,
    pub legal_basis: LegalBasis,
    /// As stored: pending, approved or denied.
    pub state: RequestState,
    pub decided_at: Option<NaiveDateTime>,
}

/// Every request's filing time, legal basis, state and decision time, for
/// the transparency report. Requests are few (officials file them), so they
/// are grouped in Rust rather than with backend-specific date functions.
pub fn facts(conn: &mut DbConnection) -> Result<Vec<RequestFacts>, DbError> {
    Ok(access_requests::table.select(RequestFacts::as_select()).load(conn)?)
}

/// Whose data a request is for, as stored.
#[derive(Debug, Clone)]
pub enum StoredTarget {
    Account {
        platform_id: PlatformId,
        account_ref: AccountRef,
    },
    /// Only the identifier's blind index is kept.
    Identifier {
        kind: IdentifierType,
        index: BlindIndex,
    },
}

/// A new request as stored.
pub struct NewRequest<'a> {
    pub requester_id: OfficialId,
    pub target: StoredTarget,
    pub legal_basis: LegalBasis,
    pub authority: Option<Authority>,
    pub basis_document_number: &'a str,
    pub basis_document_date: NaiveDate,
    pub basis_document_issuer: &'a str,
    pub justification: &'a str,
    pub fields: &'a FieldList,
}

pub fn insert(conn: &mut DbConnection, new: &NewRequest<'_>, now: DateTime<Utc>) -> Result<RequestId, DbError> {
    let (platform_id, account_ref, kind, index) = match &new.target {
        StoredTarget::Account { platform_id, account_ref } => (Some(*platform_id), Some(account_ref), None, None),
        StoredTarget::Identifier { kind, index } => (None, None, Some(*kind), Some(index)),
    };
    Ok(diesel::insert_into(access_requests::table)
        .values((
            access_requests::requester_id.eq(new.requester_id),
            access_requests::target_platform_id.eq(platform_id),
            access_requests::target_account_ref.eq(account_ref.map(AccountRef::as_str)),
            access_requests::target_identifier_type.eq(kind),
            access_requests::target_blind_index.eq(index.cloned()),
            access_requests::legal_basis.eq(new.legal_basis),
            access_requests::authority.eq(new.authority),
            access_requests::basis_document_number.eq(new.basis_document_number),
            access_requests::basis_document_date.eq(new.basis_document_date),
            access_requests::basis_document_issuer.eq(new.basis_document_issuer),
            access_requests::justification.eq(new.justification),
            access_requests::fields.eq(new.fields.to_codes()),
            access_requests::state.eq(RequestState::Pending),
            access_requests::created_at.eq(db_time(now)),
            access_requests::openings.eq(0),
        ))
        .returning(access_requests::id)
        .get_result(conn)?)
}

/// A request as officials see it (the target's platform by slug; never a blind index).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_requests)]
pub struct RequestRow {
    pub id: RequestId,
    pub requester_id: OfficialId,
    #[diesel(select_expression = platforms::slug.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<platforms::slug>)]
    pub target_platform: Option<PlatformSlug>,
    pub target_account_ref: Option<AccountRef>,
    pub target_identifier_type: Option<IdentifierType>,
    pub legal_basis: LegalBasis,
    pub authority: Option<Authority>,
    pub basis_document_number: String,
    pub basis_document_date: NaiveDate,
    pub basis_document_issuer: String,
    pub justification: String,
    pub fields: FieldList,
    /// As stored; [`RequestState::at`] gives the state at a moment.
    pub state: RequestState,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<OfficialId>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub notify_owner_after: Option<NaiveDateTime>,
    pub valid_until: Option<NaiveDateTime>,
    pub openings: i32,
}

impl RequestRow {
    /// The request's state as of `now`.
    pub fn state_at(&self, now: DateTime<Utc>) -> RequestState {
        self.state.at(self.valid_until.map(|t| t.and_utc()), now)
    }
}

pub fn find(conn: &mut DbConnection, id: RequestId) -> Result<Option<RequestRow>, DbError> {
    Ok(access_requests::table
        .left_join(platforms::table)
        .filter(access_requests::id.eq(id))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?)
}

/// The newest `limit` requests, only `requester_id`'s if given.
pub fn newest(
    conn: &mut DbConnection,
    requester_id: Option<OfficialId>,
    limit: i64,
) -> Result<Vec<RequestRow>, DbError> {
    let mut query = access_requests::table.left_join(platforms::table).into_boxed();
    if let Some(requester_id) = requester_id {
        query = query.filter(access_requests::requester_id.eq(requester_id));
    }
    Ok(query.order(access_requests::id.desc()).limit(limit).select(RequestRow::as_select()).load(conn)?)
}

/// A decision; only a pending request by someone else can be decided.
pub struct Decision<'a> {
    pub approver_id: OfficialId,
    pub approve: bool,
    pub reason: &'a str,
    pub notify_owner_after: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// Returns false if the request was no longer pending (or is the approver's own).
pub fn decide(
    conn: &mut DbConnection,
    id: RequestId,
    decision: &Decision<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        access_requests::table
            .find(id)
            .filter(access_requests::state.eq(RequestState::Pending))
            .filter(access_requests::requester_id.ne(decision.approver_id)),
    )
    .set((
        access_requests::state.eq(if decision.approve { RequestState::Approved } else { RequestState::Denied }),
        access_requests::decided_by.eq(Some(decision.approver_id)),
        access_requests::decided_at.eq(Some(db_time(now))),
        access_requests::decision_reason.eq(Some(decision.reason)),
        access_requests::notify_owner_after.eq(decision.notify_owner_after.map(db_time)),
        access_requests::valid_until.eq(decision.valid_until.map(db_time)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The target columns of a request, as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = access_requests)]
struct TargetColumns {
    target_platform_id: Option<PlatformId>,
    target_account_ref: Option<AccountRef>,
    target_identifier_type: Option<IdentifierType>,
    target_blind_index: Option<BlindIndex>,
}

/// A request's target: what the disclosure looks up.
pub fn target(conn: &mut DbConnection, id: RequestId) -> Result<Option<StoredTarget>, DbError> {
    let Some(columns) = access_requests::table.find(id).select(TargetColumns::as_select()).first(conn).optional()?
    else {
        return Ok(None);
    };
    // The table's CHECK constraint allows exactly these two shapes.
    match columns {
        TargetColumns { target_platform_id: Some(platform_id), target_account_ref: Some(account_ref), .. } => {
            Ok(Some(StoredTarget::Account { platform_id, account_ref }))
        }
        TargetColumns { target_identifier_type: Some(kind), target_blind_index: Some(index), .. } => {
            Ok(Some(StoredTarget::Identifier { kind, index }))
        }
        _ => Err(DbError::Corrupt("access_requests.target")),
    }
}

fn identifier_context(id: RequestId) -> Vec<u8> {
    format!("access_request:{id}:identifier").into_bytes()
}

/// Seals the identifier a request by identifier searches for (its canonical
/// text), so that its approver and requester can see it.
pub fn seal_identifier(conn: &mut DbConnection, keys: &KeyRing, id: RequestId, text: &[u8]) -> Result<(), DbError> {
    let sealed = keys.seal(&identifier_context(id), text)?;
    diesel::update(access_requests::table.find(id))
        .set((
            access_requests::target_key_id.eq(Some(key_id_to_db(sealed.key_id))),
            access_requests::target_identifier.eq(Some(sealed.bytes)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The sealed identifier's text, if the request has one still on file.
pub fn open_identifier(
    conn: &mut DbConnection,
    keys: &KeyRing,
    id: RequestId,
) -> Result<Option<Zeroizing<Vec<u8>>>, DbError> {
    let stored: Option<(Option<i32>, Option<Vec<u8>>)> = access_requests::table
        .find(id)
        .select((access_requests::target_key_id, access_requests::target_identifier))
        .first(conn)
        .optional()?;
    let Some((Some(key_id), Some(bytes))) = stored else { return Ok(None) };
    let sealed = MasterSealed { key_id: key_id_from_db(key_id), bytes };
    Ok(Some(keys.open(&sealed, &identifier_context(id))?))
}

/// Deletes the sealed identifiers of requests that searched for `index`:
/// part of shredding the identity it names.
pub fn forget_identifier(conn: &mut DbConnection, index: &BlindIndex) -> Result<usize, DbError> {
    Ok(diesel::update(access_requests::table.filter(access_requests::target_blind_index.eq(index)))
        .set((access_requests::target_key_id.eq(None::<i32>), access_requests::target_identifier.eq(None::<Vec<u8>>)))
        .execute(conn)?)
}

/// Deletes the sealed identifier of one request (once it is denied).
pub fn forget_identifier_of(conn: &mut DbConnection, id: RequestId) -> Result<(), DbError> {
    diesel::update(access_requests::table.find(id))
        .set((access_requests::target_key_id.eq(None::<i32>), access_requests::target_identifier.eq(None::<Vec<u8>>)))
        .execute(conn)?;
    Ok(())
}

/// Re-seals up to `limit` identifiers still under an older master key; returns how many.
pub fn reseal_batch(conn: &mut DbConnection, keys: &KeyRing, limit: i64) -> Result<usize, DbError> {
    let active = key_id_to_db(keys.active_key_id());
    let rows: Vec<(RequestId, Option<i32>, Option<Vec<u8>>)> = access_requests::table
        .filter(access_requests::target_key_id.lt(active))
        .select((access_requests::id, access_requests::target_key_id, access_requests::target_identifier))
        .order((access_requests::target_key_id, access_requests::id))
        .limit(limit)
        .load(conn)?;
    for (id, key_id, bytes) in &rows {
        let (Some(key_id), Some(bytes)) = (key_id, bytes) else { continue };
        let old = MasterSealed { key_id: key_id_from_db(*key_id), bytes: bytes.clone() };
        let new = keys.reseal(&old, &identifier_context(*id))?;
        diesel::update(access_requests::table.find(id).filter(access_requests::target_identifier.eq(bytes)))
            .set((
                access_requests::target_key_id.eq(Some(key_id_to_db(new.key_id))),
                access_requests::target_identifier.eq(Some(&new.bytes)),
            ))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// How many identifiers each master key version seals.
pub fn count_by_key(conn: &mut DbConnection) -> Result<Vec<super::KeyUse>, DbError> {
    let rows: Vec<(Option<i32>, i64)> = access_requests::table
        .filter(access_requests::target_key_id.is_not_null())
        .group_by(access_requests::target_key_id)
        .select((access_requests::target_key_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(key_id, count)| Some(super::KeyUse { key_id: key_id?, count })).collect())
}

/// Counts one opening; false if the limit was reached meanwhile.
pub fn count_opening(conn: &mut DbConnection, id: RequestId, max_openings: i32) -> Result<bool, DbError> {
    let updated = diesel::update(access_requests::table.find(id).filter(access_requests::openings.lt(max_openings)))
        .set(access_requests::openings.eq(access_requests::openings + 1))
        .execute(conn)?;
    Ok(updated == 1)
}

/// An official's actions of one kind since a moment.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct RecentActions {
    pub count: i64,
    /// The oldest one: it is the first to leave a rolling window.
    pub oldest: Option<NaiveDateTime>,
}

/// Requests `official_id` filed against an identifier since `since`.
pub fn identifier_filings_since(
    conn: &mut DbConnection,
    official_id: OfficialId,
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

/// Requests against an identifier filed since `since`, per official.
pub fn identifier_filings_per_official(
    conn: &mut DbConnection,
    since: DateTime<Utc>,
) -> Result<Vec<(OfficialId, i64)>, DbError> {
    Ok(access_requests::table
        .filter(access_requests::created_at.gt(db_time(since)))
        .filter(access_requests::target_identifier_type.is_not_null())
        .group_by(access_requests::requester_id)
        .select((access_requests::requester_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Disclosures opened since `since`, per official.
pub fn disclosures_per_official(
    conn: &mut DbConnection,
    since: DateTime<Utc>,
) -> Result<Vec<(OfficialId, i64)>, DbError> {
    Ok(disclosures::table
        .filter(disclosures::opened_at.gt(db_time(since)))
        .group_by(disclosures::opened_by)
        .select((disclosures::opened_by, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Disclosures `official_id` opened since `since`.
pub fn disclosures_since(
    conn: &mut DbConnection,
    official_id: OfficialId,
    since: DateTime<Utc>,
) -> Result<RecentActions, DbError> {
    use diesel::dsl::{count_star, min};
    Ok(disclosures::table
        .filter(disclosures::opened_by.eq(official_id))
        .filter(disclosures::opened_at.gt(db_time(since)))
        .select((count_star(), min(disclosures::opened_at)))
        .first(conn)?)
}

/// A disclosed request whose disclosure its owner may now see but was not told of.
#[derive(Debug, Clone, Queryable)]
pub struct Untold {
    pub request_id: RequestId,
    pub identity_id: IdentityId,
    pub opened_at: NaiveDateTime,
    pub legal_basis: LegalBasis,
    /// Who asked, if the request named it.
    pub authority: Option<Authority>,
}

/// Disclosed requests visible to their owners by `now` that they were not told of.
pub fn untold_disclosures(conn: &mut DbConnection, now: DateTime<Utc>, limit: i64) -> Result<Vec<Untold>, DbError> {
    Ok(access_requests::table
        .inner_join(disclosures::table)
        .filter(access_requests::owner_told_at.is_null())
        .filter(access_requests::notify_owner_after.is_null().or(access_requests::notify_owner_after.le(db_time(now))))
        .order((access_requests::id, disclosures::opened_at))
        .select((
            access_requests::id,
            disclosures::identity_id,
            disclosures::opened_at,
            access_requests::legal_basis,
            access_requests::authority,
        ))
        .limit(limit)
        .load(conn)?)
}

pub fn mark_owner_told(conn: &mut DbConnection, id: RequestId, now: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(access_requests::table.find(id).filter(access_requests::owner_told_at.is_null()))
        .set(access_requests::owner_told_at.eq(Some(db_time(now))))
        .execute(conn)?;
    Ok(())
}
