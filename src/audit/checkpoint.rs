//! Signed checkpoints of the audit chain (DESIGN §8): Ed25519 over
//! `"registry-audit-checkpoint-v1" ‖ seq (8 bytes, big-endian) ‖ hash`.
//! Outside bodies can keep copies and check them against the public key.

use crate::db::schema::{audit_log, checkpoints};
use crate::db::{DbConnection, DbError, db_time, write_tx};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

fn message(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut message = b"registry-audit-checkpoint-v1".to_vec();
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(hash);
    message
}

/// A signed checkpoint: the chain's head at `seq` had this hash.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = checkpoints)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub signed_at: NaiveDateTime,
    /// Ed25519, 32 bytes.
    pub public_key: Vec<u8>,
    /// Ed25519 over [`message`], 64 bytes.
    pub signature: Vec<u8>,
}

/// Signs the current head of the chain; returns it (an existing checkpoint
/// at the head is returned as it is). `None` for an empty log.
pub fn create(conn: &mut DbConnection, key: &SigningKey, now: DateTime<Utc>) -> Result<Option<Checkpoint>, DbError> {
    write_tx(conn, |conn| sign_head(conn, key, now))
}

/// [`create`] inside the caller's write transaction, which should hold the
/// appenders off ([`crate::db::serialize_appenders`]) if it reads state the
/// checkpoint is meant to cover.
pub fn sign_head(conn: &mut DbConnection, key: &SigningKey, now: DateTime<Utc>) -> Result<Option<Checkpoint>, DbError> {
    let head: Option<(i64, Vec<u8>)> = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(conn)
        .optional()?;
    let Some((seq, hash)) = head else { return Ok(None) };
    let existing = checkpoints::table.find(seq).select(Checkpoint::as_select()).first(conn).optional()?;
    if let Some(existing) = existing {
        return Ok(Some(existing));
    }
    let checkpoint = Checkpoint {
        signature: key.sign(&message(seq, &hash)).to_bytes().to_vec(),
        public_key: key.verifying_key().to_bytes().to_vec(),
        signed_at: db_time(now),
        seq,
        hash,
    };
    diesel::insert_into(checkpoints::table)
        .values((
            checkpoints::seq.eq(checkpoint.seq),
            checkpoints::hash.eq(&checkpoint.hash),
            checkpoints::signed_at.eq(checkpoint.signed_at),
            checkpoints::public_key.eq(&checkpoint.public_key),
            checkpoints::signature.eq(&checkpoint.signature),
        ))
        .execute(conn)?;
    Ok(Some(checkpoint))
}

/// Why the checkpoints do not verify: names the first bad one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint at entry {0} was signed by another key")]
    ForeignKey(i64),
    #[error("checkpoint at entry {0} has an invalid signature")]
    BadSignature(i64),
    #[error("checkpoint at entry {0} does not match the audit chain")]
    Mismatch(i64),
}

/// Checks every checkpoint against the key and against the chain's hashes
/// (which [`super::verify`] has already recomputed). Returns how many there are.
pub fn verify(conn: &mut DbConnection, key: &VerifyingKey) -> Result<Result<usize, CheckpointError>, DbError> {
    type Row = (i64, Vec<u8>, Vec<u8>, Vec<u8>, Option<Vec<u8>>);
    let rows: Vec<Row> = checkpoints::table
        .left_join(audit_log::table)
        .order(checkpoints::seq)
        .select((
            checkpoints::seq,
            checkpoints::hash,
            checkpoints::public_key,
            checkpoints::signature,
            audit_log::hash.nullable(),
        ))
        .load(conn)?;
    for (seq, hash, public_key, signature, chain_hash) in &rows {
        if public_key.as_slice() != key.to_bytes().as_slice() {
            return Ok(Err(CheckpointError::ForeignKey(*seq)));
        }
        let Ok(signature) = <[u8; 64]>::try_from(signature.as_slice()).map(|b| Signature::from_bytes(&b)) else {
            return Ok(Err(CheckpointError::BadSignature(*seq)));
        };
        if key.verify_strict(&message(*seq, hash), &signature).is_err() {
            return Ok(Err(CheckpointError::BadSignature(*seq)));
        }
        if chain_hash.as_deref() != Some(hash.as_slice()) {
            return Ok(Err(CheckpointError::Mismatch(*seq)));
        }
    }
    Ok(Ok(rows.len()))
}
