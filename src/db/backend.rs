//! The statements that differ between SQLite and PostgreSQL, in one place:
//! connection set-up, migrations, write transactions, the locks that order
//! writers, and sequence upkeep. Everything else is written once against
//! [`DbConnection`].

use super::{DbConnection, DbError};
use crate::crypto::jws::StatusKey;
use crate::domain::{EndpointId, PlatformId};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Every SQLite connection's settings. `busy_timeout` first, so that
/// switching to WAL waits for other connections; `mmap`: reads of a large
/// registry come from the page cache without a system call each;
/// `secure_delete`: deleted and overwritten content is zeroed in its page,
/// so a shredded record's blind index and wrapped key leave no bytes behind.
pub(super) fn configure_sqlite(conn: &mut diesel::SqliteConnection) -> QueryResult<()> {
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON; PRAGMA mmap_size = 4294967296; PRAGMA secure_delete = ON;",
    )
}

/// After records were crypto-shredded: on SQLite the write-ahead log, which
/// still holds the pages as they were, is copied into the (zeroed) database
/// and truncated; on PostgreSQL the tables that held sealed data are
/// vacuumed, so the dead row versions stop being reachable (their bytes stay
/// on disk until the space is reused: see the README).
pub fn forget_shredded(conn: &mut DbConnection) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?,
        DbConnection::Postgresql(pg) => pg.batch_execute(
            "VACUUM identities, identity_fields, pending_identifications, owner_tokens, outbox, access_requests;",
        )?,
    }
    Ok(())
}

/// Applies every pending migration and returns the versions applied.
///
/// On SQLite they run with foreign keys off, as a migration that rebuilds a
/// parent table (create, copy, drop, rename) must, and in one transaction
/// with a check of the whole database for dangling references: a migration
/// that would leave one is refused, and nothing of the run is applied.
pub(super) fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let migration_error = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    let versions = |applied: Vec<diesel::migration::MigrationVersion<'_>>| -> Vec<String> {
        applied.iter().map(ToString::to_string).collect()
    };
    match conn {
        DbConnection::Postgresql(pg) => {
            Ok(versions(pg.run_pending_migrations(POSTGRES_MIGRATIONS).map_err(migration_error)?))
        }
        DbConnection::Sqlite(sqlite) => {
            // Not changeable inside a transaction: off before, on again after.
            sqlite.batch_execute("PRAGMA foreign_keys = OFF")?;
            // One transaction for all of them and the check, so that a refusal leaves nothing applied.
            let migrated = sqlite.transaction(|sqlite| {
                let applied = versions(sqlite.run_pending_migrations(SQLITE_MIGRATIONS).map_err(migration_error)?);
                // A full scan: only after migrations that may have rebuilt a table.
                if !applied.is_empty() {
                    let dangling = diesel::sql_query("SELECT COUNT(*) AS n FROM pragma_foreign_key_check")
                        .get_result::<Count>(sqlite)?
                        .n;
                    if dangling > 0 {
                        let problem = format!("{dangling} reference(s) point to rows that do not exist");
                        return Err(DbError::Migration(problem));
                    }
                }
                Ok(applied)
            });
            sqlite.batch_execute("PRAGMA foreign_keys = ON")?;
            migrated
        }
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Runs `f` in a write transaction: committed if it returns `Ok`, rolled
/// back if it returns `Err`.
///
/// On SQLite this is `BEGIN IMMEDIATE`: a deferred transaction that reads and
/// then writes cannot upgrade its lock under contention, and the busy timeout
/// does not retry that upgrade. Not nestable; inside `f`, `conn.transaction`
/// makes a savepoint.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DbError>,
{
    let _queued = matches!(conn, DbConnection::Sqlite(_))
        .then(|| SQLITE_WRITERS.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    begin_write(conn).map_err(DbError::from)?;
    match f(conn) {
        Ok(value) => {
            crate::db_run!(conn => AnsiTransactionManager::commit_transaction(conn)).map_err(DbError::from)?;
            Ok(value)
        }
        Err(error) => match crate::db_run!(conn => AnsiTransactionManager::rollback_transaction(conn)) {
            // A connection whose transaction state is lost is thrown away by the pool.
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(DbError::from(rollback).into()),
        },
    }
}

/// SQLite write transactions of this process wait here, in turn, before
/// `BEGIN IMMEDIATE`. Left to SQLite, a writer that finds the lock taken
/// sleeps in its busy handler and retries (up to 100 ms at a time): with four
/// platforms reporting at once, a report's p99 came near a second. A mutex
/// hands the lock on as soon as it is free. Writers in other processes (the
/// command line) still wait in the busy handler. Not nestable, as
/// `write_tx` is not.
static SQLITE_WRITERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn begin_write(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Postgresql(pg) => AnsiTransactionManager::begin_transaction(pg),
        DbConnection::Sqlite(sqlite) => AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE"),
    }
}

/// Serialises writers of the change feed and of accounts, so that rows commit
/// in `seq` and `version` order and a reader never skips one committed late.
/// Call first in any write transaction that writes an account, records
/// status changes or links an account to an identity: the repository's
/// account writes take the returned [`FeedTx`], so none can be written
/// without it. SQLite's `BEGIN IMMEDIATE` already serialises writers. On
/// PostgreSQL it also tells every node's status mirror, at commit, that
/// accounts may have changed (nothing is sent if the transaction rolls back).
///
/// Status changes recorded in the transaction are signed with `status_key`,
/// which is published (listed in the key set) in the same transaction: no
/// statement can be read before its key is.
pub fn lock_feed(conn: &mut DbConnection, status_key: StatusKey) -> Result<FeedTx<'_>, DbError> {
    if let DbConnection::Postgresql(pg) = conn {
        let lock = format!("SELECT pg_advisory_xact_lock(7301), pg_notify('{}', '')", crate::status_mirror::CHANNEL);
        diesel::sql_query(lock).execute(pg)?;
    }
    crate::db::repo::status_keys::publish(conn, &status_key)?;
    let last = crate::db::schema::accounts::table
        .select(diesel::dsl::max(crate::db::schema::accounts::version))
        .first::<Option<i64>>(conn)?;
    Ok(FeedTx { conn, next_version: last.unwrap_or(0) + 1, seqs: 0..0, block: 1, status_key, platforms: Vec::new() })
}

/// The most `seq` values a feed transaction reserves at once on PostgreSQL.
const SEQ_BLOCK: i64 = 64;

/// The next `count` values of `status_changes.seq` (see [`FeedTx::next_seq`]).
fn reserve_seqs(conn: &mut DbConnection, count: i64) -> Result<std::ops::Range<i64>, DbError> {
    use crate::db::schema::status_changes;
    match conn {
        DbConnection::Postgresql(pg) => {
            #[derive(QueryableByName)]
            struct First {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                first: i64,
            }
            let sequence = "pg_get_serial_sequence('status_changes', 'seq')";
            let first =
                diesel::sql_query(format!("SELECT setval({sequence}, nextval({sequence}) + $1 - 1) - $1 + 1 AS first"))
                    .bind::<diesel::sql_types::BigInt, _>(count)
                    .get_result::<First>(pg)?
                    .first;
            Ok(first..first + count)
        }
        // The only writer: every value from MAX + 1 on is this transaction's.
        DbConnection::Sqlite(sqlite) => {
            let last =
                status_changes::table.select(diesel::dsl::max(status_changes::seq)).first::<Option<i64>>(sqlite)?;
            Ok(last.unwrap_or(0) + 1..i64::MAX)
        }
    }
}

/// A write transaction that holds the feed lock ([`lock_feed`]). It is a
/// connection (it dereferences to one) that also hands out the accounts'
/// versions, in order: one `MAX` per transaction, and every version unique
/// and committed in order because no other writer holds the lock meanwhile;
/// and it signs the status changes recorded in it, handing out their `seq`
/// before they are inserted ([`FeedTx::next_seq`]).
pub struct FeedTx<'c> {
    conn: &'c mut DbConnection,
    next_version: i64,
    /// `seq` values reserved and not handed out yet.
    seqs: std::ops::Range<i64>,
    /// How many to reserve next time.
    block: i64,
    status_key: StatusKey,
    /// The platforms whose changes were recorded: their slugs (statements
    /// name them) and webhook endpoints (changes are queued for them), looked up once.
    platforms: Vec<(PlatformId, String, Vec<EndpointId>)>,
}

impl FeedTx<'_> {
    /// The version for the next account written in this transaction.
    pub fn next_version(&mut self) -> i64 {
        let version = self.next_version;
        self.next_version += 1;
        version
    }

    /// The `seq` of the next status change recorded in this transaction,
    /// known before the change is inserted so that it is signed and
    /// inserted in one statement. On PostgreSQL the values come from the
    /// column's sequence, reserved in blocks that double up to
    /// [`SEQ_BLOCK`] (a transaction of one change takes one value; a large
    /// report a few statements and leaves at most a block's gap): so `seq`
    /// is never reused, even after a failover that lost commits. On SQLite,
    /// one writer and `AUTOINCREMENT`: `MAX + 1`, counting on.
    pub fn next_seq(&mut self) -> Result<i64, DbError> {
        if self.seqs.is_empty() {
            self.seqs = reserve_seqs(self.conn, self.block)?;
            self.block = (self.block * 2).min(SEQ_BLOCK);
        }
        let seq = self.seqs.start;
        self.seqs.start += 1;
        Ok(seq)
    }

    pub fn status_key(&self) -> &StatusKey {
        &self.status_key
    }

    /// The platform's slug, as statements name it.
    pub fn platform_slug(&mut self, id: PlatformId) -> Result<String, DbError> {
        Ok(self.platform(id)?.0.to_owned())
    }

    /// The platform's slug and enabled webhook endpoints.
    pub fn platform(&mut self, id: PlatformId) -> Result<(&str, &[EndpointId]), DbError> {
        let position = match self.platforms.iter().position(|(known, ..)| *known == id) {
            Some(i) => i,
            None => {
                let slug: String = crate::db::schema::platforms::table
                    .find(id)
                    .select(crate::db::schema::platforms::slug)
                    .first(self.conn)?;
                let endpoints = crate::db::repo::webhooks::enabled_for(self.conn, id)?;
                self.platforms.push((id, slug, endpoints));
                self.platforms.len() - 1
            }
        };
        let (_, slug, endpoints) = &self.platforms[position];
        Ok((slug, endpoints))
    }
}

impl std::ops::Deref for FeedTx<'_> {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl std::ops::DerefMut for FeedTx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// The database server's clock, in UTC: what nodes compare when they share
/// rows about time (job claims), so that skew between their own clocks does
/// not matter.
pub fn database_now(conn: &mut DbConnection) -> Result<chrono::DateTime<chrono::Utc>, DbError> {
    #[derive(QueryableByName)]
    struct Now {
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        now: chrono::NaiveDateTime,
    }
    let now: Now = match conn {
        DbConnection::Postgresql(pg) => {
            diesel::sql_query("SELECT CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP) AS now").get_result(pg)?
        }
        DbConnection::Sqlite(sqlite) => {
            diesel::sql_query("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') AS now").get_result(sqlite)?
        }
    };
    Ok(now.now.and_utc())
}

/// Makes the caller's transaction the only one appending to the audit log
/// until it ends, so a check made before appending (a daily limit) cannot
/// race another official action. SQLite's `BEGIN IMMEDIATE` already
/// serialises writers.
pub fn serialize_appenders(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("LOCK TABLE audit_log IN EXCLUSIVE MODE").execute(pg)?;
    }
    Ok(())
}

/// Makes the caller's transaction the only one growing the audit log's
/// Merkle tree (readers of tree heads and tiles are not held off). SQLite's
/// `BEGIN IMMEDIATE` already serialises writers.
pub fn serialize_tree_writers(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("LOCK TABLE tree_heads IN EXCLUSIVE MODE").execute(pg)?;
    }
    Ok(())
}

/// After rows were inserted with explicit ids (`registry seed`), moves
/// PostgreSQL's identity sequences past them; SQLite's `AUTOINCREMENT`
/// follows the largest id by itself.
pub fn move_sequences_past_inserted_ids(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query(
            "SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT MAX(id) FROM accounts)), \
                    setval(pg_get_serial_sequence('status_changes', 'seq'), (SELECT MAX(seq) FROM status_changes))",
        )
        .execute(pg)?;
    }
    Ok(())
}
