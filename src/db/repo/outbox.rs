//! The mail outbox: messages waiting for the SMTP server, and the delivery
//! records of those sent or dropped. The recipient and the message's values
//! are one payload sealed under a master key version, deleted once the
//! message is sent or dropped.

use crate::crypto::{KeyRing, MasterSealed};
use crate::db::schema::outbox;
use crate::db::{DbConnection, DbError, db_time, is_unique_violation, key_id_from_db, key_id_to_db};
use crate::domain::{IdentityId, MessageId};
use crate::mail::MailKind;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// The payload is sealed for its kind of message, so it cannot be replayed as another kind.
fn payload_context(kind: MailKind) -> Vec<u8> {
    format!("outbox:{kind}").into_bytes()
}

/// A message to queue; `payload` is the serialized recipient and values.
pub struct NewMessage<'a> {
    pub kind: MailKind,
    pub identity_id: Option<IdentityId>,
    pub dedupe_key: Option<&'a str>,
    pub payload: &'a [u8],
    pub expires_at: Option<DateTime<Utc>>,
}

/// Queues a message; false when one with the same `dedupe_key` was queued
/// before. Runs in a savepoint, so a duplicate leaves the caller's
/// transaction usable.
pub fn insert(
    conn: &mut DbConnection,
    keys: &KeyRing,
    message: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let sealed = keys.seal(&payload_context(message.kind), message.payload)?;
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(outbox::table)
            .values((
                outbox::identity_id.eq(message.identity_id),
                outbox::kind.eq(message.kind),
                outbox::dedupe_key.eq(message.dedupe_key),
                outbox::key_id.eq(Some(key_id_to_db(sealed.key_id))),
                outbox::payload.eq(Some(&sealed.bytes)),
                outbox::created_at.eq(db_time(now)),
                outbox::next_attempt_at.eq(db_time(now)),
                outbox::expires_at.eq(message.expires_at.map(db_time)),
                outbox::attempts.eq(0),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether a message for the event `dedupe_key` was ever queued (sent or not).
pub fn queued_before(conn: &mut DbConnection, dedupe_key: &str) -> Result<bool, DbError> {
    use diesel::dsl::{exists, select};
    Ok(select(exists(outbox::table.filter(outbox::dedupe_key.eq(dedupe_key)))).get_result(conn)?)
}

/// A message due for an attempt.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct QueuedMessage {
    pub id: MessageId,
    pub kind: MailKind,
    #[diesel(select_expression = outbox::key_id.assume_not_null())]
    pub key_id: i32,
    #[diesel(select_expression = outbox::payload.assume_not_null())]
    pub payload: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub attempts: i32,
}

impl QueuedMessage {
    pub fn open(&self, keys: &KeyRing) -> Result<zeroize::Zeroizing<Vec<u8>>, DbError> {
        let sealed = MasterSealed { key_id: key_id_from_db(self.key_id), bytes: self.payload.clone() };
        Ok(keys.open(&sealed, &payload_context(self.kind))?)
    }
}

/// Up to `limit` unsent messages whose next attempt is due, oldest first.
pub fn due(conn: &mut DbConnection, now: DateTime<Utc>, limit: i64) -> Result<Vec<QueuedMessage>, DbError> {
    Ok(outbox::table
        .filter(outbox::payload.is_not_null().and(outbox::next_attempt_at.le(db_time(now))))
        .order(outbox::next_attempt_at)
        .limit(limit)
        .select(QueuedMessage::as_select())
        .load(conn)?)
}

/// Takes a due message for one attempt, until `until`: false if another
/// process took it first (its next attempt moved) or it is gone.
pub fn lease(conn: &mut DbConnection, message: &QueuedMessage, until: DateTime<Utc>) -> Result<bool, DbError> {
    let taken = diesel::update(
        outbox::table
            .find(message.id)
            .filter(outbox::payload.is_not_null().and(outbox::next_attempt_at.eq(message.next_attempt_at))),
    )
    .set((outbox::next_attempt_at.eq(db_time(until)), outbox::attempts.eq(outbox::attempts + 1)))
    .execute(conn)?;
    Ok(taken == 1)
}

/// The message was handed to the server: only the delivery record stays.
pub fn sent(conn: &mut DbConnection, id: MessageId, now: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id).filter(outbox::payload.is_not_null()))
        .set((
            outbox::payload.eq(None::<Vec<u8>>),
            outbox::key_id.eq(None::<i32>),
            outbox::sent_at.eq(Some(db_time(now))),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// An attempt failed for a reason that may pass: try again at `next_attempt_at`.
pub fn failed(
    conn: &mut DbConnection,
    id: MessageId,
    next_attempt_at: DateTime<Utc>,
    reason: &str,
) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id).filter(outbox::payload.is_not_null()))
        .set((outbox::next_attempt_at.eq(db_time(next_attempt_at)), outbox::last_error.eq(Some(reason))))
        .execute(conn)?;
    Ok(())
}

/// The message will never be sent (refused for good, expired, given up):
/// its recipient and values are deleted.
pub fn dropped(conn: &mut DbConnection, id: MessageId, now: DateTime<Utc>, reason: &str) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id).filter(outbox::payload.is_not_null()))
        .set((
            outbox::payload.eq(None::<Vec<u8>>),
            outbox::key_id.eq(None::<i32>),
            outbox::dropped_at.eq(Some(db_time(now))),
            outbox::last_error.eq(Some(reason)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Drops every unsent message about a record; returns how many.
pub fn drop_unsent_about(
    conn: &mut DbConnection,
    identity_id: IdentityId,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    Ok(diesel::update(outbox::table.filter(outbox::identity_id.eq(identity_id)).filter(outbox::payload.is_not_null()))
        .set((
            outbox::payload.eq(None::<Vec<u8>>),
            outbox::key_id.eq(None::<i32>),
            outbox::dropped_at.eq(Some(db_time(now))),
            outbox::last_error.eq(Some("record deleted")),
        ))
        .execute(conn)?)
}

/// Re-seals up to `limit` unsent payloads still under an older master key; returns how many.
pub fn reseal_batch(conn: &mut DbConnection, keys: &KeyRing, limit: i64) -> Result<usize, DbError> {
    let active = key_id_to_db(keys.active_key_id());
    let rows: Vec<(MessageId, MailKind, i32, Vec<u8>)> = outbox::table
        .filter(outbox::key_id.lt(active))
        .select((outbox::id, outbox::kind, outbox::key_id.assume_not_null(), outbox::payload.assume_not_null()))
        .order((outbox::key_id, outbox::id))
        .limit(limit)
        .load(conn)?;
    for (id, kind, key_id, bytes) in &rows {
        let old = MasterSealed { key_id: key_id_from_db(*key_id), bytes: bytes.clone() };
        let new = keys.reseal(&old, &payload_context(*kind))?;
        diesel::update(outbox::table.find(id).filter(outbox::payload.eq(bytes)))
            .set((outbox::key_id.eq(key_id_to_db(new.key_id)), outbox::payload.eq(&new.bytes)))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// How many unsent payloads each master key version seals.
pub fn count_by_key(conn: &mut DbConnection) -> Result<Vec<super::KeyUse>, DbError> {
    Ok(outbox::table
        .filter(outbox::key_id.is_not_null())
        .group_by(outbox::key_id)
        .select((outbox::key_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)?)
}
