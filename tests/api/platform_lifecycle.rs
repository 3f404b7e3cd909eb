use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use chrono::TimeDelta;
use diesel::prelude::*;
use registry::db::schema::accounts;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// An app whose grace and hysteresis periods last seconds.
async fn quick_app(grace_seconds: i64, hysteresis_seconds: i64) -> TestApp {
    spawn_app_with(|s| {
        s.policy.grace_period = TimeDelta::seconds(grace_seconds);
        s.policy.hysteresis = TimeDelta::seconds(hysteresis_seconds);
        s.job_interval = TimeDelta::seconds(1);
    })
    .await
}

fn claim_code_digest(app: &TestApp, account_ref: &str) -> Option<Vec<u8>> {
    let mut conn = app.pool.get().unwrap();
    accounts::table
        .filter(accounts::account_ref.eq(account_ref))
        .select(accounts::claim_code_digest)
        .first(&mut conn)
        .unwrap()
}

/// Waits (bounded) for the change feed to hold `n` changes.
async fn wait_for_changes(app: &TestApp, token: &str, n: usize) -> Vec<Value> {
    for _ in 0..50 {
        let changes = app.all_changes(token, 0, 1000).await;
        if changes.len() >= n {
            return changes;
        }
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    app.all_changes(token, 0, 1000).await
}

#[actix_web::test]
async fn crossing_the_threshold_gives_required_a_deadline_and_a_claim_code() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let reply = app.report(&token, &[("acc-1", 7000), ("acc-2", 5000)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let results = reply.json()["results"].as_array().unwrap().clone();
    assert_eq!(results[0]["account_ref"], "acc-1");
    assert_eq!(results[0]["status"], "required");
    assert!(results[0]["deadline"].as_str().unwrap().ends_with('Z'));
    let code = results[0]["claim_code"].as_str().unwrap();
    assert!(registry::domain::ClaimCode::parse(code).is_ok() && code.len() == 14, "{code}");
    assert_eq!(results[1], serde_json::json!({ "account_ref": "acc-2", "status": "not_required" }));
}

#[actix_web::test]
async fn reporting_the_same_numbers_twice_changes_nothing() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let first = app.report(&token, &[("acc-1", 7000), ("acc-2", 10)]).await.json();
    let digest = claim_code_digest(&app, "acc-1");
    let second = app.report(&token, &[("acc-1", 7000), ("acc-2", 10)]).await.json();

    assert!(second["results"][0].get("claim_code").is_none(), "no second claim code");
    assert_eq!(second["results"][0]["deadline"], first["results"][0]["deadline"]);
    assert_eq!(claim_code_digest(&app, "acc-1"), digest, "the first code still works");
    assert_eq!(app.all_changes(&token, 0, 100).await.len(), 2, "one feed entry per account");
}

#[actix_web::test]
async fn the_deadline_makes_an_account_overdue_in_reads_and_in_the_feed() {
    let app = quick_app(2, 60).await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("late", 9000)]).await;
    actix_web::rt::time::sleep(Duration::from_millis(2100)).await;

    let read = app.api_get(&token, "/api/v1/accounts/late").await.json();
    assert_eq!(read["status"], "overdue", "a read never shows a stale required");
    let changes = wait_for_changes(&app, &token, 2).await;
    let statuses: Vec<_> = changes.iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["required", "overdue"]);
    let code = app.api_post(&token, "/api/v1/accounts/late/claim-code", &Value::Null).await;
    assert_eq!(code.status, 200, "an overdue owner can still comply: {}", code.body);
}

#[actix_web::test]
async fn an_account_drops_to_not_required_only_after_the_hysteresis_period() {
    let app = quick_app(60, 2).await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("dip", 9000)]).await;
    let dipped = app.report(&token, &[("dip", 4000)]).await.json();
    assert_eq!(dipped["results"][0]["status"], "required", "no flapping");
    actix_web::rt::time::sleep(Duration::from_millis(2100)).await;

    let read = app.api_get(&token, "/api/v1/accounts/dip").await.json();
    assert_eq!(read["status"], "not_required");
    assert!(read.get("deadline").is_none());
    let changes = wait_for_changes(&app, &token, 2).await;
    let statuses: Vec<_> = changes.iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["required", "not_required"]);
    assert_eq!(claim_code_digest(&app, "dip"), None, "the claim code stopped working");

    let again = app.report(&token, &[("dip", 9000)]).await.json();
    assert_eq!(again["results"][0]["status"], "required");
    assert!(again["results"][0]["claim_code"].is_string(), "a new crossing issues a new code");
}

#[actix_web::test]
async fn re_issuing_a_claim_code_replaces_the_old_one() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let first = app.report(&token, &[("acc-1", 7000), ("small", 10)]).await.json();
    let before = claim_code_digest(&app, "acc-1");
    let reissued = app.api_post(&token, "/api/v1/accounts/acc-1/claim-code", &Value::Null).await;
    assert_eq!(reissued.status, 200, "{}", reissued.body);
    let reissued = reissued.json();
    assert_ne!(reissued["claim_code"], first["results"][0]["claim_code"]);
    assert_eq!(reissued["expires_at"], first["results"][0]["deadline"], "it expires at the deadline");
    assert_ne!(claim_code_digest(&app, "acc-1"), before);

    let not_needed = app.api_post(&token, "/api/v1/accounts/small/claim-code", &Value::Null).await;
    assert_eq!((not_needed.status, not_needed.error_code()), (409, "not_claimable".into()));
    let unknown = app.api_post(&token, "/api/v1/accounts/ghost/claim-code", &Value::Null).await;
    assert_eq!(unknown.status, 404);
}

#[actix_web::test]
async fn a_change_feed_consumer_rebuilds_the_registry_state_exactly() {
    // Deadlines and hysteresis both fall inside the test, in either order.
    let app = quick_app(2, 2).await;
    let token = app.add_platform("qaz");
    let refs: Vec<String> = (0..40).map(|i| format!("acc-{i:02}")).collect();
    // Three rounds of reports with counts that cross, dip and return.
    for round in 0..3i64 {
        let accounts: Vec<(&str, i64)> = refs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), ((i as i64 * 37 + round * 1500) % 9000) + 1000))
            .collect();
        assert_eq!(app.report(&token, &accounts).await.status, 200);
    }
    actix_web::rt::time::sleep(Duration::from_millis(3200)).await;

    let mut mirror: HashMap<String, String> = HashMap::new();
    let mut last_seq = 0;
    for change in app.all_changes(&token, 0, 7).await {
        let seq = change["seq"].as_i64().unwrap();
        assert!(seq > last_seq, "seq strictly increases");
        last_seq = seq;
        mirror.insert(change["account_ref"].as_str().unwrap().into(), change["status"].as_str().unwrap().into());
    }
    let batch = app.api_post(&token, "/api/v1/status/batch", &serde_json::json!({ "account_refs": refs })).await.json();
    let truth: HashMap<String, String> = batch["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["account_ref"].as_str().unwrap().into(), s["status"].as_str().unwrap().into()))
        .collect();
    assert_eq!(truth.len(), 40);
    assert_eq!(mirror, truth);
}
