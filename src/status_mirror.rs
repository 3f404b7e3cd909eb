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

use crate::config::DatabaseUrl;
use crate::db::repo::accounts::{self as repo, StatusRow, VersionedStatus};
use crate::db::{ConnectionManager, DbConnection, DbError};
use crate::domain::{AccountRef, AccountStatus, Assurance, Handle, PlatformId};
use chrono::NaiveDateTime;
use diesel::RunQueryDsl;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
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

/// One account as a read shows it, packed: 1,000,000 take about 110 MB.
struct Row {
    platform_id: PlatformId,
    /// The account ref, then the handle: one allocation instead of two.
    text: Box<str>,
    ref_len: u8,
    status: AccountStatus,
    assurance: Option<Assurance>,
    deadline: Option<NaiveDateTime>,
    below_since: Option<NaiveDateTime>,
    status_changed_at: NaiveDateTime,
    seq: i64,
}

impl Row {
    fn new(platform_id: PlatformId, row: StatusRow) -> Self {
        let account_ref = row.account_ref.as_str();
        // At most `AccountRef::MAX_LEN` (128) bytes.
        let ref_len = u8::try_from(account_ref.len()).unwrap_or(u8::MAX);
        Self {
            platform_id,
            text: format!("{account_ref}{}", row.handle.as_str()).into_boxed_str(),
            ref_len,
            status: row.status,
            assurance: row.assurance,
            deadline: row.deadline,
            below_since: row.below_since,
            status_changed_at: row.status_changed_at,
            seq: row.seq,
        }
    }

    fn account_ref(&self) -> &str {
        &self.text[..usize::from(self.ref_len)]
    }

    /// The stored row again, for the account `account_ref` (which is this row's).
    fn status_row(&self, account_ref: &AccountRef) -> StatusRow {
        StatusRow {
            account_ref: account_ref.clone(),
            handle: Handle::kept(&self.text[usize::from(self.ref_len)..]),
            status: self.status,
            assurance: self.assurance,
            deadline: self.deadline,
            below_since: self.below_since,
            status_changed_at: self.status_changed_at,
            seq: self.seq,
        }
    }
}

/// The rows, and an index of them by (platform, account ref) that holds only
/// positions: the keys live once, in the rows.
#[derive(Default)]
struct Table {
    rows: Vec<Row>,
    index: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// The highest version applied.
    version: i64,
}

impl Table {
    fn hash(&self, platform_id: PlatformId, account_ref: &str) -> u64 {
        self.hasher.hash_one((platform_id.get(), account_ref))
    }

    fn position(&self, platform_id: PlatformId, account_ref: &str) -> Option<usize> {
        let rows = &self.rows;
        let found = self.index.find(self.hash(platform_id, account_ref), |&i| {
            let row = &rows[i as usize];
            row.platform_id == platform_id && row.account_ref() == account_ref
        });
        found.map(|&i| i as usize)
    }

    fn apply(&mut self, changed: Vec<VersionedStatus>) {
        for VersionedStatus { platform_id, version, status } in changed {
            let row = Row::new(platform_id, status);
            match self.position(platform_id, row.account_ref()) {
                Some(i) => self.rows[i] = row,
                None => {
                    let hash = self.hash(platform_id, row.account_ref());
                    // Four billion accounts would not fit in memory anyway.
                    let position = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
                    self.rows.push(row);
                    let (rows, hasher) = (&self.rows, &self.hasher);
                    self.index.insert_unique(hash, position, |&i| {
                        let row = &rows[i as usize];
                        hasher.hash_one((row.platform_id.get(), row.account_ref()))
                    });
                }
            }
            self.version = self.version.max(version);
        }
    }
}

/// What every status read on this node is answered from.
#[derive(Default)]
pub struct StatusMirror {
    table: RwLock<Table>,
    /// One catch-up at a time: each fetches what is newer than the last.
    catching_up: Mutex<()>,
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
    pub fn get(&self, platform_id: PlatformId, account_ref: &AccountRef) -> Option<StatusRow> {
        let table = self.read();
        let i = table.position(platform_id, account_ref.as_str())?;
        Some(table.rows[i].status_row(account_ref))
    }

    /// [`StatusMirror::get`] for many refs under one lock; unknown refs are left out.
    pub fn get_many<'a>(
        &self,
        platform_id: PlatformId,
        refs: impl IntoIterator<Item = &'a AccountRef>,
    ) -> Vec<StatusRow> {
        let table = self.read();
        refs.into_iter()
            .filter_map(|r| table.position(platform_id, r.as_str()).map(|i| table.rows[i].status_row(r)))
            .collect()
    }

    /// Applies every account written since the last catch-up; returns how many.
    pub fn catch_up(&self, conn: &mut DbConnection) -> Result<usize, DbError> {
        let _one_at_a_time = self.catching_up.lock().unwrap_or_else(PoisonError::into_inner);
        let mut applied = 0;
        loop {
            let changed = repo::changed_since(conn, self.version(), PAGE)?;
            let fetched = changed.len();
            if fetched > 0 {
                self.table.write().unwrap_or_else(PoisonError::into_inner).apply(changed);
            }
            applied += fetched;
            if fetched < PAGE as usize {
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

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Loads `mirror` and keeps it up to date, on a thread of its own with a
/// connection of its own, until the mirror is dropped.
pub fn follow(mirror: &Arc<StatusMirror>, url: DatabaseUrl) -> std::io::Result<()> {
    let mirror = Arc::downgrade(mirror);
    std::thread::Builder::new().name("status-mirror".into()).spawn(move || Follower::new(url).run(&mirror))?;
    Ok(())
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

    fn run(mut self, mirror: &Weak<StatusMirror>) {
        loop {
            let Some(mirror) = mirror.upgrade() else { return };
            match self.step(&mirror) {
                Ok(()) => self.failing = false,
                Err(e) => {
                    if !self.failing {
                        tracing::warn!(error = %e, "status mirror cannot follow the database; retrying");
                    }
                    self.failing = true;
                    self.conn = None;
                }
            }
            drop(mirror);
            self.wait();
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
        }
        Ok(())
    }

    /// Until a notification comes or the next poll is due.
    fn wait(&mut self) {
        if self.failing {
            std::thread::sleep(FALLBACK_POLL);
            return;
        }
        let Some(DbConnection::Postgresql(pg)) = &mut self.conn else {
            std::thread::sleep(SQLITE_POLL);
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
                None => std::thread::sleep(NOTIFICATION_CHECK),
            }
        }
    }
}

fn connect(manager: &ConnectionManager) -> Result<DbConnection, DbError> {
    let mut conn = manager.establish()?;
    if let DbConnection::Postgresql(pg) = &mut conn {
        diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(pg)?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versioned(
        platform: i64,
        account_ref: &str,
        handle: &str,
        version: i64,
        status: AccountStatus,
    ) -> VersionedStatus {
        VersionedStatus {
            platform_id: PlatformId::new(platform),
            version,
            status: StatusRow {
                account_ref: AccountRef::parse(account_ref).unwrap(),
                handle: Handle::parse(handle).unwrap(),
                status,
                assurance: None,
                deadline: None,
                below_since: None,
                status_changed_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
                seq: version,
            },
        }
    }

    #[test]
    fn a_row_stays_small() {
        assert!(std::mem::size_of::<Row>() <= 80, "{} bytes", std::mem::size_of::<Row>());
    }

    #[test]
    fn rows_are_found_by_platform_and_ref_and_replaced_by_newer_versions() {
        let mirror = StatusMirror::default();
        let mut table = mirror.table.write().unwrap();
        table.apply(vec![
            versioned(1, "acc-1", "@one", 1, AccountStatus::Required),
            versioned(2, "acc-1", "@other", 2, AccountStatus::NotRequired),
        ]);
        table.apply(vec![versioned(1, "acc-1", "@renamed", 3, AccountStatus::Verified)]);
        drop(table);
        let acc_1 = AccountRef::parse("acc-1").unwrap();
        let mine = mirror.get(PlatformId::new(1), &acc_1).unwrap();
        assert_eq!((mine.status, mine.handle.as_str(), mine.seq), (AccountStatus::Verified, "@renamed", 3));
        let theirs = mirror.get(PlatformId::new(2), &acc_1).unwrap();
        assert_eq!((theirs.status, theirs.handle.as_str()), (AccountStatus::NotRequired, "@other"));
        assert!(mirror.get(PlatformId::new(3), &acc_1).is_none(), "a platform sees only its own accounts");
        assert_eq!((mirror.len(), mirror.version()), (2, 3));
        let many = mirror.get_many(PlatformId::new(1), &[acc_1.clone(), AccountRef::parse("acc-2").unwrap()]);
        assert_eq!(many.len(), 1);
    }

    #[test]
    fn thousands_of_accounts_are_each_found() {
        let mirror = StatusMirror::default();
        let rows = (0..5000).map(|i| versioned(i % 4, &format!("acc-{i}"), "@h", i + 1, AccountStatus::Required));
        mirror.table.write().unwrap().apply(rows.collect());
        for i in 0..5000 {
            let found = mirror.get(PlatformId::new(i % 4), &AccountRef::parse(&format!("acc-{i}")).unwrap());
            assert_eq!(found.map(|r| r.seq), Some(i + 1));
        }
    }
}
