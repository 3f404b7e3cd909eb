//! `registry retention run`.

use super::CliError;
use crate::config::Settings;

/// `registry retention run`: crypto-shreds every identity past retention now
/// (the same step `serve` runs every `REGISTRY_RETENTION_INTERVAL`).
pub fn run(settings: &Settings) -> Result<(), CliError> {
    let (keys, pool) = crate::startup::open_storage(settings)?;
    let mut conn = pool.get().map_err(crate::db::DbError::from)?;
    let shredded = crate::services::retention::run(&mut conn, &keys, &settings.policy, crate::db::now())?;
    let retention = settings.policy.retention;
    // Whole days as days: humantime would write 180 days as "5months 27days 19h 12m".
    let retention = match retention.num_days() {
        days if days > 0 && retention == chrono::TimeDelta::days(days) => format!("{days} days"),
        _ => humantime::format_duration(retention.to_std().unwrap_or_default()).to_string(),
    };
    println!(
        "Crypto-shredded {shredded} identity record(s) whose last account left the registry more than {retention} ago."
    );
    Ok(())
}
