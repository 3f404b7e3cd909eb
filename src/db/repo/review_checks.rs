//! Registrar checks of declarations against evidence: the record behind the
//! daily limit and behind every confirmation.

use super::access_requests::RecentActions;
use crate::db::schema::review_checks;
use crate::db::{DbConnection, DbError, db_time};
use crate::domain::evidence::Verdict;
use crate::domain::{FieldList, IdentityId, OfficialId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// One check as written: the values compared are never stored.
pub struct NewCheck<'a> {
    pub identity_id: IdentityId,
    pub official_id: OfficialId,
    pub purpose: &'a str,
    pub fields: &'a FieldList,
    pub verdict: Verdict,
    pub audit_seq: i64,
}

pub fn insert(conn: &mut DbConnection, check: &NewCheck<'_>, now: DateTime<Utc>) -> Result<(), DbError> {
    diesel::insert_into(review_checks::table)
        .values((
            review_checks::identity_id.eq(check.identity_id),
            review_checks::official_id.eq(check.official_id),
            review_checks::purpose.eq(check.purpose),
            review_checks::fields.eq(check.fields.to_codes()),
            review_checks::confirms.eq(check.verdict.confirms),
            review_checks::contradicts.eq(check.verdict.contradicts),
            review_checks::compared.eq(check.verdict.compared),
            review_checks::checked_at.eq(db_time(now)),
            review_checks::audit_seq.eq(check.audit_seq),
        ))
        .execute(conn)?;
    Ok(())
}

/// Checks `official_id` made since `since`, for the daily limit.
pub fn made_since(
    conn: &mut DbConnection,
    official_id: OfficialId,
    since: DateTime<Utc>,
) -> Result<RecentActions, DbError> {
    use diesel::dsl::{count_star, min};
    Ok(review_checks::table
        .filter(review_checks::official_id.eq(official_id))
        .filter(review_checks::checked_at.gt(db_time(since)))
        .select((count_star(), min(review_checks::checked_at)))
        .first(conn)?)
}

/// Checks made since `since`, per official.
pub fn per_official(conn: &mut DbConnection, since: DateTime<Utc>) -> Result<Vec<(OfficialId, i64)>, DbError> {
    Ok(review_checks::table
        .filter(review_checks::checked_at.gt(db_time(since)))
        .group_by(review_checks::official_id)
        .select((review_checks::official_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The verdict of `official_id`'s newest check of one identity since `since`.
pub fn newest_verdict(
    conn: &mut DbConnection,
    identity_id: IdentityId,
    official_id: OfficialId,
    since: DateTime<Utc>,
) -> Result<Option<Verdict>, DbError> {
    Ok(review_checks::table
        .filter(review_checks::identity_id.eq(identity_id))
        .filter(review_checks::official_id.eq(official_id))
        .filter(review_checks::checked_at.gt(db_time(since)))
        .order(review_checks::id.desc())
        .select((review_checks::confirms, review_checks::contradicts, review_checks::compared))
        .first::<(bool, bool, bool)>(conn)
        .optional()?
        .map(|(confirms, contradicts, compared)| Verdict { confirms, contradicts, compared }))
}

/// Forgets why a shredded record was checked: a purpose may name the person.
pub fn forget_purposes(conn: &mut DbConnection, identity_id: IdentityId) -> Result<usize, DbError> {
    Ok(diesel::update(review_checks::table.filter(review_checks::identity_id.eq(identity_id)))
        .set(review_checks::purpose.eq(""))
        .execute(conn)?)
}
