//! Master key versions against the database (DESIGN §4): what each version
//! still wraps, moving everything to the active one, retiring old ones.
//!
//! A rotation adds a version to the key file. Every `serve` process reloads
//! the file within one job interval and seals new writes with the new
//! version, and its background job re-wraps data keys and TOTP secrets from
//! older versions in batches. Re-wrapping changes only the wrapping: the
//! data keys, and so the ciphertexts, stay as they are. A version can be
//! retired (deleted from the key file) once nothing uses it; from then on a
//! backup taken while it was active no longer opens.

use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::{KeyFileError, KeyId, KeyRing};
use crate::db::repo::{access_requests, identities, officials, outbox, owner_tokens, pending};
use crate::db::{DbConnection, DbError, key_id_from_db, write_tx};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A rotation: the version that was active and the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotated {
    pub previous: KeyId,
    pub active: KeyId,
}

/// Adds a master key version to the key file at `path` and makes it active.
/// The file is written before anything else, so a crash leaves every record
/// readable; running services reload it and re-wrap older data.
pub fn rotate(conn: &mut DbConnection, path: &Path, now: DateTime<Utc>) -> Result<Rotated, RotateError> {
    let mut keys = KeyRing::load(path)?;
    let previous = keys.active_key_id();
    let active = keys.rotate(now);
    keys.replace(path)?;
    tracing::info!(key.previous = %previous, key.active = %active, "master key rotated in the key file");
    write_tx(conn, |conn| {
        let details = serde_json::json!({ "previous": previous.0, "active": active.0 });
        let event =
            AuditEvent::new(Actor::Operator, AuditAction::KeysRotated, AuditSubject::MasterKey(active), details);
        audit::append(conn, &event, now)
    })?;
    Ok(Rotated { previous, active })
}

/// Rows re-wrapped per transaction: short write locks, steady progress.
const BATCH: i64 = 500;

/// The shortest wait between a rotation and retiring an older version.
const MIN_RETIRE_DELAY: TimeDelta = TimeDelta::minutes(1);

/// What one master key version wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsage {
    pub key_id: KeyId,
    /// False for a version the database uses but the key file lacks: that data cannot be opened.
    pub in_key_file: bool,
    pub data_keys: i64,
    pub totp_secrets: i64,
    /// Other sealed personal data: unsent mail, identifications and
    /// contact changes not yet confirmed, the identifiers of access requests.
    pub queued: i64,
}

impl KeyUsage {
    fn new(key_id: KeyId, in_key_file: bool) -> Self {
        Self { key_id, in_key_file, data_keys: 0, totp_secrets: 0, queued: 0 }
    }

    pub fn is_unused(&self) -> bool {
        self.data_keys == 0 && self.totp_secrets == 0 && self.queued == 0
    }
}

/// Every version in the key file or in the database, oldest first.
pub fn usage(conn: &mut DbConnection, keys: &KeyRing) -> Result<Vec<KeyUsage>, DbError> {
    let mut by_id: BTreeMap<KeyId, KeyUsage> =
        keys.key_ids().into_iter().map(|key_id| (key_id, KeyUsage::new(key_id, true))).collect();
    fn entry(by_id: &mut BTreeMap<KeyId, KeyUsage>, id: i32) -> &mut KeyUsage {
        let key_id = key_id_from_db(id);
        by_id.entry(key_id).or_insert(KeyUsage::new(key_id, false))
    }
    for used in identities::count_by_key(conn)? {
        entry(&mut by_id, used.key_id).data_keys += used.count;
    }
    for used in officials::count_by_totp_key(conn)? {
        entry(&mut by_id, used.key_id).totp_secrets += used.count;
    }
    let queued = [
        outbox::count_by_key(conn)?,
        pending::count_by_key(conn)?,
        owner_tokens::count_by_key(conn)?,
        access_requests::count_by_key(conn)?,
    ];
    for used in queued.into_iter().flatten() {
        entry(&mut by_id, used.key_id).queued += used.count;
    }
    Ok(by_id.into_values().collect())
}

/// How much one re-wrap moved to the active version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rewrapped {
    pub data_keys: usize,
    pub totp_secrets: usize,
    pub queued: usize,
}

/// Moves every data key and TOTP secret under an older version to the
/// active one, a batch per transaction. Safe to run in several processes
/// at once: a row changed meanwhile is left to whoever changed it.
pub fn rewrap(conn: &mut DbConnection, keys: &KeyRing) -> Result<Rewrapped, DbError> {
    Ok(Rewrapped {
        data_keys: drain(conn, |conn| identities::rewrap_batch(conn, keys, BATCH))?,
        totp_secrets: drain(conn, |conn| officials::reseal_totp_batch(conn, keys, BATCH))?,
        queued: drain(conn, |conn| outbox::reseal_batch(conn, keys, BATCH))?
            + drain(conn, |conn| pending::reseal_batch(conn, keys, BATCH))?
            + drain(conn, |conn| owner_tokens::reseal_batch(conn, keys, BATCH))?
            + drain(conn, |conn| access_requests::reseal_batch(conn, keys, BATCH))?,
    })
}

fn drain(
    conn: &mut DbConnection,
    mut batch: impl FnMut(&mut DbConnection) -> Result<usize, DbError>,
) -> Result<usize, DbError> {
    let mut total = 0;
    loop {
        match write_tx(conn, &mut batch)? {
            0 => return Ok(total),
            done => total += done,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RetireError {
    #[error(transparent)]
    Key(#[from] crate::crypto::RetireError),
    #[error(
        "master key {} still wraps {} identity data key(s), {} TOTP secret(s) and {} queued item(s) of owner \
         data; running `registry serve` processes re-wrap them in the background (or run `registry keys rewrap`), \
         then try again",
        .0.key_id, .0.data_keys, .0.totp_secrets, .0.queued
    )]
    InUse(KeyUsage),
    #[error(
        "the active key was added less than {} ago; processes that have not reloaded the key file may still \
         seal with older keys. Try again after {not_before}", humantime::format_duration(.wait.to_std().unwrap_or_default())
    )]
    TooSoon { wait: TimeDelta, not_before: DateTime<Utc> },
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Deletes master key `id` from the key file at `path`, refusing while it
/// is active, while anything still uses it, or too soon after the rotation
/// for every process to have reloaded the file (`reload_interval`: how often
/// `serve` looks at it). The audit entry commits only if the file was written.
pub fn retire(
    conn: &mut DbConnection,
    path: &Path,
    id: KeyId,
    reload_interval: TimeDelta,
    now: DateTime<Utc>,
) -> Result<(), RetireError> {
    let mut keys = KeyRing::load(path)?;
    let wait = (reload_interval * 2).max(MIN_RETIRE_DELAY);
    let not_before = keys.active_since() + wait;
    write_tx(conn, |conn| {
        if let Some(used) = usage(conn, &keys)?.into_iter().find(|u| u.key_id == id && !u.is_unused()) {
            return Err(RetireError::InUse(used));
        }
        if keys.active_key_id() != id && now < not_before {
            return Err(RetireError::TooSoon { wait, not_before });
        }
        keys.retire(id)?;
        let details = serde_json::json!({ "active": keys.active_key_id().0 });
        let event = AuditEvent::new(Actor::Operator, AuditAction::KeysRetired, AuditSubject::MasterKey(id), details);
        audit::append(conn, &event, now)?;
        keys.replace(path)?;
        Ok(())
    })
}
