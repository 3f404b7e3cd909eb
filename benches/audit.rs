//! The audit log's costs: appending an entry (what every official action
//! pays) against the append as it was before the Merkle tree, and `registry
//! audit verify` over a large log.
//!
//! `cargo bench --bench audit` on SQLite in a temporary directory;
//! `REGISTRY_BENCH_DATABASE_URL=postgres://…` (an empty database) for
//! PostgreSQL; `REGISTRY_BENCH_AUDIT_ENTRIES` (default 1,000,000) sets the
//! size of the log verified.

use chrono::Utc;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use diesel::prelude::*;
use registry::audit::note::{LogKey, LogOrigin};
use registry::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use registry::config::DatabaseUrl;
use registry::db::schema::audit_log;
use registry::db::{DbConnection, Pool, write_tx};
use sha2::{Digest, Sha256};

fn event() -> AuditEvent {
    AuditEvent::new(
        Actor::System,
        AuditAction::OfficialLoginFailed,
        AuditSubject::UnknownOfficial,
        serde_json::json!({"address_block": "203.0.113.0/24", "count": 3}),
    )
}

/// A fresh database; the directory (for SQLite) lives as long as the pool.
fn database(name: &str) -> (Pool, Option<tempfile::TempDir>) {
    let (url, dir) = match std::env::var("REGISTRY_BENCH_DATABASE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            (format!("sqlite://{}", dir.path().join(format!("{name}.db")).display()), Some(dir))
        }
    };
    let url = DatabaseUrl::parse(&url).expect("a database URL");
    let pool = registry::db::open(&url, 2).expect("the database opens and migrates");
    let mut conn = pool.get().expect("a connection");
    for table in ["tree_head_cosignatures", "tree_heads", "audit_tree", "checkpoints", "audit_log"] {
        diesel::sql_query(format!("DELETE FROM {table}")).execute(&mut conn).expect("emptied");
    }
    (pool, dir)
}

/// The append of the commit before the Merkle tree, statement for
/// statement: the head, the canonical entry, the chain hash, one insert
/// without a salt, into a table without the index by subject.
fn append_before_the_tree(conn: &mut DbConnection, event: &AuditEvent) {
    let head: Option<(i64, Vec<u8>)> = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(conn)
        .optional()
        .expect("the head reads");
    let (seq, prev_hash) = head.map_or((1, vec![0; 32]), |(seq, hash)| (seq + 1, hash));
    let occurred_at = registry::db::db_time(Utc::now());
    let (actor, subject, details) = (event.actor.to_string(), event.subject.to_string(), event.details.to_string());
    let canonical = format!(
        r#"{{"seq":{seq},"occurred_at":"{}","actor":"{actor}","action":"{}","subject":"{subject}","details":{details}}}"#,
        occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        event.action.as_str()
    );
    let leaf = Sha256::new().chain_update([0u8]).chain_update(canonical.as_bytes()).finalize();
    let hash = Sha256::new().chain_update(&prev_hash).chain_update(leaf).finalize();
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::occurred_at.eq(occurred_at),
            audit_log::actor.eq(&actor),
            audit_log::action.eq(event.action.as_str()),
            audit_log::subject.eq(&subject),
            audit_log::details.eq(&details),
            audit_log::prev_hash.eq(&prev_hash),
            audit_log::hash.eq(hash.as_slice()),
        ))
        .execute(conn)
        .expect("the entry is written");
}

fn appends(c: &mut Criterion) {
    let event = event();
    let (after, _after_dir) = database("after");
    let (before, _before_dir) = database("before");
    let mut conn = before.get().expect("a connection");
    diesel::sql_query("DROP INDEX audit_log_by_subject").execute(&mut conn).expect("the index drops");

    // Side by side in one run, interleaved: each measured append is followed by
    // one of the other kind, so both databases grow alike. Each official
    // action's transaction holds one append.
    let mut after_conn = after.get().expect("a connection");
    let mut group = c.benchmark_group("audit_append");
    let mut timed = |measure_after: bool, iters: u64| {
        let mut total = std::time::Duration::ZERO;
        for _ in 0..iters {
            let started = std::time::Instant::now();
            write_tx(&mut after_conn, |conn| audit::append(conn, &event, Utc::now())).expect("appended");
            let after_took = started.elapsed();
            let started = std::time::Instant::now();
            write_tx(&mut conn, |conn| {
                append_before_the_tree(conn, &event);
                Ok::<_, registry::db::DbError>(())
            })
            .expect("appended");
            total += if measure_after { after_took } else { started.elapsed() };
        }
        total
    };
    group.bench_function("with_salt_and_subject_index", |b| b.iter_custom(|iters| timed(true, iters)));
    group.bench_function("before_the_tree", |b| b.iter_custom(|iters| timed(false, iters)));
    group.finish();
}

fn verify(c: &mut Criterion) {
    let entries: u64 =
        std::env::var("REGISTRY_BENCH_AUDIT_ENTRIES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let (pool, _dir) = database("verify");
    let mut conn = pool.get().expect("a connection");
    let event = event();
    let mut written = 0;
    while written < entries {
        let batch = (entries - written).min(10_000);
        write_tx(&mut conn, |conn| (0..batch).try_for_each(|_| audit::append(conn, &event, Utc::now()).map(|_| ())))
            .expect("seeded");
        written += batch;
    }
    let key = LogKey::new(
        LogOrigin::parse("bench/audit").expect("an origin"),
        ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
    );
    audit::tree::grow(&mut conn, &key, Utc::now()).expect("the tree grows");

    let mut group = c.benchmark_group("audit_verify");
    group.sample_size(10);
    group.throughput(Throughput::Elements(entries));
    // The floor: reading the rows alone, as `verify` pages through them.
    group.bench_function("read_rows_only", |b| {
        b.iter(|| {
            let mut after = 0;
            while let Some(last) = audit::page(&mut conn, after, 10_000).expect("reads").last() {
                after = last.seq;
            }
        })
    });
    // What `registry audit verify` reads and recomputes: the chain and the tree, in one pass.
    group.bench_function("chain_and_tree", |b| {
        b.iter(|| audit::verify_with_tree(&mut conn).expect("reads").expect("verifies"))
    });
    group.finish();
}

criterion_group!(benches, appends, verify);
criterion_main!(benches);
