use crate::helpers::{TestDb, audit_event, migration_versions};
use chrono::Utc;
use diesel::RunQueryDsl;
use registry::audit;
use registry::db::{self, DbError, write_tx};

const TABLES: [&str; 16] = [
    "platforms",
    "accounts",
    "status_changes",
    "identities",
    "identity_fields",
    "account_identities",
    "officials",
    "sessions",
    "owner_sessions",
    "outbox",
    "pending_identifications",
    "owner_tokens",
    "access_requests",
    "disclosures",
    "audit_log",
    "checkpoints",
];

#[test]
fn migrations_create_every_table_once() {
    let test_db = TestDb::new();
    let applied = db::migrate(&test_db.url).unwrap();
    assert_eq!(applied, migration_versions());
    assert!(db::migrate(&test_db.url).unwrap().is_empty(), "a second run applies nothing");
    let pool = test_db.pool();
    let mut conn = pool.get().unwrap();
    for table in TABLES {
        diesel::sql_query(format!("SELECT 1 FROM {table} LIMIT 0"))
            .execute(&mut *conn)
            .unwrap_or_else(|e| panic!("table {table}: {e}"));
    }
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |backend: &str| {
        let mut names: Vec<_> = std::fs::read_dir(format!("migrations/{backend}"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(!names("sqlite").is_empty());
}

#[test]
fn foreign_keys_are_enforced() {
    let test_db = TestDb::new();
    let pool = test_db.pool();
    let mut conn = pool.get().unwrap();
    let orphan = diesel::sql_query(
        "INSERT INTO account_identities (account_id, identity_id, linked_at) VALUES (41, 42, '2026-11-23 10:00:00')",
    )
    .execute(&mut *conn);
    assert!(orphan.is_err(), "a link to rows that do not exist must be rejected");
}

#[test]
fn a_migration_that_leaves_a_dangling_reference_is_refused() {
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
    let test_db = TestDb::new();
    let registry::config::DatabaseUrl::Sqlite(path) = &test_db.url else {
        return; // PostgreSQL never lets foreign keys go unchecked.
    };
    // Every migration but the last, then a link to an account and an identity
    // that do not exist, as a careless rebuild of a table could leave.
    let mut conn = <diesel::SqliteConnection as diesel::Connection>::establish(&path.to_string_lossy()).unwrap();
    let all = MigrationHarness::pending_migrations(&mut conn, MIGRATIONS).unwrap().len();
    for _ in 1..all {
        conn.run_next_migration(MIGRATIONS).unwrap();
    }
    diesel::connection::SimpleConnection::batch_execute(&mut conn, "PRAGMA foreign_keys = OFF").unwrap();
    diesel::sql_query(
        "INSERT INTO account_identities (account_id, identity_id, linked_at) VALUES (41, 42, '2026-11-23 10:00:00')",
    )
    .execute(&mut conn)
    .unwrap();
    let refused = db::migrate(&test_db.url).unwrap_err();
    assert_eq!(refused.to_string(), "database migration failed: 2 reference(s) point to rows that do not exist");
    assert_eq!(MigrationHarness::pending_migrations(&mut conn, MIGRATIONS).unwrap().len(), 1, "nothing was applied");
    assert!(db::migrate(&test_db.url).is_err(), "and the next start is refused again");
}

#[test]
fn a_failed_write_transaction_leaves_nothing_behind() {
    let test_db = TestDb::new();
    let pool = test_db.pool();
    let mut conn = pool.get().unwrap();
    let result: Result<(), DbError> = write_tx(&mut conn, |conn| {
        audit::append(conn, &audit_event("first"), Utc::now())?;
        Err(DbError::NotFound("something the second step needed"))
    });
    assert!(result.is_err());
    let head = audit::verify(&mut conn).unwrap().unwrap();
    assert_eq!(head.entries, 0);
}

#[test]
fn concurrent_write_transactions_all_commit() {
    let test_db = TestDb::new();
    let pool = test_db.pool();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let mut conn = pool.get().unwrap();
                    write_tx(&mut conn, |conn| audit::append(conn, &audit_event(&format!("{t}-{i}")), Utc::now()))
                        .unwrap_or_else(|e| panic!("writer {t} append {i}: {e}"));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let mut conn = pool.get().unwrap();
    assert_eq!(audit::verify(&mut conn).unwrap().unwrap().entries, 100);
}
