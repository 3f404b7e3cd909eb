//! Time-driven work inside `serve`. Each job's single step lives in the
//! library (`accounts::apply_due_transitions`), so tests and commands can run
//! it directly; this module only schedules it.

use crate::accounts::apply_due_transitions;
use crate::db::{DbError, Pool};
use crate::domain::RegistryPolicy;
use chrono::TimeDelta;
use std::time::Duration;

/// Accounts handled per transaction: keeps write locks short.
const BATCH: i64 = 500;

/// Stores due status changes (deadlines passed, hysteresis over) every
/// `interval`, so that the change feed carries them. Runs until the process ends.
pub async fn run_transitions(pool: Pool, policy: RegistryPolicy, interval: TimeDelta) {
    let mut ticker = actix_web::rt::time::interval(interval.to_std().unwrap_or(Duration::from_secs(1)));
    loop {
        ticker.tick().await;
        let pool = pool.clone();
        let policy = policy.clone();
        let result = actix_web::web::block(move || -> Result<usize, DbError> {
            let mut conn = pool.get()?;
            let mut total = 0;
            loop {
                match apply_due_transitions(&mut conn, &policy, crate::db::now(), BATCH)? {
                    0 => return Ok(total),
                    n => total += n,
                }
            }
        })
        .await;
        match result {
            Ok(Ok(0)) => {}
            Ok(Ok(changed)) => tracing::info!(accounts = changed, "stored due status changes"),
            Ok(Err(e)) => tracing::warn!(error = %e, "storing due status changes failed; will retry"),
            Err(e) => tracing::error!(error = %e, "the status change job could not run"),
        }
    }
}

/// Signs a checkpoint of the audit chain every `interval` (an existing one at
/// the same head is kept). Runs until the process ends.
pub async fn run_checkpoints(pool: Pool, keys: std::sync::Arc<crate::crypto::KeyRing>, interval: TimeDelta) {
    let mut ticker = actix_web::rt::time::interval(interval.to_std().unwrap_or(Duration::from_secs(3600)));
    loop {
        ticker.tick().await;
        let (pool, keys) = (pool.clone(), keys.clone());
        let result = actix_web::web::block(move || -> Result<_, DbError> {
            let mut conn = pool.get()?;
            crate::audit::checkpoint::create(&mut conn, &keys.audit_signing_key(), crate::db::now())
        })
        .await;
        match result {
            Ok(Ok(Some(point))) => tracing::info!(audit.seq = point.seq, "audit checkpoint signed"),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "signing an audit checkpoint failed; will retry"),
            Err(e) => tracing::error!(error = %e, "the checkpoint job could not run"),
        }
    }
}
