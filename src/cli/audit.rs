//! `registry audit verify|checkpoint`.

use super::CliError;
use crate::audit::{self, checkpoint};
use crate::config::Settings;
use crate::db::DbError;
use crate::startup::open_storage;

/// `registry audit verify`: recomputes the chain, then checks every checkpoint.
pub fn verify(settings: &Settings) -> Result<(), CliError> {
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let head =
        audit::verify(&mut conn)?.map_err(|e| CliError::Invalid(format!("the audit log does not verify: {e}")))?;
    let key = keys.audit_signing_key().verifying_key();
    let checkpoints = checkpoint::verify(&mut conn, &key)?
        .map_err(|e| CliError::Invalid(format!("the audit log does not verify: {e}")))?;
    println!(
        "The audit log verifies: {} entries, head {}; {checkpoints} signed checkpoint(s).",
        head.entries,
        data_encoding::HEXLOWER.encode(&head.hash)
    );
    Ok(())
}

/// `registry audit checkpoint`: signs the current head of the chain.
pub fn checkpoint(settings: &Settings) -> Result<(), CliError> {
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let key = keys.audit_signing_key();
    match checkpoint::create(&mut conn, &key, crate::db::now())? {
        Some(point) => println!(
            "Checkpoint at entry {}: hash {}, signed by Ed25519 key {}.",
            point.seq,
            data_encoding::HEXLOWER.encode(&point.hash),
            data_encoding::HEXLOWER.encode(&key.verifying_key().to_bytes())
        ),
        None => println!("The audit log is empty: nothing to sign."),
    }
    Ok(())
}
