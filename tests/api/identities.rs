use crate::helpers::{
    TEST_EMAIL, TEST_IIN, TEST_SURNAME, TestDb, assert_no_personal_data, resident_declaration, store_resident,
};
use registry::db::Pool;

/// A fresh database holding the test resident, stored under fresh keys.
struct Stored {
    db: TestDb,
    pool: Pool,
    keys: KeyRing,
    id: registry::domain::IdentityId,
}

fn stored_resident() -> Stored {
    let db = TestDb::new();
    let pool = db.pool();
    let keys = KeyRing::generate(Utc::now());
    let id = store_resident(&pool, &keys, "R-TEST-0001");
    Stored { db, pool, keys, id }
}
use chrono::Utc;
use diesel::prelude::*;
use registry::crypto::KeyRing;
use registry::db::repo::identities;
use registry::db::schema::{identities as identities_table, identity_fields};
use registry::db::{DbError, write_tx};
use registry::domain::Field;

#[test]
fn an_identity_is_stored_encrypted_and_opens_field_by_field() {
    let Stored { db: test_db, pool, keys, id } = stored_resident();
    let mut conn = pool.get().unwrap();

    let opened =
        identities::open_fields(&mut conn, &keys, id, &[Field::Surname, Field::Iin, Field::BirthDate]).unwrap();
    let opened: Vec<(Field, &str)> = opened.iter().map(|(f, v)| (*f, v.as_str())).collect();
    assert_eq!(opened, [(Field::Surname, TEST_SURNAME), (Field::Iin, TEST_IIN)], "only requested fields that exist");

    let index = keys.blind_indexer().index(&resident_declaration().identifier()).unwrap();
    assert_eq!(identities::find_by_blind_index(&mut conn, &index).unwrap().map(|found| found.id), Some(id));
    drop(conn);
    assert_no_personal_data(&test_db.raw_contents(), "the database");
}

#[test]
fn the_same_person_cannot_be_stored_twice() {
    let Stored { db: _db, pool, keys, .. } = stored_resident();
    let declaration = resident_declaration();
    let index = keys.blind_indexer().index(&declaration.identifier()).unwrap();
    let mut conn = pool.get().unwrap();
    let key = keys.token_digester().digest(registry::crypto::TokenPurpose::ManagementKey, "second");
    let second = write_tx(&mut conn, |conn| {
        identities::create(conn, &keys, &declaration, &index, "R-TEST-0002", &key, Utc::now())
    });
    assert!(matches!(second, Err(DbError::AlreadyExists("identity"))), "{second:?}");
    let count: i64 = identities_table::table.count().get_result(&mut conn).unwrap();
    assert_eq!(count, 1, "the failed insert left nothing behind");
}

#[test]
fn a_field_moved_to_another_identity_does_not_open() {
    let Stored { db: _db, pool, keys, id: first } = stored_resident();
    let mut conn = pool.get().unwrap();
    let email: Vec<u8> = identity_fields::table
        .filter(identity_fields::identity_id.eq(first).and(identity_fields::field.eq("email")))
        .select(identity_fields::ciphertext)
        .first(&mut conn)
        .unwrap();
    // Copy the e-mail ciphertext over the surname of the same record.
    diesel::update(
        identity_fields::table.filter(identity_fields::identity_id.eq(first).and(identity_fields::field.eq("surname"))),
    )
    .set(identity_fields::ciphertext.eq(&email))
    .execute(&mut conn)
    .unwrap();
    let result = identities::open_fields(&mut conn, &keys, first, &[Field::Surname]);
    assert!(matches!(result, Err(DbError::Crypto(_))), "{result:?}");
    let intact = identities::open_fields(&mut conn, &keys, first, &[Field::Email]).unwrap();
    assert_eq!(intact[0].1.as_str(), TEST_EMAIL);
}

#[test]
fn a_shredded_identity_can_never_be_read_again() {
    let Stored { db: _db, pool, keys, id } = stored_resident();
    let mut conn = pool.get().unwrap();

    assert!(write_tx(&mut conn, |conn| identities::shred(conn, id, Utc::now())).unwrap());
    let result = identities::open_fields(&mut conn, &keys, id, &[Field::Surname]);
    assert!(matches!(result, Err(DbError::NotFound(_))), "{result:?}");
    let (wrapped, index): (Option<Vec<u8>>, Option<Vec<u8>>) = identities_table::table
        .find(id)
        .select((identities_table::wrapped_data_key, identities_table::blind_index))
        .first(&mut conn)
        .unwrap();
    assert_eq!((wrapped, index), (None, None), "no key and no index are left");
    let ciphertexts: i64 = identity_fields::table.count().get_result(&mut conn).unwrap();
    assert_eq!(ciphertexts, 0);
    let index = keys.blind_indexer().index(&resident_declaration().identifier()).unwrap();
    assert!(identities::find_by_blind_index(&mut conn, &index).unwrap().is_none());
    assert!(!write_tx(&mut conn, |conn| identities::shred(conn, id, Utc::now())).unwrap(), "shredding is idempotent");
}

#[test]
fn rotation_rewraps_data_keys_and_every_record_still_opens() {
    let test_db = TestDb::new();
    let pool = test_db.pool();
    let mut keys = KeyRing::generate(Utc::now());
    let old = store_resident(&pool, &keys, "R-TEST-0001");
    keys.rotate(Utc::now());

    let mut conn = pool.get().unwrap();
    let key_id_of = |conn: &mut registry::db::DbConnection, id: registry::domain::IdentityId| -> Option<i32> {
        identities_table::table.find(id).select(identities_table::key_id).first(conn).unwrap()
    };
    assert_eq!(key_id_of(&mut conn, old), Some(1));
    assert_eq!(write_tx(&mut conn, |conn| identities::rewrap_batch(conn, &keys, 10)).unwrap(), 1);
    assert_eq!(write_tx(&mut conn, |conn| identities::rewrap_batch(conn, &keys, 10)).unwrap(), 0);
    assert_eq!(key_id_of(&mut conn, old), Some(2));
    let opened = identities::open_fields(&mut conn, &keys, old, &[Field::Iin]).unwrap();
    assert_eq!(opened[0].1.as_str(), TEST_IIN);
}
