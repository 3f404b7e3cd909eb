//! Proofs owners keep (C2SP tlog-proof): one entry, its salt, its place in
//! the log, the inclusion proof and the cosigned checkpoint, in one text file
//! that anyone can check offline against the log's and the witnesses' keys.
//! The entry and its salt travel in the `extra` line (base64 of the 32-byte
//! salt followed by the canonical entry), so the file proves what it says.

use super::note::{self, CheckpointError, CosignatureVerifier, cosigned_by};
use super::tree::DbHashes;
use super::witnesses::Published;
use super::{CanonicalEntry, Entry, commitment};
use crate::db::{DbConnection, DbError};
use data_encoding::BASE64;
use tlog_tiles::{check_record, prove_record, record_hash};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The proof of `entry` in the published tree; `None` while the published
/// tree does not hold it yet (it joins within a checkpoint interval).
pub fn build(conn: &mut DbConnection, published: &Published, entry: &Entry) -> Result<Option<String>, DbError> {
    let (Ok(index), Some(salt), Ok(canonical)) = (u64::try_from(entry.seq - 1), &entry.salt, entry.canonical()) else {
        return Ok(None);
    };
    if index >= published.head.size {
        return Ok(None);
    }
    let hashes = DbHashes::new(conn);
    let proof = prove_record(published.head.size, index, &hashes);
    let Ok(proof) = hashes.into_result::<_, DbError>(Ok(proof))?.0 else { return Ok(None) };
    let extra = BASE64.encode(&[salt.as_slice(), &canonical].concat());
    let lines: String = proof.iter().map(|h| format!("{h}\n")).collect();
    Ok(Some(format!("{HEADER}\nextra {extra}\nindex {index}\n{lines}\n{}", published.note)))
}

/// What a valid proof shows.
#[derive(Debug)]
pub struct ProvenEntry {
    /// The entry, as the log holds it.
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: String,
    pub seq: u64,
    /// The size of the tree the checkpoint signs.
    pub size: u64,
    /// The witnesses (among those given) that cosigned the checkpoint.
    pub cosigned_by: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("this is not a proof of an audit entry: {0}")]
    Malformed(&'static str),
    #[error("{0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the entry is not in the tree the checkpoint signs: the entry or the proof was changed")]
    NotIncluded,
    #[error("only {found} of the {needed} witness cosignatures asked for are on the checkpoint")]
    TooFewWitnesses { needed: usize, found: usize },
}

/// Checks a proof against the log's key and, for `quorum` of them, the witnesses' keys.
pub fn verify(
    text: &str,
    log_key: &str,
    witnesses: &[CosignatureVerifier],
    quorum: usize,
) -> Result<ProvenEntry, ProofError> {
    let rest =
        text.strip_prefix(HEADER).and_then(|r| r.strip_prefix('\n')).ok_or(ProofError::Malformed("no header"))?;
    let (extra, rest) = rest.split_once('\n').ok_or(ProofError::Malformed("no entry"))?;
    let extra = extra.strip_prefix("extra ").ok_or(ProofError::Malformed("no entry"))?;
    let extra = BASE64.decode(extra.as_bytes()).map_err(|_| ProofError::Malformed("the entry is not base64"))?;
    let (index, rest) = rest.split_once('\n').ok_or(ProofError::Malformed("no index"))?;
    let index = index.strip_prefix("index ").ok_or(ProofError::Malformed("no index"))?;
    let index =
        note::parse_decimal(index).ok_or(ProofError::Malformed("the index is not a decimal without leading zeroes"))?;
    let (proof, checkpoint) = note::split_proof(rest).map_err(ProofError::Malformed)?;
    let (salt, canonical) = extra.split_at_checked(32).ok_or(ProofError::Malformed("the entry has no salt"))?;
    let entry = CanonicalEntry::parse(canonical).ok_or(ProofError::Malformed("the entry is not a canonical entry"))?;
    if u64::try_from(entry.seq).ok() != index.checked_add(1) {
        return Err(ProofError::Malformed("the entry's number is not its place in the log"));
    }
    let signed = note::verify(checkpoint, log_key)?;
    let leaf = record_hash(&commitment(salt, canonical));
    check_record(&proof, signed.size, signed.root, index, leaf).map_err(|_| ProofError::NotIncluded)?;
    let cosigned = cosigned_by(checkpoint, witnesses)?;
    if cosigned.len() < quorum {
        return Err(ProofError::TooFewWitnesses { needed: quorum, found: cosigned.len() });
    }
    Ok(ProvenEntry {
        seq: index + 1,
        occurred_at: entry.occurred_at,
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        details: entry.details.get().to_owned(),
        size: signed.size,
        cosigned_by: cosigned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::note::{LogKey, LogOrigin};
    use crate::audit::tree::{NoHashes, TreeBuilder};
    use ed25519_dalek::SigningKey;

    /// A one-entry log holding `entry` under `salt`, and the proof of it, as `build` writes proofs.
    fn proof_of(entry: &str) -> (String, String) {
        let key = LogKey::new(LogOrigin::parse("registry.test/audit").unwrap(), SigningKey::from_bytes(&[1; 32]));
        let salt = [7u8; 32];
        let mut tree = TreeBuilder::new(NoHashes, 0);
        tree.append(&commitment(&salt, entry.as_bytes())).unwrap();
        let note = key.sign(1, &tree.root().unwrap());
        let extra = BASE64.encode(&[salt.as_slice(), entry.as_bytes()].concat());
        (format!("{HEADER}\nextra {extra}\nindex 0\n\n{note}"), key.verifier_key())
    }

    const ENTRY: &str = r#"{"seq":1,"occurred_at":"2026-11-30T21:30:12.123456Z","actor":"official:1","action":"disclosure.opened","subject":"access_request:1","details":{"opening":1}}"#;

    #[test]
    fn a_proof_of_a_canonical_entry_holds_and_says_what_the_entry_says() {
        let (proof, key) = proof_of(ENTRY);
        let proven = verify(&proof, &key, &[], 0).unwrap();
        assert_eq!((proven.seq, proven.actor.as_str(), proven.details.as_str()), (1, "official:1", r#"{"opening":1}"#));
    }

    /// Even signed by the log's own key, bytes that are not exactly an
    /// entry's canonical form prove nothing: another reader could see
    /// another entry in them.
    #[test]
    fn entries_that_are_not_canonical_are_refused_even_when_signed() {
        for entry in [
            ENTRY.replace(r#""actor":"official:1","#, r#""actor":"official:1","actor":"system","#),
            ENTRY.replace(r#""details""#, r#""extra":1,"details""#),
            ENTRY.replace(r#""seq":1,"#, r#""seq": 1,"#),
            ENTRY.replace(".123456Z", "Z"),
            ENTRY.replace(r#""seq":1,"occurred_at""#, r#""occurred_at""#),
        ] {
            let (proof, key) = proof_of(&entry);
            assert!(matches!(verify(&proof, &key, &[], 0), Err(ProofError::Malformed(_))), "{entry}");
        }
        let (proof, key) = proof_of(ENTRY);
        let signed_index = proof.replace("index 0\n", "index +0\n");
        assert!(matches!(verify(&signed_index, &key, &[], 0), Err(ProofError::Malformed(_))));
    }
}
