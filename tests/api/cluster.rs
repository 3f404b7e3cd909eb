//! Two nodes over one database, as behind a load balancer: each
//! cluster-wide background job runs once per interval across them, what is
//! written through one node is read through the other, and the change feed
//! is the same through either.

use crate::helpers::{TestApp, audit_event, spawn_app_with};
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use registry::audit;
use registry::db::schema::{audit_log, checkpoints};
use registry::db::write_tx;
use std::time::Duration;

const JOBS: [&str; 4] = ["transitions", "checkpoints", "retention", "rewrap"];

/// The runs of each cluster-wide job this node has completed, from its `/metrics`.
async fn job_runs(node: &TestApp) -> [u64; 4] {
    let metrics = node.metrics().await.2;
    JOBS.map(|job| {
        let series = format!("registry_job_runs_total{{job=\"{job}\"}} ");
        metrics.lines().find_map(|line| line.strip_prefix(&series)).map_or(0, |n| n.parse().unwrap())
    })
}

async fn runs_on_both(a: &TestApp, b: &TestApp) -> [u64; 4] {
    let (on_a, on_b) = (job_runs(a).await, job_runs(b).await);
    std::array::from_fn(|i| on_a[i] + on_b[i])
}

/// What `reader` answers for the account once it shows what `writer` does
/// (the same ETag); fails if that takes more than a second.
async fn seen_within_a_second(writer: &TestApp, reader: &TestApp, token: &str, account: &str) -> serde_json::Value {
    let path = format!("/api/v1/accounts/{account}");
    let written = writer.api_get(token, &path).await;
    assert_eq!(written.status, 200, "{}", written.body);
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    loop {
        let read = reader.api_get(token, &path).await;
        if read.header("etag") == written.header("etag") {
            return read.json();
        }
        assert!(std::time::Instant::now() < deadline, "not seen on the other node within a second: {}", read.body);
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix_web::test]
async fn two_nodes_run_each_job_once_per_interval_and_serve_the_same_registry() {
    let a = spawn_app_with(|s| {
        s.policy.grace_period = TimeDelta::seconds(2);
        s.policy.hysteresis = TimeDelta::seconds(1);
        s.policy.retention = TimeDelta::seconds(1);
        s.job_interval = TimeDelta::seconds(1);
        s.checkpoint_interval = TimeDelta::seconds(1);
        s.retention_interval = TimeDelta::seconds(1);
    })
    .await;
    let b = a.another_node().await;
    let token = a.add_platform("qaz");

    // Written through one node: read there at once, and through the other within a second.
    let reported = a.report(&token, &[("late", 9000)]).await;
    assert_eq!(reported.status, 200, "{}", reported.body);
    assert_eq!(seen_within_a_second(&a, &b, &token, "late").await["status"], "required");
    let (reference, _) = b.register(&token, "leaving").await;
    assert_eq!(seen_within_a_second(&b, &a, &token, "leaving").await["status"], "verified");

    // Over six seconds of one-second intervals, with new audit entries all
    // along: every job runs about once a second across both nodes, where two
    // nodes each running their own would come to about twelve.
    let before = runs_on_both(&a, &b).await;
    let started = Utc::now();
    b.report(&token, &[("leaving", 10)]).await; // not required after the hysteresis, then shredded
    for i in 0..12 {
        let mut conn = a.pool.get().unwrap();
        write_tx(&mut conn, |conn| audit::append(conn, &audit_event(&format!("tick {i}")), Utc::now())).unwrap();
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    }
    let after = runs_on_both(&a, &b).await;
    for (i, job) in JOBS.iter().enumerate() {
        let runs = after[i] - before[i];
        // Claims are at least 0.9 s apart: at most 6/0.9 + 1 in the window, plus one claimed just before it.
        assert!((4..=8).contains(&runs), "{job} ran {runs} times in 6 s on two nodes");
    }

    // Checkpoints came one per interval, not one per node.
    let mut conn = a.pool.get().unwrap();
    let signed: Vec<chrono::NaiveDateTime> = checkpoints::table
        .filter(checkpoints::signed_at.ge(started.naive_utc()))
        .order(checkpoints::seq)
        .select(checkpoints::signed_at)
        .load(&mut conn)
        .unwrap();
    // As for the runs: two nodes signing on their own would come to about twelve.
    assert!((3..=8).contains(&signed.len()), "one checkpoint per interval across the nodes: {signed:?}");

    // The due transition and the shred happened once.
    let shredded: i64 =
        audit_log::table.filter(audit_log::action.eq("identity.shredded")).count().get_result(&mut conn).unwrap();
    assert_eq!(shredded, 1, "the record of {reference} is shredded once");
    let through_a = a.all_changes(&token, 0, 100).await;
    let statuses = |account: &str| -> Vec<String> {
        through_a.iter().filter(|c| c["account_ref"] == account).map(|c| c["status"].to_string()).collect()
    };
    assert_eq!(statuses("late"), [r#""required""#, r#""overdue""#]);
    assert_eq!(statuses("leaving"), [r#""required""#, r#""verified""#, r#""not_required""#]);

    // The same feed through either node, page by page.
    assert_eq!(b.all_changes(&token, 0, 100).await, through_a);
    assert_eq!(b.all_changes(&token, 0, 1).await, through_a);
}
