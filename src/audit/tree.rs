//! The audit log's Merkle tree (RFC 9162), kept as C2SP tlog-tiles clients
//! read it: every leaf hash and every completed subtree hash is stored once,
//! at the index Go's `tlog` package gives it (`audit_tree`), and each signed
//! tree head is kept as its checkpoint note (`tree_heads`).
//!
//! Leaf `i` is the commitment of audit entry `i + 1` (see [`super`]).
//! Appending an entry does not touch the tree: [`grow`] adds the entries
//! written since the last tree head and signs the new head, from the
//! checkpoint job, so the cost of an official action stays what it was.
//! The tree math is the `tlog_tiles` crate's.

use super::note::LogKey;
use super::page;
use crate::db::schema::{audit_log, audit_tree, tree_heads};
use crate::db::{DbConnection, DbError, db_time, write_tx};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use tlog_tiles::{Hash, HashReader, stored_hash_count, stored_hashes, tree_hash};

/// Entries added to the tree per transaction: bounds how long one
/// transaction holds other tree writers off when a large log first joins.
const BATCH: i64 = 50_000;

/// A signed head of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeHead {
    pub size: u64,
    pub root: Hash,
    /// The C2SP checkpoint, signed.
    pub note: String,
    pub signed_at: NaiveDateTime,
}

type HeadRow = (i64, Vec<u8>, String, NaiveDateTime);

fn head_of((size, root, note, signed_at): HeadRow) -> Option<TreeHead> {
    Some(TreeHead { size: u64::try_from(size).ok()?, root: hash_of(&root)?, note, signed_at })
}

const HEAD_COLUMNS: (tree_heads::size, tree_heads::root, tree_heads::note, tree_heads::signed_at) =
    (tree_heads::size, tree_heads::root, tree_heads::note, tree_heads::signed_at);

/// The newest signed tree head, if any.
pub fn latest(conn: &mut DbConnection) -> Result<Option<TreeHead>, DbError> {
    let row: Option<HeadRow> =
        tree_heads::table.order(tree_heads::size.desc()).select(HEAD_COLUMNS).first(conn).optional()?;
    Ok(row.and_then(head_of))
}

/// The signed head of the tree at `size`.
pub fn at(conn: &mut DbConnection, size: i64) -> Result<Option<TreeHead>, DbError> {
    let row: Option<HeadRow> = tree_heads::table.find(size).select(HEAD_COLUMNS).first(conn).optional()?;
    Ok(row.and_then(head_of))
}

fn hash_of(bytes: &[u8]) -> Option<Hash> {
    Some(Hash(bytes.try_into().ok()?))
}

/// Stored hashes read from `audit_tree`. A database error is kept aside
/// (the `HashReader` trait can only say that hashes are missing) for the
/// caller to take with [`DbHashes::into_result`].
pub struct DbHashes<'c> {
    conn: RefCell<&'c mut DbConnection>,
    failure: RefCell<Option<DbError>>,
}

impl<'c> DbHashes<'c> {
    pub fn new(conn: &'c mut DbConnection) -> Self {
        Self { conn: RefCell::new(conn), failure: RefCell::new(None) }
    }

    /// `value`, unless a read failed in the database, which is then the error.
    pub fn into_result<T, E: From<DbError>>(self, value: Result<T, E>) -> Result<(T, &'c mut DbConnection), E> {
        match self.failure.into_inner() {
            Some(failure) => Err(failure.into()),
            None => Ok((value?, self.conn.into_inner())),
        }
    }
}

impl HashReader for DbHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        if indexes.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<i64> = indexes.iter().filter_map(|i| i64::try_from(*i).ok()).collect();
        let mut conn = self.conn.borrow_mut();
        let rows: Vec<(i64, Vec<u8>)> = match audit_tree::table
            .filter(audit_tree::idx.eq_any(&wanted))
            .select((audit_tree::idx, audit_tree::hash))
            .load(*conn)
        {
            Ok(rows) => rows,
            Err(e) => {
                *self.failure.borrow_mut() = Some(e.into());
                return Err(tlog_tiles::Error::IndexesNotInTree);
            }
        };
        let found: HashMap<i64, Vec<u8>> = rows.into_iter().collect();
        wanted
            .iter()
            .map(|i| found.get(i).and_then(|h| hash_of(h)).ok_or(tlog_tiles::Error::IndexesNotInTree))
            .collect()
    }
}

/// No stored hashes: a tree built from nothing.
pub struct NoHashes;

impl HashReader for NoHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        if indexes.is_empty() { Ok(Vec::new()) } else { Err(tlog_tiles::Error::IndexesNotInTree) }
    }
}

/// A tree of `size` leaves whose hashes `older` holds, grown in memory.
pub struct TreeBuilder<R> {
    older: R,
    /// Stored hash index of the first hash in `new`.
    first_new: u64,
    new: Vec<Hash>,
    size: u64,
}

impl<R: HashReader> TreeBuilder<R> {
    pub fn new(older: R, size: u64) -> Self {
        Self { older, first_new: stored_hash_count(size), new: Vec::new(), size }
    }

    /// Adds the next leaf, the RFC 6962 leaf hash of `data`.
    pub fn append(&mut self, data: &[u8]) -> Result<(), tlog_tiles::Error> {
        let hashes = stored_hashes(self.size, data, self)?;
        self.new.extend(hashes);
        self.size += 1;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn root(&self) -> Result<Hash, tlog_tiles::Error> {
        tree_hash(self.size, self)
    }

    /// The root of the tree of its first `size` leaves, if it has that many.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        if size <= self.size { tree_hash(size, self).ok() } else { None }
    }

    /// The reader of the older hashes, and the new ones with the index of the first.
    pub fn into_parts(self) -> (R, u64, Vec<Hash>) {
        (self.older, self.first_new, self.new)
    }
}

impl<R: HashReader> HashReader for TreeBuilder<R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let older: Vec<u64> = indexes.iter().copied().filter(|i| *i < self.first_new).collect();
        let mut older = self.older.read_hashes(&older)?.into_iter();
        indexes
            .iter()
            .map(|i| match i.checked_sub(self.first_new) {
                None => older.next().ok_or(tlog_tiles::Error::IndexesNotInTree),
                Some(at) => usize::try_from(at)
                    .ok()
                    .and_then(|at| self.new.get(at).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree),
            })
            .collect()
    }
}

/// Why the tree cannot grow: the log was changed under it.
#[derive(Debug, thiserror::Error)]
pub enum GrowError {
    #[error("audit entry {0} is missing: the tree cannot grow past it")]
    Missing(u64),
    #[error("audit entry {0} was modified: it cannot be read")]
    Unreadable(u64),
    #[error("the stored tree does not hold the hashes of its last head: {0}")]
    BrokenTree(tlog_tiles::Error),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Adds every entry written since the last tree head to the tree and signs
/// the new head; signs the empty tree on first use. Returns the newest head
/// (the existing one when nothing was written).
pub fn grow(conn: &mut DbConnection, log: &LogKey, now: DateTime<Utc>) -> Result<TreeHead, GrowError> {
    loop {
        let (head, caught_up) = write_tx(conn, |conn| grow_batch(conn, log, now))?;
        if caught_up {
            return Ok(head);
        }
    }
}

fn grow_batch(conn: &mut DbConnection, log: &LogKey, now: DateTime<Utc>) -> Result<(TreeHead, bool), GrowError> {
    crate::db::serialize_tree_writers(conn)?;
    let last = latest(conn)?;
    let size = last.as_ref().map_or(0, |head| head.size);
    let entries = page(conn, i64::try_from(size).unwrap_or(i64::MAX), BATCH)?;
    if let Some(last) = last.filter(|_| entries.is_empty()) {
        return Ok((last, true));
    }
    let caught_up = i64::try_from(entries.len()).unwrap_or(i64::MAX) < BATCH;
    let mut tree = TreeBuilder::new(DbHashes::new(conn), size);
    let mut salted = Vec::new();
    for entry in &entries {
        let index = tree.size();
        if u64::try_from(entry.seq).ok() != Some(index + 1) {
            return Err(GrowError::Missing(index + 1));
        }
        let salt = match &entry.salt {
            Some(salt) => salt.clone(),
            None => {
                let salt = crate::crypto::random_bytes::<32>().to_vec();
                salted.push((entry.seq, salt.clone()));
                salt
            }
        };
        let canonical = entry.canonical().map_err(|_| GrowError::Unreadable(index + 1))?;
        let appended = tree.append(&super::commitment(&salt, &canonical));
        appended.map_err(GrowError::BrokenTree)?;
    }
    let root = tree.root().map_err(GrowError::BrokenTree);
    let new_size = tree.size();
    let (older, first_new, new) = tree.into_parts();
    let (root, conn) = older.into_result(root)?;
    for (seq, salt) in salted {
        diesel::update(audit_log::table.find(seq))
            .set(audit_log::salt.eq(salt))
            .execute(conn)
            .map_err(DbError::from)?;
    }
    store_hashes(conn, first_new, &new)?;
    let head = TreeHead { size: new_size, note: log.sign(new_size, &root), root, signed_at: db_time(now) };
    diesel::insert_into(tree_heads::table)
        .values((
            tree_heads::size.eq(i64::try_from(head.size).unwrap_or(i64::MAX)),
            tree_heads::root.eq(head.root.0.as_slice()),
            tree_heads::note.eq(&head.note),
            tree_heads::signed_at.eq(head.signed_at),
        ))
        .execute(conn)
        .map_err(DbError::from)?;
    Ok((head, caught_up))
}

fn store_hashes(conn: &mut DbConnection, first: u64, hashes: &[Hash]) -> Result<(), DbError> {
    const ROWS_PER_INSERT: usize = 1000;
    let first = i64::try_from(first).unwrap_or(i64::MAX);
    for (chunk_number, chunk) in hashes.chunks(ROWS_PER_INSERT).enumerate() {
        let offset = first + i64::try_from(chunk_number * ROWS_PER_INSERT).unwrap_or(i64::MAX);
        let rows: Vec<_> = chunk
            .iter()
            .zip(offset..)
            .map(|(hash, idx)| (audit_tree::idx.eq(idx), audit_tree::hash.eq(hash.0.as_slice())))
            .collect();
        crate::db_run!(conn => diesel::insert_into(audit_tree::table).values(&rows).execute(conn))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tlog_tiles::{check_record, check_tree, prove_record, prove_tree, record_hash};

    fn tree_of(leaves: &[Vec<u8>]) -> TreeBuilder<NoHashes> {
        let mut tree = TreeBuilder::new(NoHashes, 0);
        for leaf in leaves {
            tree.append(leaf).unwrap();
        }
        tree
    }

    fn hex(hash: Hash) -> String {
        data_encoding::HEXLOWER.encode(&hash.0)
    }

    /// The RFC 6962 reference tree used by Certificate Transparency's and
    /// transparency-dev's test suites: eight leaves and the root of every
    /// prefix of them.
    fn reference_leaves() -> Vec<Vec<u8>> {
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .iter()
            .map(|h| data_encoding::HEXLOWER.decode(h.as_bytes()).unwrap())
            .collect()
    }

    #[test]
    fn roots_match_the_published_rfc_6962_vectors() {
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = reference_leaves();
        for (size, root) in roots.iter().enumerate() {
            assert_eq!(hex(tree_of(&leaves[..=size]).root().unwrap()), *root, "size {}", size + 1);
        }
        assert_eq!(
            hex(tree_of(&[]).root().unwrap()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn proofs_match_the_published_rfc_6962_vectors() {
        let tree = tree_of(&reference_leaves());
        let inclusion: Vec<String> = prove_record(8, 0, &tree).unwrap().into_iter().map(hex).collect();
        assert_eq!(
            inclusion,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        );
        let consistency: Vec<String> = prove_tree(8, 1, &tree).unwrap().into_iter().map(hex).collect();
        assert_eq!(
            consistency,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// For a tree of up to 300 leaves (over a tile's width), every leaf's
        /// inclusion proof and every older size's consistency proof verify,
        /// and fail for another leaf or another root.
        #[test]
        fn every_inclusion_and_consistency_proof_verifies(size in 1u64..300, salt in any::<u8>()) {
            let leaves: Vec<Vec<u8>> = (0..size).map(|i| [&i.to_be_bytes()[..], &[salt]].concat()).collect();
            let tree = tree_of(&leaves);
            let root = tree.root().unwrap();
            for n in 0..size {
                let proof = prove_record(size, n, &tree).unwrap();
                let leaf = record_hash(&leaves[usize::try_from(n).unwrap()]);
                prop_assert!(check_record(&proof, size, root, n, leaf).is_ok());
                prop_assert!(check_record(&proof, size, root, n, record_hash(b"another")).is_err());
            }
            for older in 1..=size {
                let older_root = tree_of(&leaves[..usize::try_from(older).unwrap()]).root().unwrap();
                let proof = prove_tree(size, older, &tree).unwrap();
                prop_assert!(check_tree(&proof, size, root, older, older_root).is_ok());
                prop_assert!(check_tree(&proof, size, root, older, record_hash(b"another")).is_err());
            }
        }
    }
}
