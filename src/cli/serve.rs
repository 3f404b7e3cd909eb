//! `registry serve` and `registry migrate`.

use super::CliError;
use super::demo;
use crate::config::Settings;
use crate::db;
use crate::startup::{Application, open_storage};

/// `registry serve [--demo]`
pub fn run(settings: Settings, demo: bool) -> Result<(), CliError> {
    let (keys, pool) = open_storage(&settings)?;
    let demo_credentials = if demo { Some(demo::ensure(&pool, &keys)?) } else { None };
    let backend = settings.database_url.backend_name();
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone(), keys, pool)?;
        let base_url = format!("http://{}:{}", settings.bind.ip(), app.port());
        if let Some(credentials) = demo_credentials {
            let mail = settings.mail.smtp_url.is_none().then_some(settings.mail.dir.as_path());
            credentials.print(&base_url, mail);
        }
        let metrics_url = format!("http://{}:{}/metrics", settings.metrics_bind.ip(), app.metrics_port());
        tracing::info!(address = %base_url, metrics = %metrics_url, database = backend, "registry is listening");
        app.run_until_stopped().await?;
        Ok(())
    })
}

/// `registry migrate`
pub fn migrate(settings: &Settings) -> Result<(), CliError> {
    let applied = db::migrate(&settings.database_url)?;
    if applied.is_empty() {
        println!("The database schema is up to date.");
    } else {
        println!("Applied {} migration(s): {}", applied.len(), applied.join(", "));
    }
    Ok(())
}
