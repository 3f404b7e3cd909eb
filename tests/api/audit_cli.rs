use crate::helpers::{CliFixture, stderr, stdout};
use chrono::Utc;
use diesel::prelude::*;
use registry::crypto::KeyRing;
use registry::db::schema::{audit_log, checkpoints};

/// A database whose audit log has a few operator entries.
fn with_entries() -> CliFixture {
    let fx = CliFixture::new();
    for slug in ["alpha", "bravo", "charlie"] {
        assert!(fx.run(&["platform", "add", "--slug", slug, "--name", slug]).status.success());
    }
    fx
}

#[test]
fn audit_verify_passes_an_intact_log_and_names_a_modified_entry() {
    let fx = with_entries();
    let ok = fx.run(&["audit", "verify"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).starts_with("The audit log verifies: 3 entries"), "{}", stdout(&ok));

    let pool = fx.db.pool();
    let mut conn = pool.get().unwrap();
    diesel::update(audit_log::table.find(2)).set(audit_log::subject.eq("platform:99")).execute(&mut conn).unwrap();
    let bad = fx.run(&["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("audit entry 2 was modified"), "{}", stderr(&bad));
}

#[test]
fn checkpoints_are_signed_and_a_foreign_or_mismatched_one_is_named() {
    let fx = with_entries();
    let made = fx.run(&["audit", "checkpoint"]);
    assert!(stdout(&made).starts_with("Checkpoint at entry 3: hash "), "{}", stdout(&made));
    let verified = fx.run(&["audit", "verify"]);
    assert!(stdout(&verified).contains("; 1 signed checkpoint(s) of the chain;"), "{}", stdout(&verified));

    // A checkpoint signed with another deployment's key is refused.
    let pool = fx.db.pool();
    let mut conn = pool.get().unwrap();
    let (hash, signature): (Vec<u8>, Vec<u8>) =
        checkpoints::table.find(3).select((checkpoints::hash, checkpoints::signature)).first(&mut conn).unwrap();
    let stranger = KeyRing::generate(Utc::now()).audit_signing_key().verifying_key().to_bytes().to_vec();
    diesel::update(checkpoints::table.find(3)).set(checkpoints::public_key.eq(&stranger)).execute(&mut conn).unwrap();
    let foreign = fx.run(&["audit", "verify"]);
    assert_eq!(foreign.status.code(), Some(1));
    assert!(stderr(&foreign).contains("checkpoint at entry 3 was signed by another key"), "{}", stderr(&foreign));

    // Our key, but a hash the chain never had: the signature no longer matches.
    let ours = fx.keys().audit_signing_key().verifying_key().to_bytes().to_vec();
    let mut forged = hash.clone();
    forged[0] ^= 1;
    diesel::update(checkpoints::table.find(3))
        .set((checkpoints::public_key.eq(&ours), checkpoints::hash.eq(&forged), checkpoints::signature.eq(&signature)))
        .execute(&mut conn)
        .unwrap();
    let mismatched = fx.run(&["audit", "verify"]);
    assert!(stderr(&mismatched).contains("checkpoint at entry 3 has an invalid signature"), "{}", stderr(&mismatched));
}
