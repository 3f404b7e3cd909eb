//! Platforms' webhook endpoints and the outbox of their deliveries.

use crate::db::schema::{webhook_deliveries as deliveries, webhook_endpoints as endpoints};
use crate::db::{DbConnection, DbError, db_time};
use crate::db_run;
use crate::domain::{DeliveryId, EndpointId, PlatformId, SigningScheme};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// An endpoint as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = endpoints)]
pub struct EndpointRow {
    pub id: EndpointId,
    pub platform_id: PlatformId,
    pub url: String,
    pub scheme: SigningScheme,
    pub secret_nonce: Vec<u8>,
    pub previous_nonce: Option<Vec<u8>>,
    pub previous_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
}

pub fn create(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    url: &str,
    scheme: SigningScheme,
    nonce: &[u8],
    now: DateTime<Utc>,
) -> Result<EndpointId, DbError> {
    Ok(diesel::insert_into(endpoints::table)
        .values((
            endpoints::platform_id.eq(platform_id),
            endpoints::url.eq(url),
            endpoints::scheme.eq(scheme),
            endpoints::secret_nonce.eq(nonce),
            endpoints::created_at.eq(db_time(now)),
        ))
        .returning(endpoints::id)
        .get_result(conn)?)
}

/// Holds other writers of the platform's endpoints off until the
/// transaction ends (SQLite's write lock already does).
pub fn lock_platform(conn: &mut DbConnection, platform_id: PlatformId) -> Result<(), DbError> {
    if let DbConnection::Postgresql(pg) = conn {
        use crate::db::schema::platforms;
        platforms::table.find(platform_id).select(platforms::id).for_update().execute(pg)?;
    }
    Ok(())
}

/// The platform's endpoints, oldest first.
pub fn list(conn: &mut DbConnection, platform_id: PlatformId) -> Result<Vec<EndpointRow>, DbError> {
    Ok(endpoints::table
        .filter(endpoints::platform_id.eq(platform_id))
        .order(endpoints::id)
        .select(EndpointRow::as_select())
        .load(conn)?)
}

/// One of the platform's endpoints (another platform's is not found).
pub fn find(conn: &mut DbConnection, platform_id: PlatformId, id: EndpointId) -> Result<Option<EndpointRow>, DbError> {
    Ok(endpoints::table
        .filter(endpoints::id.eq(id).and(endpoints::platform_id.eq(platform_id)))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes one of the platform's endpoints and its deliveries; false if it has no such endpoint.
pub fn delete(conn: &mut DbConnection, platform_id: PlatformId, id: EndpointId) -> Result<bool, DbError> {
    if find(conn, platform_id, id)?.is_none() {
        return Ok(false);
    }
    diesel::delete(deliveries::table.filter(deliveries::endpoint_id.eq(id))).execute(conn)?;
    diesel::delete(endpoints::table.find(id)).execute(conn)?;
    Ok(true)
}

/// A new secret: the current one keeps signing beside it until `previous_until`.
pub fn rotate(
    conn: &mut DbConnection,
    id: EndpointId,
    current: &[u8],
    nonce: &[u8],
    previous_until: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::update(endpoints::table.find(id))
        .set((
            endpoints::previous_nonce.eq(current),
            endpoints::previous_until.eq(db_time(previous_until)),
            endpoints::secret_nonce.eq(nonce),
        ))
        .execute(conn)?;
    Ok(())
}

/// The platform's endpoints that take deliveries.
pub fn enabled_for(conn: &mut DbConnection, platform_id: PlatformId) -> Result<Vec<EndpointId>, DbError> {
    Ok(db_run!(conn => endpoints::table
        .filter(endpoints::platform_id.eq(platform_id).and(endpoints::disabled_at.is_null()))
        .select(endpoints::id)
        .load(conn))?)
}

/// Queues one event for each endpoint, due now.
pub fn enqueue(
    conn: &mut DbConnection,
    (platform_id, endpoints): (PlatformId, &[EndpointId]),
    seq: i64,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let rows: Vec<_> = endpoints
        .iter()
        .map(|endpoint| {
            (
                deliveries::endpoint_id.eq(*endpoint),
                deliveries::platform_id.eq(platform_id),
                deliveries::seq.eq(seq),
                deliveries::payload.eq(payload),
                deliveries::created_at.eq(db_time(now)),
                deliveries::next_attempt_at.eq(Some(db_time(now))),
                deliveries::attempts.eq(0),
            )
        })
        .collect();
    db_run!(conn => diesel::insert_into(deliveries::table).values(&rows).execute(conn))?;
    Ok(())
}

/// A delivery a node has claimed, with what it needs to send it.
#[derive(Debug, Clone, Queryable)]
pub struct Claimed {
    pub id: DeliveryId,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub endpoint: EndpointRow,
}

/// Whether any delivery is due: one probe of the partial index, so that idle
/// workers do not take SQLite's write lock to find nothing.
pub fn any_due(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<bool, DbError> {
    use diesel::dsl::{exists, select};
    Ok(select(exists(deliveries::table.filter(deliveries::next_attempt_at.le(db_time(now))))).get_result(conn)?)
}

/// Claims up to `limit` due deliveries for this node until `lease_until`:
/// another node (or a restart) takes them again only after that. Rows
/// another transaction is claiming are skipped (`SKIP LOCKED`); on SQLite
/// the write transaction already holds every other writer off.
pub fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    let due = deliveries::table
        .filter(deliveries::next_attempt_at.le(db_time(now)))
        .order(deliveries::next_attempt_at)
        .limit(limit)
        .select(deliveries::id);
    let ids: Vec<DeliveryId> = match conn {
        DbConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
        .set((
            deliveries::next_attempt_at.eq(Some(db_time(lease_until))),
            deliveries::attempts.eq(deliveries::attempts + 1),
        ))
        .execute(conn)?;
    Ok(deliveries::table
        .inner_join(endpoints::table)
        .filter(deliveries::id.eq_any(&ids))
        .order(deliveries::id)
        .select((
            deliveries::id,
            deliveries::payload,
            deliveries::created_at,
            deliveries::attempts,
            EndpointRow::as_select(),
        ))
        .load(conn)?)
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// Any other answer, or none: tried again at `retry_at`, or given up (`None`).
    Failed { status: Option<u16>, error: String, retry_at: Option<DateTime<Utc>> },
}

/// Records an attempt on the delivery and on its endpoint (a success ends
/// the endpoint's failing streak; a failure starts one if none is running).
pub fn record(
    conn: &mut DbConnection,
    (id, endpoint): (DeliveryId, EndpointId),
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let row = deliveries::table.find(id);
    let at = db_time(now);
    match attempt {
        Attempt::Delivered { status } => {
            diesel::update(row)
                .set((
                    deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
                    deliveries::delivered_at.eq(Some(at)),
                    deliveries::last_attempt_at.eq(Some(at)),
                    deliveries::last_status.eq(Some(i32::from(*status))),
                    deliveries::last_error.eq(None::<String>),
                ))
                .execute(conn)?;
            // Only when it was failing: concurrent workers must not queue on the endpoint's row.
            diesel::update(endpoints::table.find(endpoint).filter(endpoints::failing_since.is_not_null()))
                .set(endpoints::failing_since.eq(None::<NaiveDateTime>))
                .execute(conn)?;
        }
        Attempt::Failed { status, error, retry_at } => {
            diesel::update(row)
                .set((
                    deliveries::next_attempt_at.eq(retry_at.map(db_time)),
                    deliveries::failed_at.eq(retry_at.is_none().then_some(at)),
                    deliveries::last_attempt_at.eq(Some(at)),
                    deliveries::last_status.eq(status.map(i32::from)),
                    deliveries::last_error.eq(Some(error)),
                ))
                .execute(conn)?;
            diesel::update(endpoints::table.find(endpoint).filter(endpoints::failing_since.is_null()))
                .set(endpoints::failing_since.eq(Some(at)))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Stops deliveries to an endpoint: it is disabled, and what was queued for it is given up.
pub fn disable(conn: &mut DbConnection, id: EndpointId, reason: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    let at = db_time(now);
    diesel::update(endpoints::table.find(id).filter(endpoints::disabled_at.is_null()))
        .set((endpoints::disabled_at.eq(Some(at)), endpoints::disabled_reason.eq(Some(reason))))
        .execute(conn)?;
    diesel::update(
        deliveries::table.filter(deliveries::endpoint_id.eq(id).and(deliveries::next_attempt_at.is_not_null())),
    )
    .set((
        deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
        deliveries::failed_at.eq(Some(at)),
        deliveries::last_error.eq(Some("the endpoint was disabled")),
    ))
    .execute(conn)?;
    Ok(())
}

/// A delivery as the platform sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub endpoint_id: EndpointId,
    pub seq: i64,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub attempts: i32,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
}

/// The platform's deliveries, newest first, before the cursor `before` (exclusive).
pub fn list_deliveries(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    endpoint: Option<EndpointId>,
    before: Option<DeliveryId>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, DbError> {
    let mut query = deliveries::table.filter(deliveries::platform_id.eq(platform_id)).into_boxed();
    if let Some(endpoint) = endpoint {
        query = query.filter(deliveries::endpoint_id.eq(endpoint));
    }
    if let Some(before) = before {
        query = query.filter(deliveries::id.lt(before));
    }
    Ok(query.order(deliveries::id.desc()).limit(limit).select(DeliveryRow::as_select()).load(conn)?)
}

/// Why a redelivery is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redelivery {
    Queued,
    NotFound,
    EndpointDisabled,
    /// It is still queued (or being sent): it goes out without asking.
    Pending,
}

/// Queues one of the platform's deliveries again, due now, with the same
/// `webhook-id` and a fresh retry window.
pub fn redeliver(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    id: DeliveryId,
    now: DateTime<Utc>,
) -> Result<Redelivery, DbError> {
    let found: Option<(Option<NaiveDateTime>, Option<NaiveDateTime>)> = deliveries::table
        .inner_join(endpoints::table)
        .filter(deliveries::id.eq(id).and(deliveries::platform_id.eq(platform_id)))
        .select((endpoints::disabled_at, deliveries::next_attempt_at))
        .first(conn)
        .optional()?;
    match found {
        None => return Ok(Redelivery::NotFound),
        Some((Some(_), _)) => return Ok(Redelivery::EndpointDisabled),
        Some((None, Some(_))) => return Ok(Redelivery::Pending),
        Some((None, None)) => {}
    }
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::next_attempt_at.eq(Some(db_time(now))),
            deliveries::created_at.eq(db_time(now)),
            deliveries::attempts.eq(0),
            deliveries::delivered_at.eq(None::<NaiveDateTime>),
            deliveries::failed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(Redelivery::Queued)
}

/// Deletes deliveries that ended (delivered or given up) before `before`.
pub fn prune(conn: &mut DbConnection, before: DateTime<Utc>) -> Result<usize, DbError> {
    Ok(diesel::delete(
        deliveries::table
            .filter(deliveries::next_attempt_at.is_null())
            .filter(deliveries::last_attempt_at.lt(db_time(before))),
    )
    .execute(conn)?)
}
