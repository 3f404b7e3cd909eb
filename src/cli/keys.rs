use super::{CliError, connect};
use crate::audit::{self, Actor, AuditEvent};
use crate::config::Settings;
use crate::crypto::{KeyId, KeyRing};
use crate::db::write_tx;
use crate::key_rotation;
use chrono::Utc;
use std::path::PathBuf;

/// `registry keys generate`
pub fn generate(settings: &Settings, out: Option<PathBuf>) -> Result<(), CliError> {
    let path = out.unwrap_or_else(|| settings.key_file.path.clone());
    KeyRing::generate(Utc::now()).create(&path).map_err(crate::startup::StartupError::from)?;
    println!("Wrote a new key file to {} (mode 0600).", path.display());
    println!("Keep a copy somewhere safe and offline: without it the registry's data cannot be decrypted.");
    Ok(())
}

fn load(settings: &Settings) -> Result<KeyRing, CliError> {
    Ok(KeyRing::load(&settings.key_file.path).map_err(crate::startup::StartupError::from)?)
}

/// `registry keys rotate`: adds a master key version and makes it active.
/// The key file is written before anything else, so a crash leaves every
/// record readable; running services take it from there.
pub fn rotate(settings: &Settings) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let mut keys = load(settings)?;
    let previous = keys.active_key_id();
    let active = keys.rotate(Utc::now());
    keys.replace(&settings.key_file.path).map_err(crate::startup::StartupError::from)?;
    tracing::info!(key.previous = %previous, key.active = %active, "master key rotated in the key file");
    write_tx(&mut conn, |conn| {
        let event = AuditEvent {
            actor: Actor::Operator,
            action: "keys.rotated",
            subject: format!("master_key:{active}"),
            details: serde_json::json!({ "previous": previous.0, "active": active.0 }),
        };
        audit::append(conn, &event, Utc::now())
    })?;
    println!("Master key {active} is now active (was {previous}).");
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
    let done = key_rotation::rewrap(&mut conn, &keys)?;
    println!(
        "Re-wrapped {} identity data keys and {} official TOTP secrets under master key {}.",
        done.data_keys,
        done.totp_secrets,
        keys.active_key_id()
    );
    Ok(())
}

/// `registry keys list`: every master key version and what it still wraps.
pub fn list(settings: &Settings) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let keys = load(settings)?;
    println!("{:>7}  {:<8}  {:>15}  {:>12}", "version", "state", "data keys", "TOTP secrets");
    for usage in key_rotation::usage(&mut conn, &keys)? {
        let state = match (usage.in_key_file, usage.key_id == keys.active_key_id()) {
            (false, _) => "MISSING",
            (true, true) => "active",
            (true, false) if usage.is_unused() => "unused",
            (true, false) => "old",
        };
        println!("{:>7}  {state:<8}  {:>15}  {:>12}", usage.key_id.0, usage.data_keys, usage.totp_secrets);
    }
    Ok(())
}

/// `registry keys retire <VERSION>`
pub fn retire(settings: &Settings, version: u32) -> Result<(), CliError> {
    let mut conn = connect(settings)?;
    let id = KeyId(version);
    key_rotation::retire(&mut conn, &settings.key_file.path, id, settings.job_interval, Utc::now())
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    println!("Master key {id} is retired: it is gone from the key file, and backups sealed with it no longer open.");
    Ok(())
}
