//! Platforms' webhook endpoints and the outbox of their deliveries.

use crate::db::schema::{webhook_deliveries as deliveries, webhook_endpoints as endpoints};
use crate::db::{DbConnection, DbError, db_time};
use crate::db_run;
use crate::domain::{DeliveryId, EndpointId, PlatformId, SigningScheme};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use std::collections::BTreeMap;

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

/// A delivery to send in a round.
#[derive(Debug, Clone, Queryable)]
pub struct Queued {
    pub id: DeliveryId,
    pub payload: String,
    pub created_at: NaiveDateTime,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// Whether any delivery is due: one probe of the partial index, so that idle
/// workers do not take SQLite's write lock to find nothing.
pub fn any_due(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<bool, DbError> {
    use diesel::dsl::{exists, select};
    Ok(select(exists(deliveries::table.filter(deliveries::next_attempt_at.le(db_time(now))))).get_result(conn)?)
}

/// The enabled endpoints free for a round at `$at` (not in one, not
/// resting) that have due deliveries. A macro because a bound SQL fragment
/// belongs to one backend; the correlated probe is one look into the
/// (endpoint_id, next_attempt_at) index per endpoint.
macro_rules! waiting_endpoints {
    ($at:expr) => {
        endpoints::table
            .filter(endpoints::disabled_at.is_null())
            .filter(endpoints::leased_until.is_null().or(endpoints::leased_until.le($at)))
            .filter(endpoints::next_round_at.le($at))
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "EXISTS (SELECT 1 FROM webhook_deliveries d \
                     WHERE d.endpoint_id = webhook_endpoints.id AND d.next_attempt_at <= ",
                )
                .bind::<diesel::sql_types::Timestamp, _>($at)
                .sql(")"),
            )
    };
}

/// How the workers are shared out at a moment: each platform with rounds
/// running or endpoints waiting gets an equal share of `workers` (at least
/// one), so a platform whose endpoints hang holds its share and no more,
/// and a platform alone gets them all.
struct Shares {
    /// Rounds a platform may run at once.
    share: i64,
    /// Platforms running their share already.
    full: Vec<PlatformId>,
    /// Whether an endpoint of a platform below its share is waiting.
    open: bool,
}

fn shares(conn: &mut DbConnection, at: NaiveDateTime, workers: i64) -> Result<Shares, DbError> {
    use diesel::dsl::count_star;
    let running: Vec<(PlatformId, i64)> = endpoints::table
        .filter(endpoints::disabled_at.is_null().and(endpoints::leased_until.gt(at)))
        .group_by(endpoints::platform_id)
        .select((endpoints::platform_id, count_star()))
        .load(conn)?;
    let waiting: Vec<PlatformId> =
        db_run!(conn => waiting_endpoints!(at).select(endpoints::platform_id).distinct().load(conn))?;
    let active = running.len() + waiting.iter().filter(|p| !running.iter().any(|(r, _)| r == *p)).count();
    let share = (workers / i64::try_from(active).unwrap_or(i64::MAX).max(1)).max(1);
    let full: Vec<PlatformId> = running.iter().filter(|(_, n)| *n >= share).map(|(p, _)| *p).collect();
    let open = waiting.iter().any(|p| !full.contains(p));
    Ok(Shares { share, full, open })
}

/// Whether an endpoint is free for a round and its platform below its
/// share, read without a write lock: deliveries due to endpoints that rest,
/// are in a round elsewhere or whose platform has its share do not send
/// idle workers into write transactions.
pub fn any_waiting(conn: &mut DbConnection, workers: i64) -> Result<bool, DbError> {
    let at = db_time(crate::db::database_now(conn)?);
    Ok(shares(conn, at, workers)?.open)
}

/// A leased endpoint and its due deliveries, oldest first.
#[derive(Debug, Clone)]
pub struct Round {
    pub endpoint: EndpointRow,
    pub deliveries: Vec<Queued>,
    /// The end of the lease, as stored: recording the round checks it is still ours.
    pub lease: NaiveDateTime,
}

/// Leases the endpoint whose turn it is for `lease`, and returns up to
/// `limit` of its due deliveries (one, a probe, while it is failing). An
/// endpoint is leased by one node at a time, and a platform runs at most
/// its share of `workers` rounds at once ([`Shares`]). Endpoints take
/// turns: the one whose last round ended first goes next. Times are the
/// database's, so nodes' clocks need not agree. Rows another transaction is
/// leasing are skipped (`SKIP LOCKED`); on SQLite the write transaction
/// already holds every other writer off.
pub fn claim_round(
    conn: &mut DbConnection,
    lease: TimeDelta,
    (limit, workers): (i64, i64),
) -> Result<Option<Round>, DbError> {
    let now = crate::db::database_now(conn)?;
    let at = db_time(now);
    let Shares { share, full, open } = shares(conn, at, workers)?;
    if !open {
        return Ok(None);
    }
    macro_rules! turn {
        () => {
            waiting_endpoints!(at)
                .filter(endpoints::platform_id.ne_all(&full))
                .order((endpoints::next_round_at, endpoints::id))
                .limit(1)
                .select(EndpointRow::as_select())
        };
    }
    let endpoint = match conn {
        DbConnection::Postgresql(pg) => turn!().for_update().skip_locked().first(pg).optional()?,
        DbConnection::Sqlite(sqlite) => turn!().first(sqlite).optional()?,
    };
    let Some(endpoint) = endpoint else { return Ok(None) };
    if let DbConnection::Postgresql(pg) = conn {
        // Two nodes may each have leased another endpoint of the platform
        // since the shares were read: count again, one claimer of the platform at a time.
        diesel::sql_query("SELECT pg_advisory_xact_lock(7302, ($1 % 2147483647)::integer)")
            .bind::<diesel::sql_types::BigInt, _>(endpoint.platform_id.get())
            .execute(pg)?;
        let running: i64 = endpoints::table
            .filter(endpoints::platform_id.eq(endpoint.platform_id))
            .filter(endpoints::disabled_at.is_null().and(endpoints::leased_until.gt(at)))
            .count()
            .get_result(pg)?;
        if running >= share {
            return Ok(None);
        }
    }
    let lease = db_time(now + lease);
    diesel::update(endpoints::table.find(endpoint.id)).set(endpoints::leased_until.eq(Some(lease))).execute(conn)?;
    let limit = if endpoint.failing_since.is_some() { 1 } else { limit };
    let deliveries = deliveries::table
        .filter(deliveries::endpoint_id.eq(endpoint.id).and(deliveries::next_attempt_at.le(at)))
        .order((deliveries::next_attempt_at, deliveries::id))
        .limit(limit)
        .select((deliveries::id, deliveries::payload, deliveries::created_at, deliveries::attempts))
        .load(conn)?;
    Ok(Some(Round { endpoint, deliveries, lease }))
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// Any other answer, or none: tried again at `retry_at`, or given up (`None`).
    Failed { status: Option<u16>, error: String, retry_at: Option<DateTime<Utc>> },
}

/// How recording a round left its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundEnd {
    /// The lease was still the round's and is ended; the endpoint is
    /// failing since `failing_since`, if it is.
    Ended { failing_since: Option<NaiveDateTime> },
    /// The lease had run out and another node took the endpoint: only the
    /// deliveries were recorded.
    LeaseLost,
}

/// Records a round's attempts on its deliveries and endpoint, and ends the
/// lease: the endpoint's next round is due from `next_round`. The endpoint
/// is failing from its first failed attempt until a success. Deliveries the
/// round did not try stay due as they were. A round whose lease is lost
/// records its deliveries only, and a failure never undoes another node's
/// success.
pub fn record_round(
    conn: &mut DbConnection,
    round: &Round,
    attempts: &[(DeliveryId, Attempt)],
    (now, next_round): (DateTime<Utc>, DateTime<Utc>),
) -> Result<RoundEnd, DbError> {
    let at = db_time(now);
    // Successes in one statement per answer status (nearly always one).
    let mut delivered: BTreeMap<u16, Vec<DeliveryId>> = BTreeMap::new();
    for (id, attempt) in attempts {
        match attempt {
            Attempt::Delivered { status } => delivered.entry(*status).or_default().push(*id),
            Attempt::Failed { status, error, retry_at } => {
                diesel::update(deliveries::table.find(*id).filter(deliveries::delivered_at.is_null()))
                    .set((
                        deliveries::next_attempt_at.eq(retry_at.map(db_time)),
                        deliveries::attempts.eq(deliveries::attempts + 1),
                        deliveries::failed_at.eq(retry_at.is_none().then_some(at)),
                        deliveries::last_attempt_at.eq(Some(at)),
                        deliveries::last_status.eq(status.map(i32::from)),
                        deliveries::last_error.eq(Some(error)),
                    ))
                    .execute(conn)?;
            }
        }
    }
    for (status, ids) in &delivered {
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(ids)))
            .set((
                deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
                deliveries::attempts.eq(deliveries::attempts + 1),
                deliveries::delivered_at.eq(Some(at)),
                deliveries::last_attempt_at.eq(Some(at)),
                deliveries::last_status.eq(Some(i32::from(*status))),
                deliveries::last_error.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    let failing_since = match attempts.last() {
        None => round.endpoint.failing_since,
        Some((_, Attempt::Delivered { .. })) => None,
        Some((_, Attempt::Failed { .. })) if delivered.is_empty() => round.endpoint.failing_since.or(Some(at)),
        Some((_, Attempt::Failed { .. })) => Some(at),
    };
    let ours = endpoints::table.find(round.endpoint.id).filter(endpoints::leased_until.eq(round.lease));
    let updated = diesel::update(ours)
        .set((
            endpoints::failing_since.eq(failing_since),
            endpoints::leased_until.eq(None::<NaiveDateTime>),
            endpoints::next_round_at.eq(db_time(next_round)),
        ))
        .execute(conn)?;
    Ok(if updated == 1 { RoundEnd::Ended { failing_since } } else { RoundEnd::LeaseLost })
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
