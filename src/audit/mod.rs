//! The append-only, hash-chained audit log (DESIGN §8).
//!
//! Canonical serialization of an entry: the UTF-8 JSON object
//! `{"seq":N,"occurred_at":"YYYY-MM-DDTHH:MM:SS.ffffffZ","actor":"…","action":"…","subject":"…","details":{…}}`
//! with keys in exactly that order, no whitespace, and `details` as stored.
//! Each entry is hashed as an RFC 6962 leaf, `leaf = SHA-256(0x00 ‖ canonical)`,
//! and chained: `hash = SHA-256(prev_hash ‖ leaf)`, with 32 zero bytes before
//! the first entry.
//!
//! The published Merkle tree ([`tree`]) is over commitments, not over these
//! leaves: each entry has a random 32-byte salt, stored beside it and not
//! part of the chain, and its commitment is `SHA-256(salt ‖ canonical)`. The
//! tree's leaves are RFC 6962 leaf hashes of the commitments, so outsiders
//! can check the log's shape without learning anything about an entry, and
//! whoever is given an entry and its salt can check it is in the tree.
//!
//! Entries hold keyed references only (`official:7`, `identity:12`), never
//! plaintext personal data: the vocabulary is in [`vocabulary`].

pub mod checkpoint;
pub mod mirror;
pub mod note;
pub mod proof;
pub mod tiles;
pub mod tree;
pub mod vocabulary;
pub mod witnesses;

pub use vocabulary::{Actor, AuditAction, AuditSubject};

use crate::db::schema::audit_log;
use crate::db::{DbConnection, DbError, db_time};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

const GENESIS_HASH: [u8; 32] = [0; 32];

/// `SHA-256(salt ‖ canonical)`: what the public tree holds for an entry.
pub fn commitment(salt: &[u8], canonical: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(salt).chain_update(canonical).finalize().into()
}

/// One event to append. `details` holds keyed references and counts, never personal data.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub actor: Actor,
    pub action: AuditAction,
    pub subject: AuditSubject,
    pub details: serde_json::Value,
}

impl AuditEvent {
    pub fn new(actor: Actor, action: AuditAction, subject: AuditSubject, details: serde_json::Value) -> Self {
        Self { actor, action, subject, details }
    }
}

/// An entry read back from its canonical bytes (in a proof): only bytes
/// that are exactly the canonical form of an entry parse, so what is shown
/// is what was hashed (no repeated or extra keys, no other spelling).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanonicalEntry<'a> {
    pub seq: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    #[serde(borrow)]
    pub details: &'a serde_json::value::RawValue,
}

impl<'a> CanonicalEntry<'a> {
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        let entry: Self = serde_json::from_slice(bytes).ok()?;
        let occurred_at = NaiveDateTime::parse_from_str(&entry.occurred_at, "%Y-%m-%dT%H:%M:%S%.6fZ").ok()?;
        let again = canonical(entry.seq, occurred_at, &entry.actor, &entry.action, &entry.subject, entry.details.get());
        (again.ok()?.as_slice() == bytes).then_some(entry)
    }
}

/// Fails only when stored `details` are not JSON, which means the row was modified.
fn canonical(
    seq: i64,
    occurred_at: NaiveDateTime,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = Vec::with_capacity(160 + details.len());
    write_canonical(&mut bytes, seq, occurred_at, actor, action, subject, details)?;
    Ok(bytes)
}

/// Writes the canonical form into `out` (cleared first): the bytes
/// `serde_json` gives for the object of the module documentation, written
/// by hand because `registry audit verify` writes one per entry.
fn write_canonical(
    out: &mut Vec<u8>,
    seq: i64,
    occurred_at: NaiveDateTime,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
) -> Result<(), serde_json::Error> {
    use chrono::{Datelike, Timelike};
    use std::io::Write as _;
    let details: &serde_json::value::RawValue = serde_json::from_str(details)?;
    out.clear();
    let (date, time) = (occurred_at.date(), occurred_at.time());
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        r#"{{"seq":{seq},"occurred_at":"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z","actor":"#,
        date.year(),
        date.month(),
        date.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.nanosecond() % 1_000_000_000 / 1000
    );
    serde_json::to_writer(&mut *out, actor)?;
    out.extend_from_slice(br#","action":"#);
    serde_json::to_writer(&mut *out, action)?;
    out.extend_from_slice(br#","subject":"#);
    serde_json::to_writer(&mut *out, subject)?;
    out.extend_from_slice(br#","details":"#);
    out.extend_from_slice(details.get().as_bytes());
    out.push(b'}');
    Ok(())
}

fn chain_hash(prev_hash: &[u8], canonical: &[u8]) -> [u8; 32] {
    let leaf = Sha256::new().chain_update([0u8]).chain_update(canonical).finalize();
    Sha256::new().chain_update(prev_hash).chain_update(leaf).finalize().into()
}

/// Appends an event in the caller's transaction and returns its sequence
/// number. If the append fails the caller's transaction fails with it: an
/// official action without its log entry never commits.
#[expect(clippy::expect_used, reason = "a serde_json::Value always serializes to JSON that parses back")]
pub fn append(conn: &mut DbConnection, event: &AuditEvent, now: DateTime<Utc>) -> Result<i64, DbError> {
    crate::db::serialize_appenders(conn)?;
    let head: Option<(i64, Vec<u8>)> = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(conn)
        .optional()?;
    let (seq, prev_hash) = head.map_or((1, GENESIS_HASH.to_vec()), |(seq, hash)| (seq + 1, hash));
    let occurred_at = db_time(now);
    let (actor, subject) = (event.actor.to_string(), event.subject.to_string());
    let details = event.details.to_string();
    let bytes = canonical(seq, occurred_at, &actor, event.action.as_str(), &subject, &details)
        .expect("a serde_json::Value always serializes to JSON that parses back");
    let hash = chain_hash(&prev_hash, &bytes);
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::occurred_at.eq(occurred_at),
            audit_log::actor.eq(&actor),
            audit_log::action.eq(event.action.as_str()),
            audit_log::subject.eq(&subject),
            audit_log::details.eq(&details),
            audit_log::prev_hash.eq(&prev_hash),
            audit_log::hash.eq(hash.as_slice()),
            audit_log::salt.eq(crate::crypto::random_bytes::<32>().as_slice()),
        ))
        .execute(conn)?;
    Ok(seq)
}

/// Why the chain does not verify: always names the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("audit entry {expected} is missing (found {found} in its place)")]
    Gap { expected: i64, found: i64 },
    #[error("audit entry {0} does not link to the entry before it")]
    BrokenLink(i64),
    #[error("audit entry {0} was modified: its hash does not match its content")]
    Modified(i64),
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub entries: i64,
    pub hash: Vec<u8>,
}

/// One stored entry, exactly as written: text as stored (not the typed
/// vocabulary), so that an entry changed outside the registry can still be
/// read and named by [`verify`].
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// JSON, as stored.
    pub details: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
    /// `None` only for entries written before the tree existed that have not joined it yet.
    pub salt: Option<Vec<u8>>,
}

impl Entry {
    /// The canonical bytes the chain and the commitment hash; fails only
    /// when stored `details` are not JSON, which means the row was modified.
    pub fn canonical(&self) -> Result<Vec<u8>, serde_json::Error> {
        canonical(self.seq, self.occurred_at, &self.actor, &self.action, &self.subject, &self.details)
    }

    /// The commitment the tree holds for this entry, once it has a salt and
    /// if it can be read.
    pub fn commitment(&self) -> Option<[u8; 32]> {
        Some(commitment(self.salt.as_deref()?, &self.canonical().ok()?))
    }
}

/// Up to `limit` entries with `seq` greater than `after`, oldest first.
pub fn page(conn: &mut DbConnection, after: i64, limit: i64) -> Result<Vec<Entry>, DbError> {
    Ok(audit_log::table
        .filter(audit_log::seq.gt(after))
        .order(audit_log::seq)
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)?)
}

/// The entry numbered `seq`, if there is one.
pub fn entry(conn: &mut DbConnection, seq: i64) -> Result<Option<Entry>, DbError> {
    Ok(audit_log::table.find(seq).select(Entry::as_select()).first(conn).optional()?)
}

/// The entries about `subject` of the given kinds, newest first.
pub fn about(conn: &mut DbConnection, subject: AuditSubject, actions: &[AuditAction]) -> Result<Vec<Entry>, DbError> {
    let actions: Vec<&str> = actions.iter().map(|a| a.as_str()).collect();
    Ok(audit_log::table
        .filter(audit_log::subject.eq(subject.to_string()))
        .filter(audit_log::action.eq_any(actions))
        .order(audit_log::seq.desc())
        .select(Entry::as_select())
        .load(conn)?)
}

/// How many entries of `action` each actor wrote since `since`, by the
/// actor's stored name (`official:12`).
pub fn count_per_actor(
    conn: &mut DbConnection,
    action: AuditAction,
    since: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, DbError> {
    Ok(audit_log::table
        .filter(audit_log::action.eq(action.as_str()))
        .filter(audit_log::occurred_at.gt(db_time(since)))
        .group_by(audit_log::actor)
        .select((audit_log::actor, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Recomputes every hash from the first entry, in pages.
pub fn verify(conn: &mut DbConnection) -> Result<Result<ChainHead, ChainError>, DbError> {
    Ok(verify_with_tree(conn)?.map(|(head, _)| head))
}

/// [`verify`], rebuilding the Merkle tree from the entries' commitments in
/// the same pass (up to the first entry without a salt, which has not
/// joined the tree yet): one read of the log checks both.
#[expect(clippy::expect_used, reason = "a tree built in memory from nothing holds every hash it reads")]
pub fn verify_with_tree(
    conn: &mut DbConnection,
) -> Result<Result<(ChainHead, tree::TreeBuilder<tree::NoHashes>), ChainError>, DbError> {
    const PAGE: i64 = 10_000;
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS_HASH.to_vec();
    let mut tree = tree::TreeBuilder::new(tree::NoHashes, 0);
    let mut salted = true;
    let mut bytes = Vec::with_capacity(512);
    // One thread reads the next pages while this one hashes: on two cores
    // a million entries verify in about half the time.
    std::thread::scope(|scope| {
        let (pages, next_page) = std::sync::mpsc::sync_channel::<Result<Vec<Entry>, DbError>>(2);
        scope.spawn(move || {
            let mut after = 0;
            loop {
                let rows = page(conn, after, PAGE);
                let last = match &rows {
                    Ok(rows) if i64::try_from(rows.len()).unwrap_or(0) == PAGE => rows.last().map(|e| e.seq),
                    _ => None,
                };
                // The verifier stopped early (a bad entry) once the channel is gone.
                if pages.send(rows).is_err() {
                    return;
                }
                match last {
                    Some(seq) => after = seq,
                    None => return,
                }
            }
        });
        for rows in next_page {
            let rows = rows?;
            let page_len = rows.len();
            for entry in rows {
                let seq = entry.seq;
                if seq != expected_seq {
                    return Ok(Err(ChainError::Gap { expected: expected_seq, found: seq }));
                }
                if entry.prev_hash != prev_hash {
                    return Ok(Err(ChainError::BrokenLink(seq)));
                }
                let (at, details) = (entry.occurred_at, &entry.details);
                if write_canonical(&mut bytes, seq, at, &entry.actor, &entry.action, &entry.subject, details).is_err() {
                    return Ok(Err(ChainError::Modified(seq)));
                }
                if chain_hash(&prev_hash, &bytes).as_slice() != entry.hash.as_slice() {
                    return Ok(Err(ChainError::Modified(seq)));
                }
                match (&entry.salt, salted) {
                    (Some(salt), true) => tree.append(&commitment(salt, &bytes)).expect("an in-memory tree grows"),
                    _ => salted = false,
                }
                prev_hash = entry.hash;
                expected_seq += 1;
            }
            if i64::try_from(page_len).unwrap_or(0) < PAGE {
                break;
            }
        }
        Ok(Ok((ChainHead { entries: expected_seq - 1, hash: prev_hash }, tree)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written canonical form is byte for byte what `serde_json`
    /// writes for the documented object, escapes included.
    #[test]
    fn the_canonical_form_is_serde_jsons() {
        #[derive(Serialize)]
        struct Documented<'a> {
            seq: i64,
            occurred_at: String,
            actor: &'a str,
            action: &'a str,
            subject: &'a str,
            details: &'a serde_json::value::RawValue,
        }
        use serde::Serialize;
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap().and_hms_micro_opt(3, 4, 5, 60).unwrap();
        for (actor, details) in [
            ("official:7", r#"{"count":3}"#),
            ("quote \" back\\slash \u{1} tab\t ünïcode ә", r#"{"a":[1,2,{"b":null}],"c":"\u00e9"}"#),
        ] {
            let ours = canonical(42, at, actor, "x.y", "identity:1", details).unwrap();
            let raw: &serde_json::value::RawValue = serde_json::from_str(details).unwrap();
            let theirs = serde_json::to_vec(&Documented {
                seq: 42,
                occurred_at: at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                actor,
                action: "x.y",
                subject: "identity:1",
                details: raw,
            })
            .unwrap();
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
        assert!(canonical(1, at, "a", "b", "c", "{not json").is_err());
    }
}
