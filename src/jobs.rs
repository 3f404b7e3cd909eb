//! Time-driven work inside `serve`. Each job's single step lives in the
//! library (`accounts::apply_due_transitions`, `audit::checkpoint::create`),
//! so tests and commands can run it directly; this module only schedules it.

use crate::accounts::apply_due_transitions;
use crate::crypto::KeyRing;
use crate::db::{DbConnection, DbError, Pool};
use crate::domain::RegistryPolicy;
use chrono::TimeDelta;
use std::sync::Arc;

/// Accounts handled per transaction: keeps write locks short.
const BATCH: i64 = 500;

/// Runs `step` on the blocking pool every `interval` (first at once) and
/// hands its result to `report`; a failure is logged and retried next time.
async fn every<T: Send + 'static>(
    interval: TimeDelta,
    job: &'static str,
    pool: Pool,
    step: impl Fn(&mut DbConnection) -> Result<T, DbError> + Clone + Send + 'static,
    report: impl Fn(T),
) {
    // Intervals are validated at start-up to be at least a second.
    let mut ticker = actix_web::rt::time::interval(interval.to_std().unwrap_or(std::time::Duration::from_secs(1)));
    loop {
        ticker.tick().await;
        let (pool, step) = (pool.clone(), step.clone());
        let result = actix_web::web::block(move || {
            let mut conn = pool.get()?;
            step(&mut conn)
        })
        .await;
        match result {
            Ok(Ok(outcome)) => report(outcome),
            Ok(Err(e)) => tracing::warn!(job, error = %e, "background job failed; will retry"),
            Err(e) => tracing::error!(job, error = %e, "background job could not run"),
        }
    }
}

/// Stores due status changes (deadlines passed, hysteresis over) every
/// `interval`, so that the change feed carries them. Runs until the process ends.
pub async fn run_transitions(pool: Pool, policy: RegistryPolicy, interval: TimeDelta) {
    let step = move |conn: &mut DbConnection| {
        let mut total = 0;
        loop {
            match apply_due_transitions(conn, &policy, crate::db::now(), BATCH)? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    };
    every(interval, "transitions", pool, step, |changed: usize| {
        if changed > 0 {
            tracing::info!(accounts = changed, "stored due status changes");
        }
    })
    .await;
}

/// Signs a checkpoint of the audit chain every `interval` (an existing one at
/// the same head is kept). Runs until the process ends.
pub async fn run_checkpoints(pool: Pool, keys: Arc<KeyRing>, interval: TimeDelta) {
    let step = move |conn: &mut DbConnection| {
        crate::audit::checkpoint::create(conn, &keys.audit_signing_key(), crate::db::now())
    };
    every(interval, "checkpoints", pool, step, |point| {
        if let Some(point) = point {
            tracing::info!(audit.seq = point.seq, "audit checkpoint signed");
        }
    })
    .await;
}
