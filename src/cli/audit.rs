//! `registry audit verify|checkpoint|log-key|mirror`.

use super::CliError;
use crate::audit::ChainError;
use crate::audit::note::CosignatureVerifier;
use crate::audit::note::{self, LogKey};
use crate::audit::tree::{self, GrowError, NoHashes, TreeBuilder};
use crate::audit::witnesses::{self, Answer};
use crate::audit::{self, checkpoint, mirror, proof};
use crate::config::Settings;
use crate::crypto::KeyRing;
use crate::db::{DbConnection, DbError};
use crate::startup::open_storage;
use data_encoding::HEXLOWER;
use std::path::Path;

fn log_key_of(settings: &Settings, keys: &KeyRing) -> LogKey {
    LogKey::new(settings.log_origin.clone(), keys.audit_signing_key())
}

fn broken(e: impl std::fmt::Display) -> CliError {
    CliError::Invalid(format!("the audit log does not verify: {e}"))
}

/// `registry audit verify`: recomputes the chain, checks every chain
/// checkpoint and the newest tree head against the entries, and, given a
/// checkpoint kept elsewhere, that the log still holds what it covered.
pub fn verify(
    settings: &Settings,
    kept_checkpoint: Option<&Path>,
    key: Option<&str>,
    mirror_dir: Option<&Path>,
) -> Result<(), CliError> {
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let log_key = log_key_of(settings, &keys);
    let kept = match kept_checkpoint {
        Some(path) => {
            let text = std::fs::read_to_string(path)?;
            let verifier_key = key.map_or_else(|| log_key.verifier_key(), str::to_owned);
            Some(note::verify(&text, &verifier_key).map_err(broken)?)
        }
        None => None,
    };
    // One read of the log: the chain, and the tree rebuilt from the entries themselves.
    let (head, rebuilt) = match audit::verify_with_tree(&mut conn)? {
        Ok(verified) => verified,
        // Against a checkpoint kept elsewhere, an entry missing from the chain was deleted.
        Err(ChainError::Gap { expected, .. }) if kept.is_some() => {
            return Err(broken(format!("entry {expected} was deleted")));
        }
        Err(e) => return Err(broken(e)),
    };
    if let Some(kept) = &kept {
        compare_with_checkpoint(&mut conn, head.entries, &rebuilt, kept, mirror_dir)?;
    }
    let chain_key = keys.audit_signing_key().verifying_key();
    let checkpoints = checkpoint::verify(&mut conn, &chain_key)?.map_err(broken)?;
    let tree_size = match tree::latest(&mut conn)? {
        Some(latest) => {
            let checked = note::verify(&latest.note, &log_key.verifier_key()).map_err(broken)?;
            if rebuilt.root_at(checked.size) != Some(checked.root) {
                return Err(broken(format!(
                    "the Merkle tree's newest head (of {} entries) is not the tree of the stored entries",
                    checked.size
                )));
            }
            latest.size
        }
        None => 0,
    };
    println!(
        "The audit log verifies: {} entries, head {}; {checkpoints} signed checkpoint(s) of the chain; \
         the Merkle tree's newest head covers {tree_size} entries.",
        head.entries,
        HEXLOWER.encode(&head.hash)
    );
    if let Some(path) = kept_checkpoint {
        println!("It still holds every entry the checkpoint in {} covers, unchanged.", path.display());
    }
    Ok(())
}

/// Compares the tree rebuilt from the stored entries (whose chain verified)
/// with a checkpoint kept elsewhere; on a difference, names the first entry it can.
fn compare_with_checkpoint(
    conn: &mut DbConnection,
    entries: i64,
    rebuilt: &TreeBuilder<NoHashes>,
    kept: &note::VerifiedCheckpoint,
    mirror_dir: Option<&Path>,
) -> Result<(), CliError> {
    if rebuilt.size() < kept.size {
        // The tree stops at the first entry without its salt.
        if u64::try_from(entries).unwrap_or(0) > rebuilt.size() {
            return Err(broken(format!("entry {} was modified", rebuilt.size() + 1)));
        }
        return Err(broken(format!(
            "the log was cut short: the checkpoint covers {} entries, the database holds {}",
            kept.size,
            rebuilt.size()
        )));
    }
    if rebuilt.root_at(kept.size) == Some(kept.root) {
        return Ok(());
    }
    // The chain verified: it was rebuilt over the changes; only a mirror can say where.
    let first_changed = match mirror_dir {
        Some(dir) => first_difference(conn, dir)?,
        None => None,
    };
    Err(broken(match first_changed {
        Some(found) => format!("the first {} entries are not the ones the checkpoint covers: {found}", kept.size),
        None => format!(
            "the first {} entries are not the ones the checkpoint covers, and the chain was rebuilt over \
             the changes; give a mirror (--mirror) to name the first changed entry",
            kept.size
        ),
    }))
}

/// The first entry whose commitment differs from the mirror's.
fn first_difference(conn: &mut DbConnection, dir: &Path) -> Result<Option<String>, CliError> {
    let (_, mirrored) = mirror::kept(dir).map_err(|e| CliError::Invalid(e.to_string()))?;
    const PAGE: i64 = 10_000;
    let mut seq = 0i64;
    for chunk in mirrored.chunks(10_000) {
        let stored = audit::page(conn, seq, PAGE)?;
        for (expected, entry) in chunk.iter().zip(stored.iter().map(Some).chain(std::iter::repeat(None))) {
            seq += 1;
            match entry {
                Some(entry) if entry.seq == seq && entry.commitment().as_ref() == Some(expected) => {}
                Some(entry) if entry.seq == seq => return Ok(Some(format!("entry {seq} differs from the mirror"))),
                _ => return Ok(Some(format!("entry {seq} is missing: the mirror holds it"))),
            }
        }
    }
    Ok(None)
}

/// `registry audit checkpoint`: signs the current head of the chain and of the tree.
pub fn checkpoint(settings: &Settings) -> Result<(), CliError> {
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let key = keys.audit_signing_key();
    let now = crate::db::now();
    match checkpoint::create(&mut conn, &key, now)? {
        Some(point) => println!(
            "Checkpoint at entry {}: hash {}, signed by Ed25519 key {}.",
            point.seq,
            HEXLOWER.encode(&point.hash),
            HEXLOWER.encode(&key.verifying_key().to_bytes())
        ),
        None => println!("The audit log is empty: nothing to sign."),
    }
    let head = tree::grow(&mut conn, &log_key_of(settings, &keys), now).map_err(|e| match e {
        GrowError::Db(e) => CliError::Database(e),
        broken_log => broken(broken_log),
    })?;
    println!("The Merkle tree's head at {} entries, signed:\n\n{}", head.size, head.note.trim_end());
    let mut refused = Vec::new();
    for (witness, answer) in witnesses::submit(&mut conn, &settings.witnesses)? {
        match answer {
            Answer::Cosigned => println!("Witness {witness} cosigned it."),
            Answer::Kept => println!("Witness {witness} had cosigned it."),
            Answer::Unreachable(reason) => println!("Witness {witness} could not be reached: {reason}"),
            Answer::Refused { status, reason } => {
                refused.push(format!("witness {witness} refused the checkpoint ({status}): {reason}"));
            }
        }
    }
    if refused.is_empty() { Ok(()) } else { Err(CliError::Invalid(refused.join("; "))) }
}

/// `registry audit log-key`: the key witnesses and mirrors check checkpoints with.
pub fn log_key(settings: &Settings) -> Result<(), CliError> {
    let (keys, _) = open_storage(settings)?;
    println!("{}", log_key_of(settings, &keys).verifier_key());
    Ok(())
}

/// `registry audit verify-proof`: needs no database and no key file.
pub fn verify_proof(
    file: &Path,
    log_key: &str,
    witness_keys: &[String],
    quorum: Option<usize>,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(file)?;
    let witnesses = witness_keys
        .iter()
        .map(|k| CosignatureVerifier::parse(k))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Invalid)?;
    let names: std::collections::HashSet<&str> = witnesses.iter().map(|w| w.name()).collect();
    if names.len() != witnesses.len() {
        return Err(CliError::Invalid("a witness is given twice".into()));
    }
    let quorum = quorum.unwrap_or(witnesses.len());
    let proven = proof::verify(&text, log_key, &witnesses, quorum)
        .map_err(|e| CliError::Invalid(format!("the proof does not hold: {e}")))?;
    println!("The proof holds.");
    // Escaped: the text came from a file, and is printed to a terminal.
    println!(
        "Entry {} of the audit log {}, written {}: {} did {} on {}, with details {}.",
        proven.seq,
        log_key.split('+').next().unwrap_or_default().escape_debug(),
        proven.occurred_at.escape_debug(),
        proven.actor.escape_debug(),
        proven.action.escape_debug(),
        proven.subject.escape_debug(),
        proven.details.escape_debug()
    );
    println!("It is in the log's tree of {} entries, whose checkpoint the log's key signed.", proven.size);
    match proven.cosigned_by.as_slice() {
        [] => println!("No witness given cosigned that checkpoint: the log alone vouches for it."),
        names => println!(
            "{} of the {} witnesses given cosigned that checkpoint ({}): each saw a log consistent with everything it \
             had seen before, so the registry cannot show anyone a history without this entry unnoticed.",
            names.len(),
            witnesses.len(),
            names.join(", ")
        ),
    }
    Ok(())
}

/// `registry audit mirror`: needs no database and no key file.
pub fn mirror(url: &str, out: &Path, key: Option<&str>) -> Result<(), CliError> {
    let done = mirror::run(&mirror::Http::new(url), out, key).map_err(|e| CliError::Invalid(e.to_string()))?;
    println!(
        "Mirrored {} entries ({} new, {} files fetched) into {}: every hash matches the checkpoint, \
         root {}, and the log extends the copy made before.",
        done.size,
        done.size - done.previous_size,
        done.fetched,
        out.display(),
        done.root
    );
    Ok(())
}
