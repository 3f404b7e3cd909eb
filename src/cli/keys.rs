use super::CliError;
use crate::audit::{self, Actor, AuditEvent};
use crate::config::Settings;
use crate::crypto::KeyRing;
use crate::db::repo::{identities, officials};
use crate::db::{self, DbConnection, DbError, write_tx};
use chrono::Utc;
use std::path::PathBuf;

/// Rows re-wrapped per transaction: short write locks, steady progress.
const REWRAP_BATCH: i64 = 500;

/// `registry keys generate`
pub fn generate(settings: &Settings, out: Option<PathBuf>) -> Result<(), CliError> {
    let path = out.unwrap_or_else(|| settings.key_file.path.clone());
    KeyRing::generate(Utc::now()).create(&path).map_err(crate::startup::StartupError::from)?;
    println!("Wrote a new key file to {} (mode 0600).", path.display());
    println!("Keep a copy somewhere safe and offline: without it the registry's data cannot be decrypted.");
    Ok(())
}

/// `registry keys rotate`: the new key file is written first, so a crash at
/// any later point leaves every record readable; re-wrapping is resumable
/// (running the command again re-wraps whatever is left under old versions).
pub fn rotate(settings: &Settings) -> Result<(), CliError> {
    let path = &settings.key_file.path;
    let mut keys = KeyRing::load(path).map_err(crate::startup::StartupError::from)?;
    let previous = keys.active_key_id();
    let active = keys.rotate(Utc::now());
    keys.replace(path).map_err(crate::startup::StartupError::from)?;
    tracing::info!(key.previous = %previous, key.active = %active, "master key rotated in the key file");

    let pool = db::open(&settings.database_url, 1)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let rewrapped = drain(&mut conn, |conn| identities::rewrap_batch(conn, &keys, REWRAP_BATCH))?;
    let resealed = drain(&mut conn, |conn| officials::reseal_totp_batch(conn, &keys, REWRAP_BATCH))?;
    let now = Utc::now();
    write_tx(&mut conn, |conn| {
        let event = AuditEvent {
            actor: Actor::Operator,
            action: "keys.rotated",
            subject: format!("master_key:{active}"),
            details: serde_json::json!({
                "previous": previous.0,
                "active": active.0,
                "rewrapped_data_keys": rewrapped,
                "resealed_totp_secrets": resealed,
            }),
        };
        audit::append(conn, &event, now)
    })?;
    println!("Master key {active} is now active (was {previous}).");
    println!("Re-wrapped {rewrapped} identity data keys and {resealed} official TOTP secrets.");
    println!("Restart running `registry serve` processes so that they load the new key.");
    Ok(())
}

/// Runs batches, each in its own write transaction, until one finds nothing to do.
fn drain(
    conn: &mut DbConnection,
    mut batch: impl FnMut(&mut DbConnection) -> Result<usize, DbError>,
) -> Result<usize, DbError> {
    let mut total = 0;
    loop {
        let done = write_tx(conn, &mut batch)?;
        if done == 0 {
            return Ok(total);
        }
        total += done;
    }
}
