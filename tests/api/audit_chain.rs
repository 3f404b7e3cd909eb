use crate::helpers::{TestDb, audit_event, spawn_app};
use chrono::Utc;
use diesel::RunQueryDsl;
use registry::audit::{self, ChainError};
use registry::db::write_tx;

fn chain_of(n: usize, test_db: &TestDb) -> registry::db::Pool {
    let pool = test_db.pool();
    let mut conn = pool.get().unwrap();
    for i in 0..n {
        write_tx(&mut conn, |conn| audit::append(conn, &audit_event(&i.to_string()), Utc::now())).unwrap();
    }
    pool
}

#[test]
fn an_untouched_chain_verifies() {
    let test_db = TestDb::new();
    let pool = chain_of(5, &test_db);
    let head = audit::verify(&mut pool.get().unwrap()).unwrap().unwrap();
    assert_eq!(head.entries, 5);
    assert_eq!(head.hash.len(), 32);
}

#[test]
fn a_modified_entry_is_named() {
    let test_db = TestDb::new();
    let pool = chain_of(5, &test_db);
    let mut conn = pool.get().unwrap();
    diesel::sql_query("UPDATE audit_log SET details = '{\"note\":\"edited\"}' WHERE seq = 3")
        .execute(&mut *conn)
        .unwrap();
    assert_eq!(audit::verify(&mut conn).unwrap(), Err(ChainError::Modified(3)));
}

#[test]
fn a_deleted_entry_is_named() {
    let test_db = TestDb::new();
    let pool = chain_of(5, &test_db);
    let mut conn = pool.get().unwrap();
    diesel::sql_query("DELETE FROM audit_log WHERE seq = 2").execute(&mut *conn).unwrap();
    assert_eq!(audit::verify(&mut conn).unwrap(), Err(ChainError::Gap { expected: 2, found: 3 }));
}

type Tamper<'a> = dyn FnOnce(&mut registry::db::DbConnection) -> diesel::QueryResult<usize> + 'a;

/// Runs `tamper` on a five-entry chain inside a transaction, verifies, and
/// rolls back, so every case starts from the same intact chain.
fn verify_after(
    conn: &mut registry::db::DbConnection,
    tamper: impl FnOnce(&mut registry::db::DbConnection) -> diesel::QueryResult<usize>,
) -> Result<audit::ChainHead, ChainError> {
    use diesel::Connection;
    let mut outcome = None;
    let rolled_back = conn.transaction::<(), diesel::result::Error, _>(|conn| {
        assert_eq!(tamper(conn)?, 1, "the tampering touched exactly one row");
        outcome = Some(audit::verify(conn).unwrap());
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(matches!(rolled_back, Err(diesel::result::Error::RollbackTransaction)));
    outcome.unwrap()
}

#[test]
fn changing_any_column_of_any_entry_names_that_entry() {
    use diesel::prelude::*;
    use registry::db::schema::audit_log::dsl::*;
    let test_db = TestDb::new();
    let pool = chain_of(5, &test_db);
    let mut conn = pool.get().unwrap();
    let when = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    for n in 1..=5_i64 {
        let row = || audit_log.filter(seq.eq(n));
        let cases: [(&str, ChainError, Box<Tamper<'_>>); 7] = [
            (
                "occurred_at",
                ChainError::Modified(n),
                Box::new(|c| diesel::update(row()).set(occurred_at.eq(when)).execute(c)),
            ),
            (
                "actor",
                ChainError::Modified(n),
                Box::new(|c| diesel::update(row()).set(actor.eq("official:999")).execute(c)),
            ),
            (
                "action",
                ChainError::Modified(n),
                Box::new(|c| diesel::update(row()).set(action.eq("nothing.happened")).execute(c)),
            ),
            (
                "subject",
                ChainError::Modified(n),
                Box::new(|c| diesel::update(row()).set(subject.eq("identity:1")).execute(c)),
            ),
            ("details", ChainError::Modified(n), Box::new(|c| diesel::update(row()).set(details.eq("{}")).execute(c))),
            (
                "prev_hash",
                ChainError::BrokenLink(n),
                Box::new(|c| diesel::update(row()).set(prev_hash.eq(vec![7u8; 32])).execute(c)),
            ),
            (
                "hash",
                ChainError::Modified(n),
                Box::new(|c| diesel::update(row()).set(hash.eq(vec![7u8; 32])).execute(c)),
            ),
        ];
        for (column, expected, tamper) in cases {
            assert_eq!(verify_after(&mut conn, tamper), Err(expected), "{column} of entry {n}");
        }
    }
    assert!(audit::verify(&mut conn).unwrap().is_ok(), "every case was rolled back");
}

#[test]
fn deleting_or_reordering_an_entry_names_the_first_entry_out_of_place() {
    use diesel::prelude::*;
    use registry::db::schema::audit_log::dsl::*;
    let test_db = TestDb::new();
    let pool = chain_of(5, &test_db);
    let mut conn = pool.get().unwrap();
    // Deleting the newest entry leaves a shorter chain that is intact in
    // itself; a signed checkpoint held outside the database exposes it.
    for n in 1..=4_i64 {
        let deleted = verify_after(&mut conn, |c| diesel::delete(audit_log.filter(seq.eq(n))).execute(c));
        assert_eq!(deleted, Err(ChainError::Gap { expected: n, found: n + 1 }), "entry {n} deleted");
    }
    // Swapping an entry with its successor (through a free number, as the
    // primary key forbids duplicates even for a moment).
    for n in 1..=4_i64 {
        let swapped = verify_after(&mut conn, |c| {
            diesel::update(audit_log.filter(seq.eq(n))).set(seq.eq(-1)).execute(c)?;
            diesel::update(audit_log.filter(seq.eq(n + 1))).set(seq.eq(n)).execute(c)?;
            diesel::update(audit_log.filter(seq.eq(-1))).set(seq.eq(n + 1)).execute(c)
        });
        assert_eq!(swapped, Err(ChainError::BrokenLink(n)), "entries {n} and {} swapped", n + 1);
    }
    // Renumbering to close the gap a deletion leaves is caught as well.
    let renumbered = verify_after(&mut conn, |c| {
        diesel::delete(audit_log.filter(seq.eq(3))).execute(c)?;
        diesel::update(audit_log.filter(seq.eq(4))).set(seq.eq(3)).execute(c)?;
        diesel::update(audit_log.filter(seq.eq(5))).set(seq.eq(4)).execute(c)
    });
    assert_eq!(renumbered, Err(ChainError::BrokenLink(3)));
}

#[actix_web::test]
#[should_panic(expected = "the test left an audit chain that does not verify: audit entry 1 was modified")]
async fn a_test_that_leaves_a_broken_audit_chain_fails() {
    use diesel::prelude::*;
    use registry::db::schema::audit_log;
    let app = spawn_app().await;
    app.official("a.requester", "requester").await;
    let mut conn = app.pool.get().unwrap();
    diesel::update(audit_log::table.find(1)).set(audit_log::subject.eq("official:999")).execute(&mut conn).unwrap();
}
