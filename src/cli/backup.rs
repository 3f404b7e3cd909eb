//! `registry backup` and `registry restore`: a consistent copy of the
//! database while the service runs, and putting one back into an empty
//! database, checked before it is trusted. The key file is not in a backup
//! and must be kept as the README says: a backup without it cannot be read.

use super::CliError;
use crate::config::{DatabaseUrl, Settings};
use crate::db::DbError;
use diesel::RunQueryDsl;
use secrecy::ExposeSecret;
use std::path::Path;
use std::process::Command;

/// `registry backup --out FILE`: on SQLite `VACUUM INTO` (one read
/// transaction, so writers go on; free pages, where shredded data was, are
/// not copied); on PostgreSQL `pg_dump` in its custom format.
pub fn backup(settings: &Settings, out: &Path) -> Result<(), CliError> {
    if out.exists() {
        return Err(CliError::Invalid(format!("{} exists: a backup never overwrites a file", out.display())));
    }
    match &settings.database_url {
        DatabaseUrl::Sqlite(_) => {
            let mut conn = super::connect(settings)?;
            let target = out.to_str().ok_or_else(|| CliError::Invalid("--out must be a UTF-8 path".into()))?;
            // VACUUM INTO takes a string literal, not a bound parameter.
            diesel::sql_query(format!("VACUUM INTO '{}'", target.replace('\'', "''")))
                .execute(&mut *conn)
                .map_err(DbError::from)?;
            println!("Backed up the SQLite database to {}.", out.display());
            println!(
                "To restore: `registry restore --from {}` with REGISTRY_DATABASE_URL naming a new file.",
                out.display()
            );
        }
        DatabaseUrl::Postgres(url) => {
            run_tool(
                Command::new("pg_dump")
                    .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                    .arg(out)
                    .arg(url.expose_secret()),
                "pg_dump",
            )?;
            println!("Backed up the PostgreSQL database to {} (pg_dump custom format).", out.display());
            println!(
                "To restore: `registry restore --from {}` with REGISTRY_DATABASE_URL naming an empty database.",
                out.display()
            );
        }
    }
    println!("The key file is not in the backup: keep its own copy, or the backup cannot be read.");
    Ok(())
}

/// `registry restore --from FILE`: into a database that does not exist yet
/// (SQLite) or is empty (PostgreSQL), never over live data; then migrates it
/// to this version and verifies the audit log, so a damaged or foreign
/// backup is named before a service runs on it.
pub fn restore(settings: &Settings, from: &Path) -> Result<(), CliError> {
    if !from.is_file() {
        return Err(CliError::Invalid(format!("{} is not a file", from.display())));
    }
    match &settings.database_url {
        DatabaseUrl::Sqlite(path) => {
            if path.exists() {
                return Err(CliError::Invalid(format!(
                    "{} exists: restore into a new file, then point the service at it",
                    path.display()
                )));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(from, path)?;
        }
        DatabaseUrl::Postgres(url) => {
            if !crate::db::postgres_is_empty(url)? {
                return Err(CliError::Invalid("the database is not empty: restore into a new database".into()));
            }
            run_tool(
                Command::new("pg_restore")
                    .args(["--no-owner", "--no-privileges", "--exit-on-error", "--dbname"])
                    .arg(url.expose_secret())
                    .arg(from),
                "pg_restore",
            )?;
        }
    }
    super::audit::verify(settings, None, None, None)?;
    println!("Restored {}; the service can start on it.", from.display());
    Ok(())
}

/// Runs a PostgreSQL client tool; its own message says what went wrong.
fn run_tool(command: &mut Command, name: &str) -> Result<(), CliError> {
    let output = command.output().map_err(|e| {
        CliError::Invalid(format!("{name} could not be run ({e}); install the PostgreSQL client tools"))
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(CliError::Invalid(format!("{name} failed: {}", String::from_utf8_lossy(&output.stderr).trim())))
}
