//! Regulator officials: login with password and TOTP (RFC 6238), lock-out,
//! sessions. Every attempt, failed or not, is an audit entry written in the
//! same transaction as its effects.

use super::IfExists;
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::password::{hash_password, verify_password};
use crate::crypto::token::{expose, new_password, new_totp_secret};
use crate::crypto::{CryptoError, KeyRing, TokenPurpose};
use crate::db::repo::officials::{self, NewOfficial};
use crate::db::repo::sessions;
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{OfficialId, RoleSet, SessionId, Username};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
use std::sync::LazyLock;
use totp_rs::{Algorithm, Builder};

/// Failed attempts in a row before an official is locked out.
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT: TimeDelta = TimeDelta::minutes(15);
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(1);

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong password or wrong, reused or expired code.
    #[error("invalid credentials")]
    Rejected,
    /// No such username. Answered exactly as [`LoginError::Rejected`]; the
    /// caller counts it (per username and per address block) instead of
    /// the log recording each attempt.
    #[error("invalid credentials")]
    UnknownUser,
    #[error("locked after repeated failures until {0}")]
    Locked(DateTime<Utc>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A new session's bearer token (shown once) and its expiry.
pub struct Session {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

/// Verified so that an unknown username costs the same argon2 time as a known one.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| crate::crypto::password::hash_password(&new_password()).unwrap_or_default());

/// The TOTP step the code matches (RFC 6238: SHA-1, 6 digits, 30 s, one step of clock skew).
fn totp_step(base32_secret: &[u8], code: &str, now: DateTime<Utc>) -> Option<i64> {
    let secret = data_encoding::BASE32_NOPAD.decode(base32_secret).ok()?;
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .ok()?;
    let step = totp.check(code.trim(), u64::try_from(now.timestamp()).ok()?)?;
    i64::try_from(step).ok()
}

/// An entry about an official's own login or session, by that official.
fn own_event(id: OfficialId, action: AuditAction, details: serde_json::Value) -> AuditEvent {
    AuditEvent::new(Actor::Official(id), action, AuditSubject::Official(id), details)
}

/// Checks username, password and TOTP code; opens a session. Argon2 runs
/// before the write transaction, so the lock is never held while hashing.
/// A typed username as logins look it up: usernames are lower case, so
/// `TIM7` and ` tim7 ` are the official `tim7` (and the same unknown name).
pub fn login_name(typed: &str) -> String {
    typed.trim().to_lowercase()
}

/// `username` as [`login_name`] made it. A username that does not exist
/// is admitted by `admit_unknown` (counted, or refused while locked: `Err`
/// holds the lock's end) as the officials table admits a real one, and
/// costs the same argon2 work.
pub fn login(
    conn: &mut DbConnection,
    keys: &KeyRing,
    (username, password, code): (&str, &SecretString, &str),
    admit_unknown: impl FnOnce() -> Result<(), DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Session, LoginError> {
    let Some(row) = officials::find_for_login(conn, username)? else {
        admit_unknown().map_err(LoginError::Locked)?;
        verify_password(password, &DUMMY_HASH);
        return Err(LoginError::UnknownUser);
    };
    // The attempt is counted before argon2 runs, under the official's row
    // lock: attempts racing each other get at most MAX_FAILED_LOGINS checks.
    let admitted = write_tx(conn, |conn| {
        officials::lock_row(conn, row.id)?;
        let (failed, locked_until) = officials::login_state(conn, row.id)?;
        let locked_until = locked_until.map(|t| t.and_utc());
        let lock_expired = locked_until.is_some_and(|until| until <= now);
        let failed = if lock_expired { 0 } else { failed };
        let refused_until = match locked_until.filter(|until| *until > now) {
            Some(until) => Some(until),
            // The last allowed attempts are still being checked.
            None if failed >= MAX_FAILED_LOGINS => Some(now + LOCKOUT),
            None => None,
        };
        if let Some(until) = refused_until {
            let refused = own_event(row.id, AuditAction::OfficialLoginRefusedLocked, serde_json::json!({}));
            audit::append(conn, &refused, now)?;
            return Ok::<_, DbError>(Err(until));
        }
        officials::set_failed_logins(conn, row.id, failed + 1, lock_expired)?;
        Ok(Ok(()))
    })?;
    if let Err(until) = admitted {
        return Err(LoginError::Locked(until));
    }
    let password_ok = verify_password(password, &row.password_hash);
    let step = officials::open_totp_secret(keys, &row).ok().and_then(|secret| totp_step(&secret, code, now));
    // A failure is committed too (count, lock-out, audit entry): the rejection
    // is returned only after the transaction, which an `Err` would roll back.
    let session = write_tx(conn, |conn| {
        officials::lock_row(conn, row.id)?;
        // A code is accepted once: a step at or before the last one used is a replay.
        let accepted = match (password_ok, step) {
            (true, Some(step)) => officials::record_success(conn, row.id, step)?,
            _ => false,
        };
        if accepted {
            let token = crate::crypto::token::new_url_token();
            let digest = keys.token_digester().digest(TokenPurpose::OfficialSession, expose(&token));
            let expires_at = now + SESSION_LIFETIME;
            let session_id = sessions::create(conn, row.id, &digest, now, expires_at)?;
            let details = serde_json::json!({ "session": session_id });
            audit::append(conn, &own_event(row.id, AuditAction::OfficialLoggedIn, details), now)?;
            return Ok::<_, DbError>(Some(Session { token, expires_at }));
        }
        // The attempt was counted when it was admitted.
        let (failed, _) = officials::login_state(conn, row.id)?;
        let locks = failed >= MAX_FAILED_LOGINS;
        if locks {
            officials::lock_until(conn, row.id, now + LOCKOUT)?;
        }
        let action = if locks { AuditAction::OfficialLockedOut } else { AuditAction::OfficialLoginFailed };
        audit::append(conn, &own_event(row.id, action, serde_json::json!({})), now)?;
        Ok(None)
    })?;
    session.ok_or(LoginError::Rejected)
}

/// Who is behind a live session.
#[derive(Debug, Clone)]
pub struct Official {
    pub id: OfficialId,
    pub session_id: SessionId,
    pub roles: RoleSet,
}

/// Writes the failed logins under unknown usernames counted since the last
/// call: one entry per client address block, so a flood of guesses costs
/// the log a row a minute, not a row an attempt.
pub fn record_unknown_logins(
    conn: &mut DbConnection,
    counts: &[(String, u64)],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    if counts.is_empty() {
        return Ok(());
    }
    write_tx(conn, |conn| {
        for (block, count) in counts {
            let details = serde_json::json!({ "address_block": block, "count": count });
            let event = AuditEvent::new(
                Actor::System,
                AuditAction::OfficialLoginFailed,
                AuditSubject::UnknownOfficial,
                details,
            );
            audit::append(conn, &event, now)?;
        }
        Ok(())
    })
}

/// The official behind a bearer token, if the session is live.
pub fn authenticate(
    conn: &mut DbConnection,
    keys: &KeyRing,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Official>, DbError> {
    let digest = keys.token_digester().digest(TokenPurpose::OfficialSession, token);
    let session = sessions::find_live(conn, &digest, now)?;
    Ok(session.map(|live| Official { id: live.official_id, session_id: live.session_id, roles: live.roles }))
}

/// Ends the official's session; audited.
pub fn logout(conn: &mut DbConnection, official: &Official, now: DateTime<Utc>) -> Result<(), DbError> {
    write_tx(conn, |conn| {
        sessions::revoke(conn, official.session_id, now)?;
        let details = serde_json::json!({ "session": official.session_id });
        audit::append(conn, &own_event(official.id, AuditAction::OfficialLoggedOut, details), now)?;
        Ok(())
    })
}

/// Credentials shown once.
pub struct IssuedOfficial {
    pub id: OfficialId,
    pub password: SecretString,
    pub totp_secret: SecretString,
}

impl IssuedOfficial {
    /// The `otpauth://` URI authenticator apps import (RFC 6238: SHA-1, 6 digits, 30 s).
    pub fn otpauth_uri(&self, username: &Username) -> String {
        format!(
            "otpauth://totp/Registry:{u}?secret={s}&issuer=Registry&algorithm=SHA1&digits=6&period=30",
            u = username.as_str(),
            s = expose(&self.totp_secret)
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Creates the official (or, with [`IfExists::Reissue`], resets their
/// credentials and roles) with a generated password and TOTP secret, audited.
pub fn register(
    conn: &mut DbConnection,
    keys: &KeyRing,
    username: &Username,
    roles: &RoleSet,
    if_exists: IfExists,
    now: DateTime<Utc>,
) -> Result<IssuedOfficial, RegisterError> {
    let password = new_password();
    let totp_secret = new_totp_secret();
    // argon2 before the transaction: the write lock is not held while hashing.
    let password_hash = hash_password(&password)?;
    let new =
        NewOfficial { username: username.as_str(), password_hash: &password_hash, totp_secret: &totp_secret, roles };
    let id = write_tx(conn, |conn| {
        let (id, action) = match officials::find_id_by_username(conn, username.as_str())? {
            Some(_) if if_exists == IfExists::Fail => return Err(DbError::AlreadyExists("official")),
            Some(id) => {
                officials::replace_credentials(conn, keys, id, &new)?;
                // New credentials end every session opened with the old ones.
                sessions::revoke_all(conn, id, now)?;
                (id, AuditAction::OfficialCredentialsReissued)
            }
            None => (officials::create(conn, keys, &new, now)?, AuditAction::OfficialCreated),
        };
        let details = serde_json::json!({ "roles": roles.to_canonical() });
        let event = AuditEvent::new(Actor::Operator, action, AuditSubject::Official(id), details);
        audit::append(conn, &event, now)?;
        Ok(id)
    })?;
    Ok(IssuedOfficial { id, password, totp_secret })
}

/// New credentials for an existing official, keeping their roles; every
/// session opened with the old ones ends. Printed once by the caller.
pub fn reset(
    conn: &mut DbConnection,
    keys: &KeyRing,
    username: &Username,
    now: DateTime<Utc>,
) -> Result<IssuedOfficial, RegisterError> {
    let id = officials::find_id_by_username(conn, username.as_str())?.ok_or(DbError::NotFound("official"))?;
    let roles = officials::roles_of(conn, id)?;
    register(conn, keys, username, &roles, IfExists::Reissue, now)
}

/// Disables an official (their sessions end and they cannot log in) or
/// enables them again. Audited; false if they already were.
pub fn set_disabled(
    conn: &mut DbConnection,
    username: &Username,
    disable: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    write_tx(conn, |conn| {
        let id = officials::find_id_by_username(conn, username.as_str())?.ok_or(DbError::NotFound("official"))?;
        if !officials::set_disabled(conn, id, disable.then_some(now))? {
            return Ok(false);
        }
        let ended = if disable { sessions::revoke_all(conn, id, now)? } else { 0 };
        let action = if disable { AuditAction::OfficialDisabled } else { AuditAction::OfficialEnabled };
        let details = serde_json::json!({ "sessions_ended": ended });
        audit::append(conn, &AuditEvent::new(Actor::Operator, action, AuditSubject::Official(id), details), now)?;
        Ok(true)
    })
}

/// Ends every session of an official at once; returns how many were live.
pub fn revoke_sessions(conn: &mut DbConnection, username: &Username, now: DateTime<Utc>) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        let id = officials::find_id_by_username(conn, username.as_str())?.ok_or(DbError::NotFound("official"))?;
        let ended = sessions::revoke_all(conn, id, now)?;
        let details = serde_json::json!({ "sessions_ended": ended });
        let event =
            AuditEvent::new(Actor::Operator, AuditAction::OfficialSessionsRevoked, AuditSubject::Official(id), details);
        audit::append(conn, &event, now)?;
        Ok(ended)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_rfc_6238_step_with_one_step_of_skew() {
        // RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", time 59 s → 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        assert_eq!(totp_step(secret.as_bytes(), "287082", at(59)), Some(1));
        assert_eq!(totp_step(secret.as_bytes(), "287082", at(89)), Some(1), "one step late is accepted");
        assert_eq!(totp_step(secret.as_bytes(), "287082", at(120)), None, "two steps late is not");
        assert_eq!(totp_step(secret.as_bytes(), "287083", at(59)), None);
        assert_eq!(totp_step(secret.as_bytes(), "28708", at(59)), None);
    }
}
