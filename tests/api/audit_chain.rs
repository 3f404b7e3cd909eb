use crate::helpers::TestDb;
use crate::storage::event;
use chrono::Utc;
use diesel::RunQueryDsl;
use registry::audit::{self, ChainError};
use registry::db::write_tx;

fn chain_of(n: usize, test_db: &TestDb) -> registry::db::Pool {
    let pool = test_db.pool();
    let mut conn = pool.get().unwrap();
    for i in 0..n {
        write_tx(&mut conn, |conn| audit::append(conn, &event(&i.to_string()), Utc::now())).unwrap();
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
