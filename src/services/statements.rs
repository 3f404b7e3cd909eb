//! Signed statements for platforms: the published key set, each platform's
//! head statement, and checking an answer's signature offline. Status
//! statements are signed where their changes are recorded
//! (`db::repo::accounts::record_changes`); reads only encode the stored
//! signature (`accounts::StatusView`).

use crate::crypto::KeyRing;
use crate::crypto::jws::{self, JwkSet, JwsError};
use crate::db::repo::{status_heads, status_keys};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{HeadStatement, Payload, PlatformId, StatusStatement};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

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
            status_heads::replace(conn, *id, *seq, now, &key.sign_detached(&head.payload()))?;
        }
        Ok(platforms.len())
    })
}

/// The platform's latest head statement: its `seq`, `issued_at` and signature.
pub fn head(conn: &mut DbConnection, platform_id: PlatformId) -> Result<Option<status_heads::HeadRow>, DbError> {
    status_heads::find(conn, platform_id)
}

/// What a verified statement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    Status(StatusStatement),
    Head(HeadStatement),
}

/// Why an answer's signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error(transparent)]
    Jws(#[from] JwsError),
    #[error("the answer is not a status or head answer with a signature: {0}")]
    Answer(String),
}

/// Writes the statement an answer's fields say (a status, a batch entry, a
/// change or a head) and checks the answer's `signature` over it, offline.
/// `platform` names the platform when the answer does not (status answers
/// do not: the platform asked). Returns the statement and the key's id.
pub fn verify(
    answer: &Map<String, Value>,
    platform: Option<&str>,
    set: &JwkSet,
) -> Result<(Statement, String), StatementError> {
    let invalid = |e: serde_json::Error| StatementError::Answer(e.to_string());
    let signature = answer
        .get("signature")
        .and_then(Value::as_str)
        .ok_or_else(|| StatementError::Answer("no \"signature\" string".into()))?;
    let mut fields = answer.clone();
    fields.remove("signature");
    if let Some(platform) = platform {
        fields.insert("platform".into(), platform.into());
    }
    let statement = if fields.contains_key("issued_at") {
        Statement::Head(serde_json::from_value(Value::Object(fields)).map_err(invalid)?)
    } else {
        // A status answer leaves out what is empty, and a change names its time `changed_at`.
        fields.remove("handle");
        for name in ["assurance", "deadline"] {
            fields.entry(name).or_insert(Value::Null);
        }
        if let Some(at) = fields.remove("changed_at") {
            fields.insert("status_changed_at".into(), at);
        }
        Statement::Status(serde_json::from_value(Value::Object(fields)).map_err(invalid)?)
    };
    let payload = match &statement {
        Statement::Status(s) => s.payload(),
        Statement::Head(h) => h.payload(),
    };
    let kid = jws::verify(signature, &payload, set)?;
    Ok((statement, kid))
}
