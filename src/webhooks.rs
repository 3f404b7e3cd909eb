//! Pushing status changes to platforms' webhook endpoints, per the Standard
//! Webhooks specification: each status change is queued for every enabled
//! endpoint of its platform in the transaction that records it
//! (`db::repo::accounts::record_changes`); worker threads on every node
//! claim due deliveries (`SKIP LOCKED` on PostgreSQL), sign and send them,
//! and retry failures with exponential back-off and jitter until the retry
//! window ends. An endpoint that has failed for that long is disabled.
//!
//! A webhook is not a way into the registry's network: the sender connects
//! only to addresses `domain::webhook::may_reach` allows, checked on the
//! addresses it resolved itself (so a name that changes its answer between
//! a check and the connection gains nothing), follows no redirects, and
//! bounds the time and the size of every answer.

use crate::background::{Stop, Threads};
use crate::config::WebhookSettings;
use crate::crypto::KeyRing;
use crate::crypto::webhook::{EndpointSecret, message_id};
use crate::db::repo::webhooks::{self as repo, Attempt, EndpointRow, Queued, Round};
use crate::db::{DbError, Pool, write_tx};
use crate::domain::statement::rfc3339;
use crate::domain::webhook::may_reach;
use crate::domain::{AccountStatus, AddressBlock, Assurance, DeliveryId, StatusStatement};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// The event a status change sends: thin, no personal data; `seq` orders
/// events of one account and is the cursor `/changes` continues from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusChangedEvent {
    /// Always `account.status_changed`.
    #[serde(rename = "type")]
    #[schema(example = "account.status_changed")]
    pub kind: &'static str,
    /// When the status changed.
    #[serde(with = "rfc3339")]
    pub timestamp: DateTime<Utc>,
    pub data: StatusChangedData,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusChangedData {
    pub account_ref: String,
    pub status: AccountStatus,
    pub assurance: Option<Assurance>,
    pub seq: i64,
}

/// The body of the event for a recorded change.
#[expect(clippy::expect_used, reason = "strings, integers and enums always serialize")]
pub fn event(statement: &StatusStatement) -> String {
    let event = StatusChangedEvent {
        kind: "account.status_changed",
        timestamp: statement.status_changed_at,
        data: StatusChangedData {
            account_ref: statement.account_ref.clone(),
            status: statement.status,
            assurance: statement.assurance,
            seq: statement.seq,
        },
    };
    serde_json::to_string(&event).expect("an event always serializes")
}

/// The most of an answer's body read (and then dropped): a receiver cannot
/// make a node hold more.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// The most deliveries a round sends to its endpoint.
const ROUND: i64 = 32;
/// How many of them are on their way at once (each on its own connection).
const AT_ONCE: usize = 8;
/// A round starts no attempt after this long, so that a slow receiver
/// gives its worker back to the other endpoints' turns.
const ROUND_TIME: Duration = Duration::from_secs(10);
/// The longest wait between two attempts.
const MAX_RETRY: TimeDelta = TimeDelta::hours(6);
/// How long a previous secret signs beside the new one after a rotation.
pub const ROTATION_OVERLAP: TimeDelta = TimeDelta::hours(24);

/// Resolves names with the system's resolver and keeps only addresses a
/// delivery may reach: ureq connects to what this returns and nothing else.
#[derive(Debug)]
struct Guarded {
    allowed: Vec<AddressBlock>,
}

impl Resolver for Guarded {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = DefaultResolver::default().resolve(uri, config, timeout)?;
        let mut kept = self.empty();
        for address in resolved.iter().filter(|a| may_reach(a.ip(), &self.allowed)) {
            kept.push(*address);
        }
        if kept.is_empty() {
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the endpoint resolves only to addresses deliveries may not reach (private, loopback, link-local or \
                 metadata)",
            )));
        }
        Ok(kept)
    }
}

/// Sends signed deliveries.
pub struct Sender {
    agent: ureq::Agent,
    settings: WebhookSettings,
}

impl Sender {
    pub fn new(settings: &WebhookSettings) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .timeout_connect(Some(settings.timeout.min(Duration::from_secs(5))))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .https_only(!settings.allow_http)
            .user_agent("registry-webhooks")
            // A round's connections stay open for the endpoint's next round.
            .max_idle_connections_per_host(AT_ONCE)
            .max_idle_connections(settings.concurrency.saturating_mul(AT_ONCE))
            .build();
        let resolver = Guarded { allowed: settings.allow.clone() };
        Self { agent: ureq::Agent::with_parts(config, DefaultConnector::new(), resolver), settings: settings.clone() }
    }

    /// One attempt: the answer's status, or why there was none.
    fn send(
        &self,
        url: &str,
        delivery: &Queued,
        (id, signatures): (&str, &str),
        now: DateTime<Utc>,
    ) -> Result<u16, String> {
        let response = self
            .agent
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", now.timestamp().to_string())
            .header("webhook-signature", signatures)
            .send(delivery.payload.as_bytes());
        let mut response = response.map_err(|e| e.to_string())?;
        // Read (at most so much) so that the connection can serve the next delivery.
        let _ = response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_vec();
        Ok(response.status().as_u16())
    }
}

/// The `webhook-signature` header: the current secret's signature, and the
/// previous secret's while a rotation overlaps.
fn signatures(keys: &KeyRing, (endpoint, delivery, id): (&EndpointRow, &Queued, &str), now: DateTime<Utc>) -> String {
    let timestamp = now.timestamp();
    let digester = keys.token_digester();
    let body = delivery.payload.as_bytes();
    let mut header =
        EndpointSecret::derive(&digester, endpoint.scheme, &endpoint.secret_nonce).sign(id, timestamp, body);
    if let (Some(previous), Some(until)) = (&endpoint.previous_nonce, endpoint.previous_until)
        && now < until.and_utc()
    {
        header.push(' ');
        header.push_str(&EndpointSecret::derive(&digester, endpoint.scheme, previous).sign(id, timestamp, body));
    }
    header
}

/// When to try again after the `attempts`-th failure: doubling from
/// `settings.retry`, up to six hours, each wait drawn between half and the
/// whole of it (so endpoints that failed together are not retried together);
/// `None` once the retry window from `queued_at` has passed.
pub fn retry_at(
    settings: &WebhookSettings,
    attempts: i32,
    queued_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    let full = settings.retry.checked_mul(1 << doublings).unwrap_or(MAX_RETRY).min(MAX_RETRY);
    let at = now + jittered(full);
    (at < queued_at + settings.give_up_after).then_some(at)
}

/// One round of a worker: leases the endpoint whose turn it is, sends its
/// due deliveries, oldest first, [`AT_ONCE`] at a time (so that a distant
/// receiver is not limited to one request per round trip), then records
/// what came of them in one transaction (a write per delivery would make
/// SQLite's single writer the limit). A round stops sending when the
/// endpoint did not answer, redirected, or answered 5xx or 429: the
/// endpoint then rests ([`rest_until`]) and, while it is failing, its
/// rounds are a single delivery (a probe), so a receiver that is down is
/// not sent every queued event to refuse. Returns how many it sent.
fn deliver_due(pool: &Pool, keys: &KeyRing, sender: &Sender, stop: &Stop) -> Result<usize, DbError> {
    let settings = &sender.settings;
    let workers = i64::try_from(settings.concurrency).unwrap_or(i64::MAX);
    let claimed = {
        // Given back before sending: the round's record takes a connection of its own.
        let conn = &mut *pool.get()?;
        if !repo::any_due(conn, crate::db::now())? || !repo::any_waiting(conn, workers)? {
            return Ok(0);
        }
        write_tx(conn, |conn| repo::claim_round(conn, lease(settings), (ROUND, workers)))?
    };
    let Some(round) = claimed else { return Ok(0) };
    let attempts = send_round(keys, sender, &round, stop);
    let unwell = attempts.iter().any(|(.., unwell)| *unwell);
    let attempts: Vec<(DeliveryId, Attempt)> = attempts.into_iter().map(|(id, attempt, _)| (id, attempt)).collect();
    // A lost record would send the round again with its attempts uncounted: try again first.
    let mut tries = 1;
    while let Err(e) = record(pool, &round, &attempts, unwell, settings) {
        if tries == 3 {
            return Err(e);
        }
        tries += 1;
        std::thread::sleep(POLL);
    }
    Ok(attempts.len())
}

/// Sends a round's deliveries, [`AT_ONCE`] at a time, until one finds the
/// endpoint unwell, the round's time is up or the workers are stopped:
/// each attempt made, in the round's order, with whether it found the
/// endpoint unwell. Those not attempted stay queued.
fn send_round(keys: &KeyRing, sender: &Sender, round: &Round, halt: &Stop) -> Vec<(DeliveryId, Attempt, bool)> {
    let started = std::time::Instant::now();
    let stop = AtomicBool::new(false);
    // Sender `n` takes deliveries n, n + AT_ONCE, …: the oldest go first.
    let share = |n: usize| {
        let mut made = Vec::new();
        for (i, delivery) in round.deliveries.iter().enumerate().skip(n).step_by(AT_ONCE) {
            if stop.load(Ordering::Relaxed) || halt.requested() || started.elapsed() >= ROUND_TIME {
                break;
            }
            let (attempt, unwell) = attempt(keys, sender, &round.endpoint, delivery);
            stop.fetch_or(unwell, Ordering::Relaxed);
            made.push((i, delivery.id, attempt, unwell));
        }
        made
    };
    let mut attempts: Vec<_> = std::thread::scope(|scope| {
        let share = &share;
        let spawned: Vec<_> = (1..AT_ONCE.min(round.deliveries.len()))
            .map(|n| std::thread::Builder::new().spawn_scoped(scope, move || share(n)))
            .collect();
        // This thread sends a share too, and any share no thread could be started for.
        let mut made = share(0);
        for (n, thread) in (1..).zip(spawned) {
            match thread {
                Ok(thread) => made.extend(thread.join().unwrap_or_default()),
                Err(_) => made.extend(share(n)),
            }
        }
        made
    });
    attempts.sort_unstable_by_key(|(i, ..)| *i);
    attempts.into_iter().map(|(_, id, attempt, unwell)| (id, attempt, unwell)).collect()
}

/// Sends one delivery: what came of it, and whether the endpoint looks
/// unwell (no answer, a redirect, 5xx or 429) rather than refusing this event.
fn attempt(keys: &KeyRing, sender: &Sender, endpoint: &EndpointRow, delivery: &Queued) -> (Attempt, bool) {
    let sent_at = crate::db::now();
    let id = message_id(&keys.token_digester(), delivery.id);
    let header = signatures(keys, (endpoint, delivery, &id), sent_at);
    let answer = sender.send(&endpoint.url, delivery, (&id, &header), sent_at);
    if let Ok(status @ 200..=299) = answer {
        return (Attempt::Delivered { status }, false);
    }
    // The wait starts when the attempt ended: a timeout must not eat it.
    let failed_at = crate::db::now();
    let retry_at = retry_at(&sender.settings, delivery.attempts + 1, delivery.created_at.and_utc(), failed_at);
    let unwell = !matches!(answer, Ok(status) if (400..500).contains(&status) && status != 429);
    let (status, error) = match answer {
        Ok(status) => (Some(status), format!("the endpoint answered {status}")),
        Err(reason) => (None, reason),
    };
    (Attempt::Failed { status, error, retry_at }, unwell)
}

/// How long a lease holds: a whole round whose last attempt times out, and a minute.
fn lease(settings: &WebhookSettings) -> TimeDelta {
    TimeDelta::from_std(ROUND_TIME.saturating_add(settings.timeout)).unwrap_or(TimeDelta::hours(1))
        + TimeDelta::minutes(1)
}

/// When an endpoint that was found unwell takes its next round: after
/// resting as long as it has been failing (at least `settings.retry`, at
/// most six hours), drawn between half and all of that. The rests double
/// while it stays down, whatever its deliveries' own schedules.
pub fn rest_until(
    settings: &WebhookSettings,
    failing_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let failing_for = failing_since.map_or(TimeDelta::zero(), |since| now - since);
    now + jittered(failing_for.max(settings.retry).min(MAX_RETRY))
}

/// Between half and all of `full`, at random.
fn jittered(full: TimeDelta) -> TimeDelta {
    let [random] = crate::crypto::random_bytes::<1>();
    full / 2 + full / 2 * i32::from(random) / 255
}

/// Records a round. An endpoint is disabled, and the registry's operator
/// told in the log, when it let a delivery fail for the whole retry window,
/// or when every attempt to it failed for that long.
fn record(
    pool: &Pool,
    round: &Round,
    attempts: &[(DeliveryId, Attempt)],
    unwell: bool,
    settings: &WebhookSettings,
) -> Result<(), DbError> {
    let now = crate::db::now();
    let endpoint = &round.endpoint;
    write_tx(&mut *pool.get()?, |conn| {
        let since = endpoint.failing_since.map(|t| t.and_utc());
        let next_round = if unwell { rest_until(settings, since, now) } else { now };
        // Not ours any more: another node has the endpoint and judges it.
        let repo::RoundEnd::Ended { failing_since } = repo::record_round(conn, round, attempts, (now, next_round))?
        else {
            return Ok(());
        };
        let failing_for = failing_since.map(|since| now - since.and_utc());
        let given_up = attempts.iter().any(|(_, a)| matches!(a, Attempt::Failed { retry_at: None, .. }));
        let failing_long = failing_for.is_some_and(|d| d >= settings.give_up_after);
        // An endpoint that took a delivery in this very round is not failing, whatever came before.
        let reached = attempts.iter().any(|(_, a)| matches!(a, Attempt::Delivered { .. }));
        if (given_up || failing_long) && !reached {
            let reason = format!(
                "deliveries failed for {} without a 2xx answer",
                humantime::format_duration(settings.give_up_after.to_std().unwrap_or_default())
            );
            repo::disable(conn, endpoint.id, &reason, now)?;
            tracing::warn!(
                platform.id = endpoint.platform_id.get(),
                webhook.endpoint = endpoint.id.get(),
                "a webhook endpoint let deliveries fail for the whole retry window and was disabled"
            );
        }
        Ok::<_, DbError>(())
    })
}

/// Lowers the calling thread's scheduling priority (and that of the threads
/// it starts) to nice 10: a fan-out of deliveries then takes the cores
/// status reads leave idle rather than a share beside them. Linux only,
/// where a priority is a thread's; elsewhere threads keep the process's.
fn yield_to_reads() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(None, 10) {
        tracing::debug!(error = %e, "webhook worker kept its priority");
    }
}

/// How often an idle worker looks for due deliveries.
const POLL: Duration = Duration::from_millis(250);

/// Starts `settings.concurrency` worker threads among `threads`, each
/// sending due deliveries until `threads` are stopped; idle workers look
/// again every [`POLL`].
pub fn start(
    threads: &mut Threads,
    pool: Pool,
    keys: Arc<KeyRing>,
    settings: &WebhookSettings,
) -> std::io::Result<Arc<Sender>> {
    let sender = Arc::new(Sender::new(settings));
    for n in 0..settings.concurrency {
        let (pool, keys, sender) = (pool.clone(), keys.clone(), sender.clone());
        threads.spawn(format!("webhooks-{n}"), move |stop| {
            yield_to_reads();
            // Whether the last round failed, so that a lasting outage is logged once.
            let mut failing = false;
            while !stop.requested() {
                match deliver_due(&pool, &keys, &sender, &stop) {
                    Ok(sent) => {
                        failing = false;
                        if sent == 0 {
                            stop.sleep(POLL);
                        }
                    }
                    Err(e) => {
                        if !failing {
                            tracing::warn!(error = %e, "webhook deliveries could not be claimed or recorded; retrying");
                        }
                        failing = true;
                        stop.sleep(POLL);
                    }
                }
            }
        })?;
    }
    Ok(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> WebhookSettings {
        crate::config::Settings::from_lookup(|_| None).unwrap().webhooks
    }

    #[test]
    fn stopped_workers_return_and_let_go_of_the_sender_even_while_the_database_fails() {
        let dir = tempfile::tempdir().unwrap();
        // No migrations: every claim fails, and the workers keep retrying.
        let url = crate::config::DatabaseUrl::parse(&format!("sqlite://{}/empty.db", dir.path().display())).unwrap();
        let mut threads = Threads::default();
        let keys = Arc::new(KeyRing::generate(Utc::now()));
        let sender = start(&mut threads, crate::db::worker_pool(&url, 2), keys, &settings()).unwrap();
        std::thread::sleep(POLL * 2);
        assert!(Arc::strong_count(&sender) > 1, "the workers hold the sender while they run");
        drop(threads);
        assert_eq!(Arc::strong_count(&sender), 1, "no worker outlives its threads");
    }

    #[test]
    fn retries_back_off_with_jitter_and_stop_after_the_window() {
        let settings = settings();
        let queued = Utc::now();
        for attempts in 1..12 {
            let full = settings.retry * (1 << (attempts - 1));
            let full = full.min(MAX_RETRY);
            let at = retry_at(&settings, attempts, queued, queued).unwrap();
            assert!(at - queued >= full / 2 && at - queued <= full, "attempt {attempts}: {}", at - queued);
        }
        let late = queued + settings.give_up_after - TimeDelta::seconds(1);
        assert_eq!(retry_at(&settings, 30, queued, late), None, "past the window: given up");
    }
}
