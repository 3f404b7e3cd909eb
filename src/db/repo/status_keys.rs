//! The status-signing public keys ever used: the published key set.

use crate::crypto::jws::{Jwk, StatusKey};
use crate::db::schema::status_keys;
use crate::db::{DbConnection, DbError};
use crate::db_run;
use diesel::prelude::*;

/// Lists `key` if it is not listed yet (its first use).
pub fn publish(conn: &mut DbConnection, key: &StatusKey) -> Result<(), DbError> {
    let row = (
        status_keys::kid.eq(key.kid()),
        status_keys::public_key.eq(key.public().as_bytes().to_vec()),
        status_keys::created_at.eq(crate::db::db_time(crate::db::now())),
    );
    db_run!(conn => diesel::insert_into(status_keys::table).values(row).on_conflict_do_nothing().execute(conn))?;
    Ok(())
}

/// Every key, oldest first. A stored key that is not an Ed25519 point is
/// left out (it could not have signed anything).
pub fn list(conn: &mut DbConnection) -> Result<Vec<Jwk>, DbError> {
    let rows: Vec<Vec<u8>> = status_keys::table
        .order((status_keys::created_at, status_keys::kid))
        .select(status_keys::public_key)
        .load(conn)?;
    Ok(rows
        .iter()
        .filter_map(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
        .filter_map(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
        .map(|key| Jwk::of(&key))
        .collect())
}
