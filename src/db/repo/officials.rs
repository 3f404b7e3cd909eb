//! Regulator officials: credentials (an argon2id hash, a TOTP secret sealed
//! under the master key), roles and login state.

use crate::crypto::{KeyRing, MasterSealed};
use crate::db::schema::officials;
use crate::db::{DbConnection, DbError, db_time, is_unique_violation, key_id_from_db, key_id_to_db};
use crate::domain::{OfficialId, RoleSet};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use secrecy::{ExposeSecret, SecretString};

/// What is stored about a new official. The password is already hashed.
pub struct NewOfficial<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub totp_secret: &'a SecretString,
    pub roles: &'a RoleSet,
}

/// The TOTP secret is sealed under the master key, bound to the username.
fn totp_context(username: &str) -> Vec<u8> {
    format!("official:{username}:totp").into_bytes()
}

fn seal_totp(keys: &KeyRing, username: &str, secret: &SecretString) -> Result<MasterSealed, DbError> {
    Ok(keys.seal(&totp_context(username), secret.expose_secret().as_bytes())?)
}

pub fn create(
    conn: &mut DbConnection,
    keys: &KeyRing,
    new: &NewOfficial<'_>,
    now: DateTime<Utc>,
) -> Result<OfficialId, DbError> {
    let sealed = seal_totp(keys, new.username, new.totp_secret)?;
    diesel::insert_into(officials::table)
        .values((
            officials::username.eq(new.username),
            officials::password_hash.eq(new.password_hash),
            officials::totp_key_id.eq(key_id_to_db(sealed.key_id)),
            officials::totp_secret.eq(&sealed.bytes),
            officials::roles.eq(new.roles.to_canonical()),
            officials::failed_logins.eq(0),
            officials::created_at.eq(db_time(now)),
        ))
        .returning(officials::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { DbError::AlreadyExists("official") } else { e.into() })
}

pub fn find_id_by_username(conn: &mut DbConnection, username: &str) -> Result<Option<OfficialId>, DbError> {
    Ok(officials::table.filter(officials::username.eq(username)).select(officials::id).first(conn).optional()?)
}

/// The usernames of these officials, by id.
pub fn usernames(conn: &mut DbConnection, ids: &[OfficialId]) -> Result<Vec<(OfficialId, String)>, DbError> {
    Ok(officials::table.filter(officials::id.eq_any(ids)).select((officials::id, officials::username)).load(conn)?)
}

/// The official's current roles.
pub fn roles_of(conn: &mut DbConnection, id: OfficialId) -> Result<RoleSet, DbError> {
    Ok(officials::table.find(id).select(officials::roles).first(conn)?)
}

/// Disables the official (no login, no live session) or enables them again;
/// false if nothing changed.
pub fn set_disabled(
    conn: &mut DbConnection,
    id: OfficialId,
    disabled_at: Option<DateTime<Utc>>,
) -> Result<bool, DbError> {
    let target = officials::table.find(id);
    let set = officials::disabled_at.eq(disabled_at.map(db_time));
    let changed = match disabled_at {
        Some(_) => diesel::update(target.filter(officials::disabled_at.is_null())).set(set).execute(conn)?,
        None => diesel::update(target.filter(officials::disabled_at.is_not_null())).set(set).execute(conn)?,
    };
    Ok(changed == 1)
}

/// Sets new credentials and roles and lifts any lock-out.
pub fn replace_credentials(
    conn: &mut DbConnection,
    keys: &KeyRing,
    id: OfficialId,
    new: &NewOfficial<'_>,
) -> Result<(), DbError> {
    let sealed = seal_totp(keys, new.username, new.totp_secret)?;
    let updated = diesel::update(officials::table.find(id))
        .set((
            officials::password_hash.eq(new.password_hash),
            officials::totp_key_id.eq(key_id_to_db(sealed.key_id)),
            officials::totp_secret.eq(&sealed.bytes),
            officials::last_totp_step.eq(None::<i64>),
            officials::roles.eq(new.roles.to_canonical()),
            officials::failed_logins.eq(0),
            officials::locked_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(DbError::NotFound("official"));
    }
    Ok(())
}

/// A TOTP secret sealed under some master key version.
#[derive(Queryable)]
struct SealedSecret {
    id: OfficialId,
    username: String,
    key_id: i32,
    bytes: Vec<u8>,
}

/// Re-seals up to `limit` TOTP secrets still under an older master key; returns how many.
pub fn reseal_totp_batch(conn: &mut DbConnection, keys: &KeyRing, limit: i64) -> Result<usize, DbError> {
    let active = key_id_to_db(keys.active_key_id());
    let rows: Vec<SealedSecret> = officials::table
        // Only older versions: a process that has not yet loaded a newer key file must not move secrets back.
        .filter(officials::totp_key_id.lt(active))
        .select((officials::id, officials::username, officials::totp_key_id, officials::totp_secret))
        .order(officials::id)
        .limit(limit)
        .load(conn)?;
    for SealedSecret { id, username, key_id, bytes } in &rows {
        let old = MasterSealed { key_id: key_id_from_db(*key_id), bytes: bytes.clone() };
        let new = keys.reseal(&old, &totp_context(username))?;
        diesel::update(officials::table.find(id).filter(officials::totp_secret.eq(bytes)))
            .set((officials::totp_key_id.eq(key_id_to_db(new.key_id)), officials::totp_secret.eq(&new.bytes)))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// How many TOTP secrets each master key version seals.
pub fn count_by_totp_key(conn: &mut DbConnection) -> Result<Vec<super::KeyUse>, DbError> {
    Ok(officials::table
        .group_by(officials::totp_key_id)
        .select((officials::totp_key_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// What a login needs to know about an official.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = officials)]
pub struct LoginRow {
    pub id: OfficialId,
    pub username: String,
    pub password_hash: String,
    pub totp_key_id: i32,
    pub totp_secret: Vec<u8>,
}

pub fn find_for_login(conn: &mut DbConnection, username: &str) -> Result<Option<LoginRow>, DbError> {
    Ok(officials::table
        .filter(officials::username.eq(username).and(officials::disabled_at.is_null()))
        .select(LoginRow::as_select())
        .first(conn)
        .optional()?)
}

/// The official's TOTP secret (base32), opened from its master-key seal.
pub fn open_totp_secret(keys: &KeyRing, row: &LoginRow) -> Result<zeroize::Zeroizing<Vec<u8>>, DbError> {
    let sealed = MasterSealed { key_id: key_id_from_db(row.totp_key_id), bytes: row.totp_secret.clone() };
    Ok(keys.open(&sealed, &totp_context(&row.username))?)
}

/// Takes the official's row lock for the rest of the transaction (on
/// PostgreSQL an update locks the row; SQLite's write transaction already
/// holds the database), so that login attempts are counted one at a time.
pub fn lock_row(conn: &mut DbConnection, id: OfficialId) -> Result<(), DbError> {
    diesel::update(officials::table.find(id))
        .set(officials::failed_logins.eq(officials::failed_logins))
        .execute(conn)?;
    Ok(())
}

/// An official's failed-login count and lock, as they are now.
pub fn login_state(conn: &mut DbConnection, id: OfficialId) -> Result<(i32, Option<chrono::NaiveDateTime>), DbError> {
    Ok(officials::table.find(id).select((officials::failed_logins, officials::locked_until)).first(conn)?)
}

/// Sets the failed-login count (an attempt is counted before its password
/// is checked) and, when asked, lifts an expired lock.
pub fn set_failed_logins(conn: &mut DbConnection, id: OfficialId, count: i32, unlock: bool) -> Result<(), DbError> {
    let update = diesel::update(officials::table.find(id));
    if unlock {
        update
            .set((officials::failed_logins.eq(count), officials::locked_until.eq(None::<chrono::NaiveDateTime>)))
            .execute(conn)?;
    } else {
        update.set(officials::failed_logins.eq(count)).execute(conn)?;
    }
    Ok(())
}

/// Locks the official out until `until`.
pub fn lock_until(conn: &mut DbConnection, id: OfficialId, until: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(officials::table.find(id)).set(officials::locked_until.eq(Some(db_time(until)))).execute(conn)?;
    Ok(())
}

/// Records a successful login: failures reset, the TOTP step is used up.
/// False if the step was used already (a code is accepted once, even by
/// logins racing each other).
pub fn record_success(conn: &mut DbConnection, id: OfficialId, totp_step: i64) -> Result<bool, DbError> {
    let fresh = officials::last_totp_step.is_null().or(officials::last_totp_step.lt(totp_step));
    let updated = diesel::update(officials::table.find(id).filter(fresh))
        .set((
            officials::failed_logins.eq(0),
            officials::locked_until.eq(None::<chrono::NaiveDateTime>),
            officials::last_totp_step.eq(Some(totp_step)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}
