//! Each node's copy, in memory, of what a status read shows for every
//! account, so that single, batch and conditional status reads never touch
//! the database: PostgreSQL answers as fast as the embedded SQLite, and a
//! node's reads do not load the primary.
//!
//! The copy follows `accounts.version`, which every write of a status field
//! advances under the feed lock (so versions become visible in order and a
//! reader never skips one). It catches up after every use case this node
//! runs (a platform reads what it just wrote), and in the background when
//! another node writes: woken by PostgreSQL `NOTIFY`, with a poll as the
//! fallback (and the only means on SQLite).

use crate::background::{Stop, Threads};
use crate::config::DatabaseUrl;
use crate::db::repo::accounts::{self as repo, StatusRow, StoredSignature, StoredStatus};
use crate::db::{ConnectionManager, DbConnection, DbError};
use crate::domain::{AccountRef, AccountStatus, Assurance, Handle, PlatformId};
use chrono::NaiveDateTime;
use diesel::RunQueryDsl;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// Rows fetched per query while catching up (the first load takes many).
const PAGE: i64 = 10_000;
/// The channel `db::lock_feed` notifies on PostgreSQL.
pub const CHANNEL: &str = "registry_accounts";
/// How often a PostgreSQL follower looks for a notification (no query: a
/// read of the socket), and how often it queries anyway.
const NOTIFICATION_CHECK: Duration = Duration::from_millis(10);
const FALLBACK_POLL: Duration = Duration::from_secs(1);
/// How often a SQLite follower queries: another process (a command) may write.
const SQLITE_POLL: Duration = Duration::from_millis(100);

/// One account as a read shows it, packed (128 bytes and the text):
/// 1,000,000 take about 180 MB with the index.
struct Row {
    /// The account ref, then the handle: one allocation instead of two.
    text: Box<str>,
    seq: i64,
    /// The account's version this row shows: an older one never replaces it.
    version: i64,
    deadline: Micros,
    below_since: Micros,
    status_changed_at: Micros,
    /// The statement's signature (see `kid`).
    signature: [u8; 64],
    /// Platform ids are small: a registry has tens of platforms.
    platform_id: u32,
    ref_len: u8,
    /// `None`: the stored row could not be read; reads of it fail.
    status: Option<AccountStatus>,
    assurance: Option<Assurance>,
    /// The key that made `signature`, as a position in [`Table::kids`];
    /// [`NO_SIGNATURE`] when the row has none.
    kid: u8,
}

const NO_SIGNATURE: u8 = u8::MAX;

/// A stored time to the microsecond (as the database keeps it) in 8 bytes,
/// `i64::MIN` for none: an `Option<NaiveDateTime>` takes 16.
#[derive(Clone, Copy)]
struct Micros(i64);

impl Micros {
    fn of(time: Option<NaiveDateTime>) -> Self {
        Self(time.map_or(i64::MIN, |t| t.and_utc().timestamp_micros()))
    }

    fn get(self) -> Option<NaiveDateTime> {
        (self.0 != i64::MIN).then(|| chrono::DateTime::from_timestamp_micros(self.0)).flatten().map(|t| t.naive_utc())
    }
}

impl Row {
    /// The stored row checked; an unreadable one keeps its key, so that
    /// reads of that account fail instead of showing what it was before.
    /// `None` for a ref longer than any a read can name (readable ones have
    /// at most `AccountRef::MAX_LEN`, 128 bytes).
    fn new(stored: &StoredStatus, kids: &mut Vec<Arc<str>>) -> Option<Self> {
        let checked = stored
            .checked()
            .inspect_err(|column| {
                tracing::error!(
                    platform.id = stored.platform_id.get(),
                    account.version = stored.version,
                    column,
                    "an account's stored status cannot be read; reads of it fail until it is written again"
                );
            })
            .ok();
        let ref_len = u8::try_from(stored.account_ref.len()).ok()?;
        let platform_id = u32::try_from(stored.platform_id.get()).ok()?;
        let handle = checked.as_ref().map_or("", |row| row.handle.as_str());
        let signed = checked.as_ref().and_then(|row| row.statement.as_ref());
        let kid = signed.and_then(|signed| {
            let position = kids.iter().position(|kid| *kid == signed.kid).unwrap_or_else(|| {
                kids.push(signed.kid.clone());
                kids.len() - 1
            });
            u8::try_from(position).ok().filter(|k| *k != NO_SIGNATURE)
        });
        Some(Self {
            text: format!("{}{handle}", stored.account_ref).into_boxed_str(),
            seq: stored.seq,
            version: stored.version,
            deadline: Micros::of(stored.deadline),
            below_since: Micros::of(stored.below_since),
            status_changed_at: Micros::of(Some(stored.status_changed_at)),
            signature: signed.map_or([0; 64], |signed| signed.bytes),
            platform_id,
            ref_len,
            status: checked.as_ref().map(|row| row.status),
            assurance: checked.as_ref().and_then(|row| row.assurance),
            kid: kid.unwrap_or(NO_SIGNATURE),
        })
    }

    fn platform_id(&self) -> PlatformId {
        PlatformId::new(i64::from(self.platform_id))
    }

    fn account_ref(&self) -> &str {
        &self.text[..usize::from(self.ref_len)]
    }

    /// The stored row again, for the account `account_ref` (which is this row's).
    fn status_row(&self, account_ref: &AccountRef, kids: &[Arc<str>]) -> Result<StatusRow, Unreadable> {
        let status = self.status.ok_or(Unreadable)?;
        Ok(StatusRow {
            account_ref: account_ref.clone(),
            handle: Handle::kept(&self.text[usize::from(self.ref_len)..]),
            status,
            assurance: self.assurance,
            deadline: self.deadline.get(),
            below_since: self.below_since.get(),
            status_changed_at: self.status_changed_at.get().ok_or(Unreadable)?,
            seq: self.seq,
            statement: kids
                .get(usize::from(self.kid))
                .map(|kid| StoredSignature { kid: kid.clone(), bytes: self.signature }),
        })
    }
}

/// A stored account row that does not hold valid values (written by hand,
/// or by a version of the registry that knows values this one does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the account's stored status cannot be read")]
pub struct Unreadable;

/// The rows, and an index of them by (platform, account ref) that holds only
/// positions: the keys live once, in the rows.
#[derive(Default)]
struct Table {
    rows: Vec<Row>,
    index: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// The highest version applied, and which account it belongs to.
    version: i64,
    newest: Option<(PlatformId, String, i64)>,
    /// The ids of the keys that signed the rows' statements (a handful: one per key rotation).
    kids: Vec<Arc<str>>,
}

impl Table {
    fn hash(&self, platform_id: PlatformId, account_ref: &str) -> u64 {
        self.hasher.hash_one((platform_id.get(), account_ref))
    }

    fn position(&self, platform_id: PlatformId, account_ref: &str) -> Option<usize> {
        let rows = &self.rows;
        let found = self.index.find(self.hash(platform_id, account_ref), |&i| {
            let row = &rows[i as usize];
            row.platform_id() == platform_id && row.account_ref() == account_ref
        });
        found.map(|&i| i as usize)
    }

    /// Takes each row unless the table already shows a newer version of its
    /// account: catch-ups that overlap can apply in any order.
    fn apply(&mut self, stored: &[StoredStatus]) {
        for account in stored {
            if account.version > self.version {
                self.version = account.version;
                self.newest = Some((account.platform_id, account.account_ref.clone(), account.seq));
            }
            let Some(row) = Row::new(account, &mut self.kids) else { continue };
            match self.position(account.platform_id, row.account_ref()) {
                Some(i) if self.rows[i].version < row.version => self.rows[i] = row,
                Some(_) => {}
                None => {
                    let hash = self.hash(account.platform_id, row.account_ref());
                    // Four billion accounts would not fit in memory anyway.
                    let position = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
                    self.rows.push(row);
                    let (rows, hasher) = (&self.rows, &self.hasher);
                    self.index.insert_unique(hash, position, |&i| {
                        let row = &rows[i as usize];
                        hasher.hash_one((row.platform_id().get(), row.account_ref()))
                    });
                }
            }
        }
    }
}

/// What every status read on this node is answered from.
#[derive(Default)]
pub struct StatusMirror {
    table: RwLock<Table>,
    /// Set once the first load finished; until then reads are refused and
    /// `/readyz` says not ready.
    loaded: AtomicBool,
}

impl StatusMirror {
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// The highest version this node has applied.
    pub fn version(&self) -> i64 {
        self.read().version
    }

    /// How many accounts it holds.
    pub fn len(&self) -> usize {
        self.read().rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The platform's account `account_ref`, as last written.
    pub fn get(&self, platform_id: PlatformId, account_ref: &AccountRef) -> Result<Option<StatusRow>, Unreadable> {
        let table = self.read();
        table
            .position(platform_id, account_ref.as_str())
            .map(|i| table.rows[i].status_row(account_ref, &table.kids))
            .transpose()
    }

    /// [`StatusMirror::get`] for many refs under one lock; unknown refs are left out.
    pub fn get_many<'a>(
        &self,
        platform_id: PlatformId,
        refs: impl IntoIterator<Item = &'a AccountRef>,
    ) -> Result<Vec<StatusRow>, Unreadable> {
        let table = self.read();
        refs.into_iter()
            .filter_map(|r| table.position(platform_id, r.as_str()).map(|i| table.rows[i].status_row(r, &table.kids)))
            .collect()
    }

    /// Applies every account written since the last catch-up; returns how
    /// many. Holds no lock while it queries: a stalled connection stalls
    /// only its own caller, and catch-ups that overlap are harmless.
    pub fn catch_up(&self, conn: &mut DbConnection) -> Result<usize, DbError> {
        let mut applied = 0;
        loop {
            let changed = repo::changed_since(conn, self.version(), PAGE)?;
            if !changed.is_empty() {
                self.table.write().unwrap_or_else(PoisonError::into_inner).apply(&changed);
            }
            applied += changed.len();
            if changed.len() < PAGE as usize {
                return Ok(applied);
            }
        }
    }

    /// After a use case ran on `conn`: shows what it wrote. A failure is left
    /// to the background follower, which retries.
    pub fn catch_up_after_use(&self, conn: &mut DbConnection) {
        if self.is_loaded()
            && let Err(e) = self.catch_up(conn)
        {
            tracing::warn!(error = %e, "status mirror could not catch up; the background follower will");
        }
    }

    /// Whether the database still holds, as its newest version, the row
    /// this mirror took as its newest. It does not after a failover to a
    /// replica that lost the last commits, or a restore of an older backup:
    /// then new writes can reuse versions the mirror has passed.
    fn agrees_with(&self, conn: &mut DbConnection) -> Result<bool, DbError> {
        let (version, newest) = {
            let table = self.read();
            (table.version, table.newest.clone())
        };
        let Some((platform_id, account_ref, seq)) = newest else { return Ok(true) };
        let stored = repo::changed_since(conn, version - 1, 1)?;
        Ok(match stored.first() {
            None => false, // every version the mirror has is gone
            Some(row) if row.version == version => {
                (row.platform_id, &row.account_ref, row.seq) == (platform_id, &account_ref, seq)
            }
            // That account was written again since: the next catch-up takes it.
            Some(_) => true,
        })
    }

    /// Loads everything again beside the current table, then swaps.
    fn reload(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        let mut fresh = Table::default();
        loop {
            let page = repo::changed_since(conn, fresh.version, PAGE)?;
            fresh.apply(&page);
            if page.len() < PAGE as usize {
                break;
            }
        }
        *self.table.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Loads `mirror` and keeps it up to date, on one of `threads` with a
/// connection of its own, until `threads` are stopped.
pub fn follow(threads: &mut Threads, mirror: &Arc<StatusMirror>, url: DatabaseUrl) -> std::io::Result<()> {
    let mirror = mirror.clone();
    threads.spawn("status-mirror".into(), move |stop| Follower::new(url).run(&mirror, &stop))
}

struct Follower {
    manager: ConnectionManager,
    conn: Option<DbConnection>,
    /// Whether the last attempt failed, so a lasting outage is logged once.
    failing: bool,
}

impl Follower {
    fn new(url: DatabaseUrl) -> Self {
        Self { manager: ConnectionManager::new(url), conn: None, failing: false }
    }

    fn run(mut self, mirror: &StatusMirror, stop: &Stop) {
        while !stop.requested() {
            match self.step(mirror) {
                Ok(()) => self.failing = false,
                Err(e) => {
                    if !self.failing {
                        tracing::warn!(error = %e, "status mirror cannot follow the database; retrying");
                    }
                    self.failing = true;
                    self.conn = None;
                }
            }
            self.wait(stop);
        }
    }

    /// Catches up, connecting (and on PostgreSQL listening) first if needed.
    fn step(&mut self, mirror: &StatusMirror) -> Result<(), DbError> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(connect(&self.manager)?),
        };
        let applied = mirror.catch_up(conn)?;
        if !mirror.loaded.swap(true, Ordering::AcqRel) {
            tracing::info!(accounts = mirror.len(), "status mirror loaded");
        } else if applied > 0 {
            tracing::debug!(accounts = applied, "status mirror caught up");
        } else if !mirror.agrees_with(conn)? {
            tracing::warn!(
                "the database's newest account is not the status mirror's (a failover or a restore?); reloading"
            );
            mirror.reload(conn)?;
        }
        Ok(())
    }

    /// Until a notification comes, the next poll is due or a stop is asked for.
    fn wait(&mut self, stop: &Stop) {
        if self.failing {
            stop.sleep(FALLBACK_POLL);
            return;
        }
        let Some(DbConnection::Postgresql(pg)) = &mut self.conn else {
            stop.sleep(SQLITE_POLL);
            return;
        };
        let until = Instant::now() + FALLBACK_POLL;
        while Instant::now() < until {
            let next = pg.notifications_iter().next();
            match next {
                Some(Ok(_)) => {
                    // One catch-up answers every notification waiting.
                    pg.notifications_iter().for_each(drop);
                    return;
                }
                Some(Err(_)) => return, // the connection broke: the next step says so
                None if stop.sleep(NOTIFICATION_CHECK) => return,
                None => {}
            }
        }
    }
}

/// The follower's own connection; on PostgreSQL listening, and with a
/// statement timeout, so a query that hangs ends in an error and a retry.
fn connect(manager: &ConnectionManager) -> Result<DbConnection, DbError> {
    let mut conn = manager.establish()?;
    if let DbConnection::Postgresql(pg) = &mut conn {
        diesel::sql_query("SET statement_timeout = '30s'").execute(pg)?;
        diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(pg)?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(platform: i64, account_ref: &str, handle: &str, version: i64, status: &str) -> StoredStatus {
        StoredStatus {
            platform_id: PlatformId::new(platform),
            version,
            account_ref: account_ref.to_owned(),
            handle: handle.to_owned(),
            status: status.to_owned(),
            assurance: None,
            deadline: None,
            below_since: None,
            status_changed_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
            seq: version,
            statement_key: Some(format!("key-{}", version % 2)),
            statement_signature: Some(vec![version as u8; 64]),
        }
    }

    fn acc(account_ref: &str) -> AccountRef {
        AccountRef::parse(account_ref).unwrap()
    }

    #[test]
    fn a_row_stays_small() {
        assert!(std::mem::size_of::<Row>() <= 128, "{} bytes", std::mem::size_of::<Row>());
    }

    #[test]
    fn rows_are_found_by_platform_and_ref_and_replaced_by_newer_versions_only() {
        let mirror = StatusMirror::default();
        let mut table = mirror.table.write().unwrap();
        table.apply(&[stored(1, "acc-1", "@one", 1, "required"), stored(2, "acc-1", "@other", 2, "not_required")]);
        table.apply(&[stored(1, "acc-1", "@renamed", 4, "verified")]);
        // A catch-up that fetched earlier and applies late changes nothing.
        table.apply(&[stored(1, "acc-1", "@one", 3, "overdue")]);
        drop(table);
        let mine = mirror.get(PlatformId::new(1), &acc("acc-1")).unwrap().unwrap();
        assert_eq!((mine.status, mine.handle.as_str(), mine.seq), (AccountStatus::Verified, "@renamed", 4));
        let signed = mine.statement.unwrap();
        assert_eq!((&*signed.kid, signed.bytes), ("key-0", [4; 64]), "the signature of the version shown");
        let theirs = mirror.get(PlatformId::new(2), &acc("acc-1")).unwrap().unwrap();
        assert_eq!((theirs.status, theirs.handle.as_str()), (AccountStatus::NotRequired, "@other"));
        assert_eq!(mirror.get(PlatformId::new(3), &acc("acc-1")), Ok(None), "a platform sees only its own accounts");
        assert_eq!((mirror.len(), mirror.version()), (2, 4));
        let many = mirror.get_many(PlatformId::new(1), &[acc("acc-1"), acc("acc-2")]).unwrap();
        assert_eq!(many.len(), 1);
    }

    #[test]
    fn an_unreadable_row_fails_reads_of_its_account_only() {
        let mirror = StatusMirror::default();
        let mut table = mirror.table.write().unwrap();
        table.apply(&[stored(1, "acc-1", "@one", 1, "required"), stored(1, "acc-2", "@two", 2, "required")]);
        table.apply(&[stored(1, "acc-1", &"x".repeat(500), 3, "required"), stored(1, "acc-3", "@h", 4, "fictional")]);
        table.apply(&[stored(1, "acc-4", "@four", 5, "verified")]);
        drop(table);
        assert_eq!(mirror.get(PlatformId::new(1), &acc("acc-1")), Err(Unreadable), "not what it was before");
        assert_eq!(mirror.get(PlatformId::new(1), &acc("acc-3")), Err(Unreadable));
        assert!(mirror.get(PlatformId::new(1), &acc("acc-2")).unwrap().is_some());
        assert_eq!(mirror.get(PlatformId::new(1), &acc("acc-4")).unwrap().unwrap().status, AccountStatus::Verified);
        assert_eq!(mirror.version(), 5, "later changes still arrive");
    }

    #[test]
    fn thousands_of_accounts_are_each_found() {
        let mirror = StatusMirror::default();
        let rows: Vec<_> = (0..5000).map(|i| stored(i % 4, &format!("acc-{i}"), "@h", i + 1, "required")).collect();
        mirror.table.write().unwrap().apply(&rows);
        for i in 0..5000 {
            let found = mirror.get(PlatformId::new(i % 4), &acc(&format!("acc-{i}"))).unwrap();
            assert_eq!(found.map(|r| r.seq), Some(i + 1));
        }
    }
}
