//! Limits on guessing and on expensive work: attempts per client address
//! and per account or record, and the bounded gate for argon2 work. Client
//! addresses are kept only here, in memory, for as long as a limit needs them.

use crate::domain::AddressBlock;
use crate::services::owners::normalize_reference;
use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The client's address: the peer's, unless the peer is a trusted reverse
/// proxy, then the nearest address in `X-Forwarded-For` that is not one.
pub fn client_address(req: &HttpRequest, trusted: &[AddressBlock]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let is_trusted = |address: IpAddr| trusted.iter().any(|block| block.contains(address));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok());
    let hops: Vec<IpAddr> =
        forwarded.flat_map(|v| v.split(',')).filter_map(|hop| hop.trim().parse::<IpAddr>().ok()).collect();
    Some(hops.iter().rev().copied().find(|hop| !is_trusted(*hop)).unwrap_or(peer))
}

/// Failed claims (a wrong code, an unknown platform or account) per client
/// address. A right code is never refused for what others sent: a limit per
/// account would let strangers hold an owner off their own account, and with
/// 60-bit codes it would stop no guessing that this one does not.
pub struct ClaimLimits {
    per_client: FailureLimit<IpAddr>,
}

impl ClaimLimits {
    /// `per_minute` failures a minute from one client address.
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self { per_client: FailureLimit::new(per_minute.get() as usize, Duration::from_secs(60)) }
    }

    /// `Some(seconds to wait)` while the client has too many recent failures.
    pub fn barred(&self, client: Option<IpAddr>) -> Option<u64> {
        client.and_then(|ip| self.per_client.check(&ip).err())
    }

    pub fn failed(&self, client: Option<IpAddr>) {
        if let Some(ip) = client {
            self.per_client.fail(ip);
        }
    }
}

/// Requests for a lost-key link, each of which mails the record's address:
/// at most 3 an hour per reference (each new link replaces the last, so the
/// owner can always use the newest one in their mailbox) and 10 a minute
/// per client address.
pub struct LostKeyLimits {
    per_reference: DefaultKeyedRateLimiter<String>,
    per_client: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for LostKeyLimits {
    fn default() -> Self {
        const THREE: NonZeroU32 = NonZeroU32::new(3).unwrap();
        const TEN: NonZeroU32 = NonZeroU32::new(10).unwrap();
        Self {
            per_reference: RateLimiter::dashmap(Quota::per_hour(THREE)),
            per_client: RateLimiter::dashmap(Quota::per_minute(TEN)),
        }
    }
}

impl LostKeyLimits {
    /// `Err(seconds to wait)` when either limit is reached.
    pub fn check(&self, client: Option<IpAddr>, reference: &str) -> Result<(), u64> {
        let wait = |e: governor::NotUntil<_>| e.wait_time_from(DefaultClock::default().now()).as_secs().max(1);
        if let Some(ip) = client {
            self.per_client.check_key(&ip).map_err(wait)?;
        }
        self.per_reference.check_key(&reference.trim().to_ascii_uppercase()).map_err(wait)
    }
}

/// At most `max` pieces of slow work at once (argon2 evaluations, name
/// lookups); beyond that requests are turned away at once instead of
/// queueing, so a burst cannot take the blocking pool from the platform API.
pub struct WorkGate {
    in_flight: AtomicUsize,
    max: usize,
}

pub struct WorkPermit<'a>(&'a WorkGate);

impl Drop for WorkPermit<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl WorkGate {
    pub fn new(max: usize) -> Self {
        Self { in_flight: AtomicUsize::new(0), max: max.max(1) }
    }

    pub fn try_acquire(&self) -> Option<WorkPermit<'_>> {
        let previous = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let permit = WorkPermit(self);
        (previous < self.max).then_some(permit)
    }
}

/// Failed attempts per key within a window: past `max` the key is refused
/// until its oldest failure leaves the window. Successes cost nothing, and
/// keys whose failures have all left the window are forgotten.
pub struct FailureLimit<K> {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<K, Vec<Instant>>>,
    recorded: AtomicUsize,
}

/// Failed `/my` sign-ins, per client address (across records) and per
/// reference (across addresses, normalized as sign-in looks it up, so a
/// reference on file and one that is not are barred alike). Either bars for
/// at most [`SIGN_IN_WINDOW`], so failures sent from elsewhere can hold an
/// owner off for minutes, never longer.
pub struct SignInLimits {
    per_client: FailureLimit<IpAddr>,
    per_reference: FailureLimit<String>,
}

pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(300);

impl Default for SignInLimits {
    fn default() -> Self {
        Self { per_client: FailureLimit::new(20, SIGN_IN_WINDOW), per_reference: FailureLimit::new(10, SIGN_IN_WINDOW) }
    }
}

impl SignInLimits {
    /// `Some(seconds to wait)` while the client or the reference has too many
    /// recent failures. Without a reference (a management key asked again of
    /// a signed-in owner) only the client counts.
    pub fn barred(&self, client: Option<IpAddr>, reference: Option<&str>) -> Option<u64> {
        let client = client.and_then(|ip| self.per_client.check(&ip).err());
        client.or_else(|| reference.and_then(|r| self.per_reference.check(&normalize_reference(r)).err()))
    }

    pub fn failed(&self, client: Option<IpAddr>, reference: Option<&str>) {
        if let Some(ip) = client {
            self.per_client.fail(ip);
        }
        if let Some(reference) = reference {
            self.per_reference.fail(normalize_reference(reference));
        }
    }
}

/// Failed official logins. Per client (an IPv4 address or an IPv6 /64): 20
/// in 15 minutes, then the client is refused before any argon2 work. Per
/// username that does not exist: the same 5 failures and the same lock-out
/// from the failure that reached them as a real official has, reckoned from
/// the same moment and counted against the client alike, so no answer tells
/// whether a username exists. Unknown-username failures are also counted
/// per client address block, for the audit log to record as one count.
pub struct LoginLimits {
    per_client: FailureLimit<ClientKey>,
    unknown_usernames: Mutex<HashMap<String, UnknownUsername>>,
    unknown_by_block: Mutex<HashMap<String, u64>>,
}

/// Failures under one username that does not exist, kept as the officials
/// table keeps them for one that does.
#[derive(Default)]
struct UnknownUsername {
    failures: i32,
    last: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            per_client: FailureLimit::new(20, Duration::from_secs(900)),
            unknown_usernames: Mutex::default(),
            unknown_by_block: Mutex::default(),
        }
    }
}

impl LoginLimits {
    /// `Some(seconds to wait)` while the client has too many recent failures.
    pub fn barred(&self, client: Option<IpAddr>) -> Option<u64> {
        client.and_then(|ip| self.per_client.check(&ClientKey::of(ip)).err())
    }

    /// A failed or refused attempt from `client`, under any name.
    pub fn failed(&self, client: Option<IpAddr>) {
        if let Some(ip) = client {
            self.per_client.fail(ClientKey::of(ip));
        }
    }

    /// Admits an attempt under `username`, which does not exist, as the
    /// officials table admits one for a real official: counted before any
    /// argon2 work, refused while locked, and locked from the attempt that
    /// reaches the limit, so racing attempts get the same answers too. It
    /// always fails, so it goes into the log's counts at once (against the
    /// client it counts as every failure does, through [`Self::failed`]).
    /// `Err` holds the end of the lock.
    pub fn admit_unknown(
        &self,
        client: Option<IpAddr>,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DateTime<Utc>> {
        use crate::services::officials::{LOCKOUT, MAX_FAILED_LOGINS};
        self.count_unknown(client);
        let mut usernames = self.unknown_usernames.lock().unwrap_or_else(|e| e.into_inner());
        // Now and then, forget usernames nobody tried for a lock-out's length.
        if usernames.len().is_multiple_of(SWEEP_EVERY) {
            usernames.retain(|_, u| u.last.is_some_and(|last| now - last < LOCKOUT));
        }
        let entry = usernames.entry(username.to_owned()).or_default();
        if entry.locked_until.is_some_and(|until| until <= now) {
            *entry = UnknownUsername::default();
        }
        if let Some(until) = entry.locked_until {
            return Err(until);
        }
        if entry.failures >= MAX_FAILED_LOGINS {
            // The last allowed attempts are still being answered.
            return Err(now + LOCKOUT);
        }
        entry.failures += 1;
        entry.last = Some(now);
        if entry.failures >= MAX_FAILED_LOGINS {
            entry.locked_until = Some(now + LOCKOUT);
        }
        Ok(())
    }

    fn count_unknown(&self, client: Option<IpAddr>) {
        let block = client.map_or_else(|| "unknown".to_owned(), address_block);
        let mut counts = self.unknown_by_block.lock().unwrap_or_else(|e| e.into_inner());
        *counts.entry(block).or_default() += 1;
    }

    /// The unknown-username failures per address block since the last call.
    pub fn take_unknown_counts(&self) -> Vec<(String, u64)> {
        let mut counts = self.unknown_by_block.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *counts).into_iter().collect()
    }

    /// Counts a write of them failed to record, to be written next time.
    pub fn restore_unknown_counts(&self, counts: Vec<(String, u64)>) {
        let mut kept = self.unknown_by_block.lock().unwrap_or_else(|e| e.into_inner());
        for (block, count) in counts {
            *kept.entry(block).or_default() += count;
        }
    }
}

/// A client for the login limit: an IPv4 address, or the /64 of an IPv6
/// one (a single host is usually given a whole /64 to pick from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ClientKey(u128);

impl ClientKey {
    fn of(ip: IpAddr) -> Self {
        match as_written_plainly(ip) {
            IpAddr::V4(v4) => Self(u128::from(u32::from(v4))),
            IpAddr::V6(v6) => Self((u128::from(v6) >> 64) | (1 << 127)),
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) as the IPv4 address it is.
fn as_written_plainly(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The /24 (IPv4) or /48 (IPv6) around an address: coarse enough for the
/// log to show where a flood comes from without naming one client.
fn address_block(ip: IpAddr) -> String {
    match as_written_plainly(ip) {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// Failures recorded between two sweeps of keys that no longer count.
const SWEEP_EVERY: usize = 256;

impl<K: Eq + Hash + Clone> FailureLimit<K> {
    pub fn new(max: usize, window: Duration) -> Self {
        Self { max, window, failures: Mutex::default(), recorded: AtomicUsize::new(0) }
    }

    /// `Err(seconds to wait)` while the key has `max` failures in the window.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &K, now: Instant) -> Result<(), u64> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = failures.get(key) else { return Ok(()) };
        // Times are recorded in order, so the ones still counting are a suffix.
        let recent = &times[times.partition_point(|at| now - *at >= self.window)..];
        match recent.first() {
            Some(oldest) if recent.len() >= self.max => Err(self.window.saturating_sub(now - *oldest).as_secs().max(1)),
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: K) {
        self.fail_at(key, Instant::now());
    }

    fn fail_at(&self, key: K, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if self.recorded.fetch_add(1, Ordering::Relaxed).is_multiple_of(SWEEP_EVERY) {
            failures.retain(|_, times| times.last().is_some_and(|last| now - *last < self.window));
        }
        let times = failures.entry(key).or_default();
        times.retain(|at| now - *at < self.window);
        times.push(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_blocks_are_a_24_or_a_48() {
        assert_eq!(address_block("203.0.113.77".parse().unwrap()), "203.0.113.0/24");
        assert_eq!(address_block("2001:db8:85a3:8d3:1319:8a2e:370:7348".parse().unwrap()), "2001:db8:85a3::/48");
        assert_eq!(address_block("::ffff:203.0.113.77".parse().unwrap()), "203.0.113.0/24");
    }

    #[test]
    fn an_unknown_username_locks_like_an_official_from_the_attempt_that_reached_the_limit() {
        let limits = LoginLimits::default();
        let start = Utc::now();
        for n in 0..4 {
            assert_eq!(limits.admit_unknown(None, "nobody", start + chrono::TimeDelta::minutes(n)), Ok(()));
        }
        let fifth = start + chrono::TimeDelta::minutes(5);
        assert_eq!(limits.admit_unknown(None, "nobody", fifth), Ok(()), "the fifth is still answered");
        let until = fifth + crate::services::officials::LOCKOUT;
        assert_eq!(limits.admit_unknown(None, "nobody", fifth), Err(until), "then refused, the lock unmoved");
        assert_eq!(limits.admit_unknown(None, "someone.else", fifth), Ok(()));
        assert_eq!(limits.admit_unknown(None, "nobody", until), Ok(()), "it ends");
        assert_eq!(limits.take_unknown_counts(), [("unknown".to_owned(), 8)]);
        assert!(limits.take_unknown_counts().is_empty(), "counts are taken once");
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let a = ClientKey::of("2001:db8:1:2:aaaa::1".parse().unwrap());
        assert_eq!(a, ClientKey::of("2001:db8:1:2:ffff::9".parse().unwrap()));
        assert_ne!(a, ClientKey::of("2001:db8:1:3::1".parse().unwrap()));
        assert_ne!(ClientKey::of("0.0.0.1".parse().unwrap()), ClientKey::of("::1".parse().unwrap()));
        let mapped = ClientKey::of("::ffff:203.0.113.7".parse().unwrap());
        assert_eq!(mapped, ClientKey::of("203.0.113.7".parse().unwrap()), "an IPv4 address however written");
    }

    #[test]
    fn failures_past_the_limit_refuse_the_key_until_the_oldest_leaves_the_window() {
        let limit = FailureLimit::new(3, Duration::from_secs(300));
        let start = Instant::now();
        for n in 0..3 {
            assert_eq!(limit.check_at(&"record", start), Ok(()), "{n} failures");
            limit.fail_at("record", start + Duration::from_secs(n));
        }
        assert_eq!(limit.check_at(&"record", start + Duration::from_secs(10)), Err(290));
        assert_eq!(limit.check_at(&"other", start + Duration::from_secs(10)), Ok(()), "per key");
        assert_eq!(limit.check_at(&"record", start + Duration::from_secs(300)), Ok(()), "the oldest has left");
        for n in 0..SWEEP_EVERY {
            limit.fail_at("other", start + Duration::from_secs(1000) + Duration::from_millis(n as u64));
        }
        assert_eq!(limit.failures.lock().unwrap().len(), 1, "keys whose failures all left the window are forgotten");
    }

    #[test]
    fn the_gate_admits_at_most_max_and_frees_permits_on_drop() {
        let gate = WorkGate::new(2);
        let a = gate.try_acquire().expect("first");
        let b = gate.try_acquire().expect("second");
        assert!(gate.try_acquire().is_none(), "third is turned away");
        drop(a);
        assert!(gate.try_acquire().is_some(), "a freed permit is reusable");
        drop(b);
        assert_eq!(gate.in_flight.load(Ordering::Acquire), 0);
    }
}
