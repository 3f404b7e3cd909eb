//! What every owner form needs: CSRF protection, cookies, attempt limits and
//! the bounded gate for argon2 work.

use crate::crypto::token::new_cookie_value;
use crate::crypto::{KeyRing, TokenPurpose};
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use secrecy::ExposeSecret;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const CSRF_COOKIE: &str = "csrf";

/// A cookie for the owner forms: HttpOnly, SameSite=Strict, Secure over TLS.
pub fn cookie(req: &HttpRequest, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(req.connection_info().scheme() == "https")
        .finish()
}

/// The anti-forgery token for a form, and the cookie to set if the visitor has none yet.
pub struct CsrfToken {
    pub token: String,
    pub new_cookie: Option<Cookie<'static>>,
}

fn csrf_token(keys: &KeyRing, seed: &str) -> String {
    data_encoding::HEXLOWER.encode(&keys.token_digester().digest(TokenPurpose::Csrf, seed).0)
}

/// Double-submit: the form carries an HMAC of the random cookie, so another
/// site can neither read nor forge it (and SameSite=Strict keeps the cookie home).
pub fn csrf_for(req: &HttpRequest, keys: &KeyRing) -> CsrfToken {
    match req.cookie(CSRF_COOKIE) {
        Some(seed) => CsrfToken { token: csrf_token(keys, seed.value()), new_cookie: None },
        None => {
            let seed = new_cookie_value();
            let token = csrf_token(keys, seed.expose_secret());
            CsrfToken { token, new_cookie: Some(cookie(req, CSRF_COOKIE, seed.expose_secret().to_owned())) }
        }
    }
}

pub fn csrf_valid(req: &HttpRequest, keys: &KeyRing, submitted: &str) -> bool {
    req.cookie(CSRF_COOKIE).is_some_and(|seed| {
        subtle::ConstantTimeEq::ct_eq(csrf_token(keys, seed.value()).as_bytes(), submitted.as_bytes()).into()
    })
}

/// Claim attempts: per client address and per named account. Addresses are
/// kept only here, in memory, for as long as the limit needs them.
pub struct ClaimLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
}

impl ClaimLimits {
    /// `per_address` attempts a minute from one client address; per account,
    /// 5 and then one every 3 minutes.
    pub fn new(per_address: NonZeroU32) -> Self {
        const FIVE: NonZeroU32 = NonZeroU32::new(5).unwrap();
        Self {
            per_ip: RateLimiter::dashmap(Quota::per_minute(per_address)),
            per_account: RateLimiter::dashmap(
                Quota::with_period(Duration::from_secs(180)).map_or(Quota::per_minute(FIVE), |q| q.allow_burst(FIVE)),
            ),
        }
    }

    /// `Err(seconds to wait)` when either limit is reached.
    pub fn check(&self, req: &HttpRequest, platform: &str, account: &str) -> Result<(), u64> {
        let wait = |e: governor::NotUntil<_>| e.wait_time_from(DefaultClock::default().now()).as_secs().max(1);
        if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
            self.per_ip.check_key(&ip).map_err(wait)?;
        }
        let key = format!("{platform}/{}", account.trim().trim_start_matches('@').to_lowercase());
        self.per_account.check_key(&key).map_err(wait)
    }
}

/// At most `max` argon2 evaluations at once; beyond that requests are turned
/// away at once instead of queueing, so a burst of submissions cannot take
/// the blocking pool from the platform API.
pub struct Argon2Gate {
    in_flight: AtomicUsize,
    max: usize,
}

pub struct Argon2Permit<'a>(&'a Argon2Gate);

impl Drop for Argon2Permit<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Argon2Gate {
    pub fn new(max: usize) -> Self {
        Self { in_flight: AtomicUsize::new(0), max: max.max(1) }
    }

    pub fn try_acquire(&self) -> Option<Argon2Permit<'_>> {
        let previous = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let permit = Argon2Permit(self);
        (previous < self.max).then_some(permit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_admits_at_most_max_and_frees_permits_on_drop() {
        let gate = Argon2Gate::new(2);
        let a = gate.try_acquire().expect("first");
        let b = gate.try_acquire().expect("second");
        assert!(gate.try_acquire().is_none(), "third is turned away");
        drop(a);
        assert!(gate.try_acquire().is_some(), "a freed permit is reusable");
        drop(b);
        assert_eq!(gate.in_flight.load(Ordering::Acquire), 0);
    }
}
