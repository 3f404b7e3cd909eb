//! Time-driven work inside `serve`. Each job's single step lives in the
//! library (`accounts::apply_due_transitions`, `audit::tree::grow`,
//! `retention::run`, `key_rotation::rewrap`), so tests and commands can run
//! it directly; this module only schedules it. With several nodes over one
//! database, the cluster-wide jobs run on whichever node claims the
//! interval's run ([`job_runs::claim`]).

use crate::audit::note::{LogKey, LogOrigin};
use crate::audit::tree::{self, GrowError};
use crate::audit::witnesses::{self, Answer, WitnessPolicy};
use crate::crypto::KeyRing;
use crate::db::repo::job_runs::{self, Job};
use crate::db::{DbConnection, DbError, Pool};
use crate::domain::RegistryPolicy;
use crate::http::metrics::Metrics;
use crate::services::accounts::apply_due_transitions;
use actix_web::web::Data;
use chrono::TimeDelta;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Accounts handled per transaction: keeps write locks short.
const BATCH: i64 = 500;

/// Runs `step` on one connection every `interval` (see [`every_on_pool`]).
async fn every<T: Send + 'static>(
    interval: TimeDelta,
    job: &'static str,
    pool: Pool,
    step: impl Fn(&mut DbConnection) -> Result<T, DbError> + Clone + Send + 'static,
    report: impl Fn(T),
) {
    // Intervals are validated at start-up to be at least a second.
    let interval = interval.to_std().unwrap_or(std::time::Duration::from_secs(1));
    let on_connection = move |pool: &Pool| step(&mut *pool.get()?);
    every_on_pool(interval, job, pool, on_connection, report).await;
}

/// Runs `step` on the blocking pool every `interval` (first at once) and
/// hands its result to `report`; a failure is logged and retried next time.
async fn every_on_pool<T: Send + 'static>(
    interval: std::time::Duration,
    job: &'static str,
    pool: Pool,
    step: impl Fn(&Pool) -> Result<T, DbError> + Clone + Send + 'static,
    report: impl Fn(T),
) {
    let mut ticker = actix_web::rt::time::interval(interval);
    loop {
        ticker.tick().await;
        let (pool, step) = (pool.clone(), step.clone());
        let result = actix_web::web::block(move || step(&pool)).await;
        match result {
            Ok(Ok(outcome)) => report(outcome),
            Ok(Err(e)) => tracing::warn!(job, error = %e, "background job failed; will retry"),
            Err(e) => tracing::error!(job, error = %e, "background job could not run"),
        }
    }
}

/// `step` run only when this node claims the interval's run of `job`
/// (`None` when another node has it), counted in this node's metrics.
fn claimed<T>(
    job: Job,
    interval: TimeDelta,
    metrics: Data<Metrics>,
    step: impl Fn(&mut DbConnection) -> Result<T, DbError> + Clone + Send + 'static,
) -> impl Fn(&mut DbConnection) -> Result<Option<T>, DbError> + Clone + Send + 'static {
    move |conn: &mut DbConnection| {
        if !job_runs::claim(conn, job, interval)? {
            return Ok(None);
        }
        let outcome = step(conn)?;
        metrics.job_ran(job);
        Ok(Some(outcome))
    }
}

/// Stores due status changes (deadlines passed, hysteresis over) every
/// `interval`, so that the change feed carries them. Runs until the process ends.
pub async fn run_transitions(
    pool: Pool,
    metrics: Data<Metrics>,
    keys: Arc<KeyRing>,
    policy: RegistryPolicy,
    interval: TimeDelta,
) {
    let step = move |conn: &mut DbConnection| {
        let mut total = 0;
        loop {
            match apply_due_transitions(conn, &keys, &policy, crate::db::now(), BATCH)? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    };
    let step = claimed(Job::Transitions, interval, metrics, step);
    every(interval, "transitions", pool, step, |changed: Option<usize>| {
        if let Some(changed @ 1..) = changed {
            tracing::info!(accounts = changed, "stored due status changes");
        }
    })
    .await;
}

/// Signs every platform's head statement (its newest change, and when)
/// every `interval` (at most a minute). Runs until the process ends.
pub async fn run_status_heads(pool: Pool, metrics: Data<Metrics>, keys: Arc<KeyRing>, interval: TimeDelta) {
    let step = move |conn: &mut DbConnection| crate::services::statements::issue_heads(conn, &keys, crate::db::now());
    let step = claimed(Job::StatusHeads, interval, metrics, step);
    every(interval, "status heads", pool, step, drop).await;
}

/// What the officials' watch needs besides the database.
pub struct Watch {
    pub login_limits: Arc<crate::http::limits::LoginLimits>,
    pub limits: crate::domain::DailyLimits,
    pub alert_fraction: f64,
}

/// Every `interval`: writes the failed logins under unknown usernames,
/// counted in memory per address block, to the audit log; measures each
/// official's daily volumes for the metrics; and warns once each time an
/// official comes near a limit. Runs on every node (each counts its own
/// logins and serves its own metrics) until the process ends.
pub async fn run_watch(pool: Pool, metrics: Data<Metrics>, watch: Watch, interval: TimeDelta) {
    use crate::services::watch;
    let login_limits = watch.login_limits;
    let step = move |conn: &mut DbConnection| {
        let now = crate::db::now();
        let counts = login_limits.take_unknown_counts();
        if let Err(e) = crate::services::officials::record_unknown_logins(conn, &counts, now) {
            login_limits.restore_unknown_counts(counts);
            return Err(e);
        }
        watch::daily_volumes(conn, now)
    };
    let warned = Mutex::new(std::collections::BTreeSet::new());
    every(interval, "officials' watch", pool, step, move |volumes| {
        metrics.set_official_volumes(&volumes);
        let near = watch::near_limits(&volumes, &watch.limits, watch.alert_fraction);
        let mut warned = warned.lock().unwrap_or_else(|e| e.into_inner());
        let now_near: std::collections::BTreeSet<_> =
            near.iter().map(|(official, what, ..)| (*official, *what)).collect();
        for (official, what, count, limit) in near {
            if !warned.contains(&(official, what)) {
                tracing::warn!(
                    official.id = official.get(),
                    action = what.as_str(),
                    count,
                    limit,
                    "official near a daily limit"
                );
            }
        }
        *warned = now_near;
    })
    .await;
}

/// Every `interval`: signs a checkpoint of the audit chain (an existing one
/// at the same head is kept), adds the entries written since to the log's
/// Merkle tree, signs its new head and asks the witnesses to cosign it. A log
/// changed under its tree, and a witness refusing a head, are logged as
/// errors and counted. Runs until the process ends.
pub async fn run_checkpoints(
    pool: Pool,
    metrics: Data<Metrics>,
    keys: Arc<KeyRing>,
    log: (LogOrigin, WitnessPolicy),
    interval: TimeDelta,
) {
    let (origin, policy) = log;
    let step = move |conn: &mut DbConnection| {
        let now = crate::db::now();
        crate::audit::checkpoint::create(conn, &keys.audit_signing_key(), now)?;
        let grown = match tree::grow(conn, &LogKey::new(origin.clone(), keys.audit_signing_key()), now) {
            Err(GrowError::Db(e)) => return Err(e),
            grown => grown,
        };
        Ok((grown, witnesses::submit(conn, &policy)?))
    };
    let step = claimed(Job::Checkpoints, interval, metrics.clone(), step);
    every(interval, "checkpoints", pool, step, move |outcome| {
        let Some((grown, answers)) = outcome else { return };
        if let Err(broken) = grown {
            metrics.audit_tree_failed();
            tracing::error!(error = %broken, "the audit log cannot join its Merkle tree");
        }
        for (witness, answer) in answers {
            report_answer(&metrics, &witness, answer);
        }
    })
    .await;
}

fn report_answer(metrics: &Metrics, witness: &str, answer: Answer) {
    match answer {
        Answer::Kept => {}
        Answer::Cosigned => metrics.witness_answered(witness, "cosigned"),
        Answer::Refused { status, reason } => {
            metrics.witness_answered(witness, "refused");
            tracing::error!(
                witness,
                status,
                reason = %reason,
                "a witness refused the audit log's checkpoint: the log is not consistent with what the witness cosigned before"
            );
        }
        Answer::Unreachable(reason) => {
            metrics.witness_answered(witness, "unreachable");
            tracing::warn!(witness, reason = %reason, "a witness could not be reached; will retry");
        }
    }
}

/// Every `interval`: crypto-shreds identities past retention, deletes spent
/// owner sessions and tokens, then queues the owner notices that fell due.
/// Runs until the process ends.
pub async fn run_retention(
    pool: Pool,
    metrics: Data<Metrics>,
    keys: Arc<KeyRing>,
    policy: RegistryPolicy,
    interval: TimeDelta,
) {
    let step = move |conn: &mut DbConnection| {
        let now = crate::db::now();
        let shredded = crate::services::retention::run(conn, &keys, &policy, now)?;
        crate::services::retention::prune(conn, now)?;
        Ok((shredded, crate::services::notifications::run(conn, &keys, &policy, now)?))
    };
    let step = claimed(Job::Retention, interval, metrics, step);
    every(interval, "retention", pool, step, |outcome: Option<(usize, crate::services::notifications::Queued)>| {
        let Some((shredded, queued)) = outcome else { return };
        if shredded > 0 {
            tracing::info!(identities = shredded, "crypto-shredded identities past retention");
        }
        if queued != Default::default() {
            tracing::info!(
                reminders = queued.reminders,
                disclosures = queued.disclosures,
                deletions = queued.deletions,
                "owner notices queued"
            );
        }
    })
    .await;
}

/// Every `interval`: takes a rotated or retired master key from the key file
/// if it changed (on every node), then re-wraps what older versions still
/// wrap (on the node that claims the run). Runs until the process ends.
pub async fn run_key_maintenance(
    pool: Pool,
    metrics: Data<Metrics>,
    keys: Arc<KeyRing>,
    key_file: PathBuf,
    interval: TimeDelta,
) {
    let seen: Arc<Mutex<Option<SystemTime>>> = Arc::default();
    let rewrap = {
        let keys = keys.clone();
        claimed(Job::Rewrap, interval, metrics, move |conn| crate::services::keys::rewrap(conn, &keys))
    };
    let step = move |conn: &mut DbConnection| {
        reload_if_changed(&keys, &key_file, &seen);
        rewrap(conn)
    };
    every(interval, "keys", pool, step, |done: Option<crate::services::keys::Rewrapped>| {
        if let Some(done) = done.filter(|done| *done != Default::default()) {
            tracing::info!(
                data_keys = done.data_keys,
                totp_secrets = done.totp_secrets,
                queued = done.queued,
                "re-wrapped under the active master key"
            );
        }
    })
    .await;
}

/// Delivers due mail every `interval`, on the blocking pool, apart from the
/// other jobs: a slow or absent SMTP server holds up nothing else.
pub async fn run_mail(
    pool: Pool,
    keys: Arc<KeyRing>,
    mailer: Arc<crate::mail::deliver::Mailer>,
    interval: std::time::Duration,
) {
    // The pool, not one connection: no connection is held while talking to the server.
    let step = move |pool: &Pool| mailer.deliver_due(pool, &keys);
    every_on_pool(interval, "mail", pool, step, drop).await;
}

/// Reloads the key file when its modification time changed; a file that
/// does not fit the running keys is reported once and left alone.
fn reload_if_changed(keys: &KeyRing, key_file: &std::path::Path, seen: &Mutex<Option<SystemTime>>) {
    let Ok(modified) = std::fs::metadata(key_file).and_then(|m| m.modified()) else { return };
    let mut seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if seen.replace(modified) == Some(modified) {
        return;
    }
    match keys.reload(key_file) {
        Ok(Some(active)) => tracing::info!(key.active = %active, "key file reloaded"),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "key file changed but was not loaded; the running keys stay in use"),
    }
}
