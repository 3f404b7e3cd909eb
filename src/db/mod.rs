//! Storage on SQLite (embedded default) or PostgreSQL, from one codebase.
//!
//! Queries are written once against [`DbConnection`], diesel's
//! `MultiConnection` over both backends. The few diesel statements it cannot
//! express (multi-row insert, upsert) go through [`db_run!`], which compiles
//! the same diesel code once per backend; SQL that differs between the
//! backends (locks, `BEGIN IMMEDIATE`, sequences) lives in [`backend`]. The
//! backend is chosen from the URL scheme, never by diesel's
//! try-each-backend `establish`, which would turn a mistyped PostgreSQL URL
//! into a new SQLite file.

mod backend;
mod columns;
pub mod repo;
pub mod schema;

pub use backend::{
    FeedTx, database_now, forget_shredded, lock_feed, move_sequences_past_inserted_ids, serialize_appenders,
    serialize_tree_writers, write_tx,
};

use crate::config::DatabaseUrl;
use crate::crypto::{CryptoError, KeyId};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use secrecy::ExposeSecret;
use std::time::Duration;

/// One connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs the same diesel code against the concrete backend, for the statements
/// `MultiConnection` cannot express.
#[macro_export]
macro_rules! db_run {
    ($conn:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgresql($conn) => $body,
            $crate::db::DbConnection::Sqlite($conn) => $body,
        }
    };
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// A storage failure. Messages name what failed, never a value from a row.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("cannot create the database directory or file: {0}")]
    Directory(std::io::Error),
    #[error("{0} already exists")]
    AlreadyExists(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored data cannot be decrypted: {0}")]
    Crypto(#[from] CryptoError),
    /// A stored code is not one the code knows: the row was changed outside the registry.
    #[error("unexpected stored value in {0}")]
    Corrupt(&'static str),
}

/// Builds connections of the backend the URL names, with SQLite's pragmas set.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    pub fn establish(&self) -> Result<DbConnection, DbError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                backend::configure_sqlite(&mut conn)?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                Ok(DbConnection::Postgresql(diesel::PgConnection::establish(url.expose_secret())?))
            }
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        self.establish()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        ping(conn)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Applies pending migrations on one connection, then builds the pool.
///
/// Migrating before the pool exists avoids SQLite's start-up race: r2d2 opens
/// connections from background threads, which would contend with the
/// migration's write lock.
pub fn open(url: &DatabaseUrl, pool_size: u32) -> Result<Pool, DbError> {
    migrate(url)?;
    let manager = ConnectionManager::new(url.clone());
    Ok(r2d2::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(Duration::from_secs(10))
        // A ping before every checkout would double the cost of each status
        // read; broken connections are still caught by `has_broken` on return.
        .test_on_check_out(false)
        .build(manager)?)
}

/// A pool of its own for background workers (already migrated), so that
/// they never wait for, nor hold, the connections requests use.
/// Connects when first used: a database that is down at start fails the
/// workers' rounds (logged and retried), not the start.
pub fn worker_pool(url: &DatabaseUrl, pool_size: u32) -> Pool {
    r2d2::Pool::builder()
        .max_size(pool_size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .build_unchecked(ConnectionManager::new(url.clone()))
}

/// Whether a PostgreSQL database holds no tables at all: the only kind a
/// restore writes into.
pub fn postgres_is_empty(url: &secrecy::SecretString) -> Result<bool, DbError> {
    use diesel::Connection;
    use secrecy::ExposeSecret;
    let mut conn = diesel::PgConnection::establish(url.expose_secret())?;
    let tables: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public')",
    ))
    .get_result(&mut conn)?;
    Ok(tables == 0)
}

/// Creates the SQLite directory and file if needed (readable by the
/// service's user only), applies every pending migration on one connection
/// and returns the names of those applied.
pub fn migrate(url: &DatabaseUrl) -> Result<Vec<String>, DbError> {
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(DbError::Directory)?;
        }
        make_private_file(path).map_err(DbError::Directory)?;
    }
    let mut conn = ConnectionManager::new(url.clone()).establish()?;
    let applied = backend::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, backend = url.backend_name(), "applied database migrations");
    }
    Ok(applied)
}

/// Checks that the database answers.
pub fn ping(conn: &mut DbConnection) -> Result<(), DbError> {
    conn.ping().map_err(DbError::Query)
}

/// A timestamp as both backends store it: UTC, microsecond precision
/// (PostgreSQL keeps microseconds; chrono has nanoseconds).
pub fn db_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc().trunc_subsecs(6)
}

/// The current time at storage precision, so that what a response says
/// equals what a later read of the stored row says.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// True when a query failed on a unique constraint.
pub(crate) fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// Master key versions are small positive numbers; the column is a 32-bit integer.
#[expect(clippy::expect_used, reason = "versions grow by one per rotation: 2^31 rotations will not happen")]
pub(crate) fn key_id_to_db(id: KeyId) -> i32 {
    i32::try_from(id.0).expect("master key versions stay far below 2^31")
}

pub(crate) fn key_id_from_db(id: i32) -> KeyId {
    KeyId(id.unsigned_abs())
}

/// Creates the database file with mode 0600, or narrows an existing one to
/// it. SQLite creates its `-wal` and `-shm` files with the main file's mode.
fn make_private_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// Creates a directory (and its parents) readable by the service's user only.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}
