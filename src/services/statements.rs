//! Signed statements for platforms: the published key set, each platform's
//! head statement, and checking a statement offline. Status statements
//! themselves are signed where their changes are recorded
//! (`db::repo::accounts::record_changes`) and put together on reads
//! (`accounts::StatusView`).

use crate::crypto::KeyRing;
use crate::crypto::jws::{self, JwkSet, JwsError, StatementType};
use crate::db::repo::{status_heads, status_keys};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{HeadStatement, Payload, PlatformId, StatusStatement};
use chrono::{DateTime, Utc};

/// Every status-signing key ever used (and the one in use now), oldest first.
pub fn key_set(conn: &mut DbConnection) -> Result<JwkSet, DbError> {
    Ok(JwkSet { keys: status_keys::list(conn)? })
}

/// Signs every platform's head statement as of `now` (its newest change),
/// and lists the signing key if it is new. Returns how many were signed.
pub fn issue_heads(conn: &mut DbConnection, keys: &KeyRing, now: DateTime<Utc>) -> Result<usize, DbError> {
    let key = keys.status_key();
    write_tx(conn, |conn| {
        status_keys::publish(conn, &key)?;
        let platforms = status_heads::newest_changes(conn)?;
        for (id, platform, seq) in &platforms {
            let head = HeadStatement { issued_at: now, platform: platform.clone(), seq: *seq };
            status_heads::replace(conn, *id, *seq, now, &key.sign_compact(StatementType::Head, &head.payload()))?;
        }
        Ok(platforms.len())
    })
}

/// The platform's latest head statement: `(seq, issued_at, compact JWS)`.
pub fn head(conn: &mut DbConnection, platform_id: PlatformId) -> Result<Option<status_heads::HeadRow>, DbError> {
    status_heads::find(conn, platform_id)
}

/// What a verified statement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    Status(StatusStatement),
    Head(HeadStatement),
}

/// Why a statement does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error(transparent)]
    Jws(#[from] JwsError),
    #[error("the signature verifies, but the payload is not a statement of its type: {0}")]
    Payload(String),
}

/// Checks a compact JWS statement against a key set, offline.
pub fn verify(compact: &str, set: &JwkSet) -> Result<(Statement, String), StatementError> {
    let verified = jws::verify(compact, set)?;
    let invalid = |e: serde_json::Error| StatementError::Payload(e.to_string());
    let statement = match verified.typ {
        StatementType::Status => Statement::Status(serde_json::from_slice(&verified.payload).map_err(invalid)?),
        StatementType::Head => Statement::Head(serde_json::from_slice(&verified.payload).map_err(invalid)?),
    };
    Ok((statement, verified.kid))
}
