use crate::helpers::spawn_app;
use serde_json::json;

#[actix_web::test]
async fn a_single_status_read_has_the_contract_fields_and_an_etag() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000)]).await;
    let reply = app.api_get(&token, "/api/v1/accounts/acc-1").await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["account_ref", "deadline", "handle", "seq", "signature", "status", "status_changed_at"]);
    assert_eq!((body["handle"].as_str(), body["status"].as_str()), (Some("@acc-1"), Some("required")));
    let etag = reply.header("etag").unwrap();

    let request = app.client.get(format!("{}/api/v1/accounts/acc-1", app.address)).bearer_auth(&token);
    let cached = app.send(request.insert_header(("if-none-match", etag.as_str())), None).await;
    assert_eq!(cached.status, 304);
    assert_eq!(cached.body, "");

    app.report(&token, &[("acc-1", 100)]).await; // no status change: hysteresis
    let request = app.client.get(format!("{}/api/v1/accounts/acc-1", app.address)).bearer_auth(&token);
    let still = app.send(request.insert_header(("if-none-match", etag.as_str())), None).await;
    assert_eq!(still.status, 304, "the status did not change");
}

#[actix_web::test]
async fn batch_answers_in_request_order_and_lists_unknown_refs() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("a", 7000), ("b", 10)]).await;
    let reply = app.api_post(&token, "/api/v1/status/batch", &json!({ "account_refs": ["b", "ghost", "a"] })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let order: Vec<_> = body["statuses"].as_array().unwrap().iter().map(|s| s["account_ref"].clone()).collect();
    assert_eq!(order, [json!("b"), json!("a")]);
    assert_eq!(body["unknown"], json!(["ghost"]));
}

#[actix_web::test]
async fn a_platform_never_sees_another_platforms_accounts() {
    let app = spawn_app().await;
    let a = app.add_platform("alpha");
    let b = app.add_platform("bravo");
    app.report(&a, &[("shared-ref", 7000), ("only-a", 7000)]).await;

    assert_eq!(app.api_get(&b, "/api/v1/accounts/only-a").await.status, 404);
    let batch = app.api_post(&b, "/api/v1/status/batch", &json!({ "account_refs": ["only-a", "shared-ref"] })).await;
    assert_eq!(batch.json(), json!({ "statuses": [], "unknown": ["only-a", "shared-ref"] }));
    assert_eq!(app.all_changes(&b, 0, 100).await, Vec::<serde_json::Value>::new());
    assert_eq!(app.api_post(&b, "/api/v1/accounts/only-a/claim-code", &json!(null)).await.status, 404);

    // The same ref on B is B's own account, independent of A's.
    let own = app.report(&b, &[("shared-ref", 10)]).await.json();
    assert_eq!(own["results"][0]["status"], "not_required");
    assert_eq!(app.api_get(&a, "/api/v1/accounts/shared-ref").await.json()["status"], "required");
}

#[actix_web::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let no_header = app.send(app.client.get(format!("{}/api/v1/changes", app.address)), None).await;
    assert_eq!((no_header.status, no_header.error_code()), (401, "unauthorized".into()));
    assert_eq!(no_header.header("www-authenticate").as_deref(), Some("Bearer"));
    let wrong = app.api_get(&format!("{token}x"), "/api/v1/changes").await;
    assert_eq!(wrong.status, 401);
    let basic = app
        .client
        .get(format!("{}/api/v1/changes", app.address))
        .insert_header(("authorization", format!("Basic {token}")));
    assert_eq!(app.send(basic, None).await.status, 401);
}

#[actix_web::test]
async fn a_platform_over_its_rate_limit_is_told_when_to_retry() {
    let app = crate::helpers::spawn_app_with(|s| s.platform_rate_limit = std::num::NonZeroU32::new(1).unwrap()).await;
    let token = app.add_platform("qaz");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.api_get(&token, "/api/v1/changes").await);
    }
    let limited = statuses.iter().find(|r| r.status == 429).expect("the burst is two requests");
    assert_eq!(limited.error_code(), "rate_limited");
    assert!(limited.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(statuses[0].status, 200);
}

#[actix_web::test]
async fn status_reads_are_answered_from_memory_without_touching_the_accounts_table() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000), ("acc-2", 10)]).await;
    let before = app.api_get(&token, "/api/v1/accounts/acc-1").await;
    assert_eq!(before.status, 200);

    let mut conn = app.pool.get().unwrap();
    diesel::sql_query("ALTER TABLE accounts RENAME TO accounts_away").execute(&mut conn).unwrap();
    let single = app.api_get(&token, "/api/v1/accounts/acc-1").await;
    let batch = app.api_post(&token, "/api/v1/status/batch", &json!({ "account_refs": ["acc-2", "acc-3"] })).await;
    let feed = app.api_get(&token, "/api/v1/changes").await;
    diesel::sql_query("ALTER TABLE accounts_away RENAME TO accounts").execute(&mut conn).unwrap();

    assert_eq!((single.status, single.body), (200, before.body));
    assert_eq!(batch.status, 200, "{}", batch.body);
    assert_eq!(batch.json()["statuses"][0]["status"], "not_required");
    assert_eq!(batch.json()["unknown"], json!(["acc-3"]));
    assert_eq!(feed.status, 200, "the change feed reads status_changes, not accounts: {}", feed.body);
}

#[actix_web::test]
async fn a_new_handle_changes_the_etag() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000)]).await;
    let before = app.api_get(&token, "/api/v1/accounts/acc-1").await.header("etag").unwrap();
    let renamed = json!({ "accounts": [{ "account_ref": "acc-1", "handle": "@renamed", "follower_count": 7000 }] });
    assert_eq!(app.api_post(&token, "/api/v1/accounts/report", &renamed).await.status, 200);
    let request = app.client.get(format!("{}/api/v1/accounts/acc-1", app.address)).bearer_auth(&token);
    let after = app.send(request.insert_header(("if-none-match", before.as_str())), None).await;
    assert_eq!(after.status, 200, "the old tag no longer matches");
    assert_eq!(after.json()["handle"], "@renamed");
}

#[actix_web::test]
async fn an_unreadable_stored_row_fails_reads_of_that_account_only() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000), ("acc-2", 7000)]).await;
    let mut conn = app.pool.get().unwrap();
    // A handle no version of the registry writes, stored with the next version as a writer would.
    diesel::sql_query(format!(
        "UPDATE accounts SET handle = '{}', version = (SELECT MAX(version) + 1 FROM accounts) WHERE account_ref = 'acc-1'",
        "x".repeat(500)
    ))
    .execute(&mut conn)
    .unwrap();
    app.report(&token, &[("acc-3", 7000)]).await;

    assert_eq!(app.api_get(&token, "/api/v1/accounts/acc-1").await.status, 500, "never the row as it was before");
    assert_eq!(app.api_get(&token, "/api/v1/accounts/acc-2").await.status, 200);
    assert_eq!(app.api_get(&token, "/api/v1/accounts/acc-3").await.status, 200, "later changes still arrive");
    assert_eq!(app.get("/readyz").await.0, 200);
    diesel::sql_query(
        "UPDATE accounts SET handle = '@acc-1', version = (SELECT MAX(version) + 1 FROM accounts) WHERE account_ref = 'acc-1'",
    )
    .execute(&mut conn)
    .unwrap();
    app.report(&token, &[("acc-4", 7000)]).await;
    assert_eq!(app.api_get(&token, "/api/v1/accounts/acc-1").await.status, 200, "repaired, read again");
}

#[actix_web::test]
async fn the_mirror_reloads_when_the_database_goes_back_to_an_earlier_state() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("kept", 7000)]).await;
    app.report(&token, &[("lost", 7000)]).await;
    assert_eq!(app.api_get(&token, "/api/v1/accounts/lost").await.status, 200);
    // As after a failover to a replica that had not received the last commit.
    let mut conn = app.pool.get().unwrap();
    for statement in
        ["DELETE FROM status_changes WHERE account_ref = 'lost'", "DELETE FROM accounts WHERE account_ref = 'lost'"]
    {
        diesel::sql_query(statement).execute(&mut conn).unwrap();
    }
    app.report(&token, &[("written-after", 7000)]).await; // takes the lost account's version again

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while app.api_get(&token, "/api/v1/accounts/written-after").await.status != 200 {
        assert!(std::time::Instant::now() < deadline, "the mirror did not notice the database went back");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(app.api_get(&token, "/api/v1/accounts/lost").await.status, 404);
    assert_eq!(app.api_get(&token, "/api/v1/accounts/kept").await.status, 200);
}
