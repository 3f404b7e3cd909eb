//! `registry keys generate|rotate|rewrap|list|retire`.

use super::{CliError, connect};
use crate::config::Settings;
use crate::crypto::{KeyId, KeyRing};
use crate::services::keys as master_keys;
use crate::startup::StartupError;
use chrono::Utc;
use std::path::PathBuf;

/// `registry keys generate`
pub fn generate(settings: &Settings, out: Option<PathBuf>) -> Result<(), CliError> {
    let path = out.unwrap_or_else(|| settings.key_file.path.clone());
    KeyRing::generate(Utc::now()).create(&path).map_err(StartupError::from)?;
    println!("Wrote a new key file to {} (mode 0600).", path.display());
    println!("Keep a copy somewhere safe and offline: without it the registry's data cannot be decrypted.");
    Ok(())
}

fn load(settings: &Settings) -> Result<KeyRing, CliError> {
    Ok(KeyRing::load(&settings.key_file.path).map_err(StartupError::from)?)
}

/// `registry keys rotate`: adds a master key version and makes it active.
pub fn rotate(settings: &Settings) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let rotated = master_keys::rotate(&mut conn, &settings.key_file.path, crate::db::now()).map_err(|e| match e {
        master_keys::RotateError::KeyFile(e) => CliError::Startup(e.into()),
        master_keys::RotateError::Db(e) => CliError::Database(e),
    })?;
    println!("Master key {} is now active (was {}).", rotated.active, rotated.previous);
    println!(
        "Running `registry serve` processes load it within {} and re-wrap older data keys in the background;",
        humantime::format_duration(settings.job_interval.to_std().unwrap_or_default())
    );
    println!("with none running, `registry keys rewrap` does it now. `registry keys list` shows the progress.");
    Ok(())
}

/// `registry keys rewrap`: moves everything under older versions to the active one now.
pub fn rewrap(settings: &Settings) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let keys = load(settings)?;
    let done = master_keys::rewrap(&mut conn, &keys)?;
    println!(
        "Re-wrapped {} identity data keys, {} official TOTP secrets and {} queued items under master key {}.",
        done.data_keys,
        done.totp_secrets,
        done.queued,
        keys.active_key_id()
    );
    Ok(())
}

/// `registry keys list`: every master key version and what it still wraps.
pub fn list(settings: &Settings) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let keys = load(settings)?;
    println!("{:>7}  {:<8}  {:>15}  {:>12}  {:>6}", "version", "state", "data keys", "TOTP secrets", "queued");
    for usage in master_keys::usage(&mut conn, &keys)? {
        let state = match (usage.in_key_file, usage.key_id == keys.active_key_id()) {
            (false, _) => "MISSING",
            (true, true) => "active",
            (true, false) if usage.is_unused() => "unused",
            (true, false) => "old",
        };
        let (id, data, totp, queued) = (usage.key_id.0, usage.data_keys, usage.totp_secrets, usage.queued);
        println!("{id:>7}  {state:<8}  {data:>15}  {totp:>12}  {queued:>6}");
    }
    Ok(())
}

/// `registry keys retire <VERSION>`
pub fn retire(settings: &Settings, version: u32) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let id = KeyId(version);
    master_keys::retire(&mut conn, &settings.key_file.path, id, settings.job_interval, Utc::now())
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    println!("Master key {id} is retired: it is gone from the key file, and backups sealed with it no longer open.");
    Ok(())
}
