//! Each platform's latest signed head statement.

use crate::db::schema::{platforms, status_changes, status_heads};
use crate::db::{DbConnection, DbError, db_time};
use crate::db_run;
use crate::domain::PlatformId;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// Every platform with its slug and its newest change (0 before any): one
/// index lookup per platform.
pub fn newest_changes(conn: &mut DbConnection) -> Result<Vec<(PlatformId, String, i64)>, DbError> {
    let all: Vec<(PlatformId, String)> =
        platforms::table.order(platforms::id).select((platforms::id, platforms::slug)).load(conn)?;
    all.into_iter()
        .map(|(id, slug)| {
            let newest: Option<i64> = status_changes::table
                .filter(status_changes::platform_id.eq(id))
                .select(diesel::dsl::max(status_changes::seq))
                .first(conn)?;
            Ok((id, slug, newest.unwrap_or(0)))
        })
        .collect()
}

/// Replaces the platform's head statement.
pub fn replace(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    seq: i64,
    issued_at: DateTime<Utc>,
    signature: &str,
) -> Result<(), DbError> {
    let row = (
        status_heads::platform_id.eq(platform_id),
        status_heads::seq.eq(seq),
        status_heads::issued_at.eq(db_time(issued_at)),
        status_heads::signature.eq(signature),
    );
    db_run!(conn => diesel::insert_into(status_heads::table)
        .values(row)
        .on_conflict(status_heads::platform_id)
        .do_update()
        .set(row)
        .execute(conn))?;
    Ok(())
}

/// A head statement as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = status_heads)]
pub struct HeadRow {
    pub seq: i64,
    pub issued_at: NaiveDateTime,
    pub signature: String,
}

pub fn find(conn: &mut DbConnection, platform_id: PlatformId) -> Result<Option<HeadRow>, DbError> {
    Ok(status_heads::table.find(platform_id).select(HeadRow::as_select()).first(conn).optional()?)
}
