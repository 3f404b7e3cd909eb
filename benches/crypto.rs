//! Costs of the registry's cryptographic operations with the configured
//! parameters: the key file named by REGISTRY_KEY_FILE, or a fresh one with
//! the defaults `registry keys generate` writes.
//!
//! `cargo bench --bench crypto`. The argon2 operations (blind index, password
//! hash) are what the owner forms and official logins pay; the token digest
//! and envelope operations are what the status hot path and disclosures pay.

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use registry::crypto::jws;
use registry::crypto::password::{hash_password, verify_password};
use registry::crypto::{KeyRing, TokenPurpose};
use registry::domain::{AccountStatus, Identifier, Iin, Payload, StatusStatement};
use secrecy::SecretString;
use std::hint::black_box;

fn key_ring() -> KeyRing {
    match std::env::var("REGISTRY_KEY_FILE") {
        Ok(path) => KeyRing::load(path.as_ref()).expect("REGISTRY_KEY_FILE names a readable key file"),
        Err(_) => KeyRing::generate(Utc::now()),
    }
}

fn argon2(c: &mut Criterion) {
    let keys = key_ring();
    let identifier = Identifier::Iin(Iin::parse("900115353054").expect("a valid test IIN"));
    let password = SecretString::from("correct horse battery staple");
    let phc = hash_password(&password).expect("hashing works");

    let mut group = c.benchmark_group("argon2id");
    group.sample_size(20);
    group.bench_function("blind_index", |b| b.iter(|| keys.blind_indexer().index(black_box(&identifier))));
    group.bench_function("password_hash", |b| b.iter(|| hash_password(black_box(&password))));
    group.bench_function("password_verify", |b| b.iter(|| verify_password(black_box(&password), black_box(&phc))));
    group.finish();
}

fn hot_path(c: &mut Criterion) {
    let keys = key_ring();
    let token = "rgp_ddw5bvmv37ycmblemg4ufxacgjorz7ij4llbmrpxycecjzptrnhq";
    let (data_key, wrapped) = keys.new_data_key(b"identity:R-BENCH:data-key").expect("sealing works");
    let sealed = data_key.seal(b"field", b"Zhaksylykova");

    let mut group = c.benchmark_group("cheap");
    group.bench_function("token_digest", |b| {
        b.iter(|| keys.token_digester().digest(TokenPurpose::PlatformApi, black_box(token)))
    });
    group.bench_function("unwrap_data_key", |b| {
        b.iter(|| keys.unwrap_data_key(black_box(&wrapped), b"identity:R-BENCH:data-key"))
    });
    group.bench_function("open_field", |b| b.iter(|| data_key.open(b"field", black_box(&sealed))));
    group.finish();
}

/// A status statement: signed once when its change is recorded; a read
/// only encodes the stored signature as a detached JWS.
fn statements(c: &mut Criterion) {
    let key = key_ring().status_key();
    let at = Utc::now();
    let statement = StatusStatement {
        account_ref: "acct-00012345".into(),
        assurance: None,
        deadline: Some(at),
        platform: "seed-1".into(),
        seq: 12345,
        status: AccountStatus::Required,
        status_changed_at: at,
    };
    let signature = key.sign(&statement.payload());

    let mut group = c.benchmark_group("statement");
    group.bench_function("sign_on_change", |b| b.iter(|| key.sign(&black_box(&statement).payload())));
    group.bench_function("encode_on_read", |b| b.iter(|| jws::detached(key.kid(), black_box(&signature))));
    group.finish();
}

criterion_group!(benches, argon2, hot_path, statements);
criterion_main!(benches);
