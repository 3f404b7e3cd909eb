//! Costs of the registry's cryptographic operations with the configured
//! parameters: the key file named by REGISTRY_KEY_FILE, or a fresh one with
//! the defaults `registry keys generate` writes.
//!
//! `cargo bench --bench crypto`. The argon2 operations (blind index, password
//! hash) are what the owner forms and official logins pay; the token digest
//! and envelope operations are what the status hot path and disclosures pay.

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use registry::crypto::password::{hash_password, verify_password};
use registry::crypto::{KeyRing, TokenPurpose};
use registry::domain::{Identifier, Iin};
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

criterion_group!(benches, argon2, hot_path);
criterion_main!(benches);
