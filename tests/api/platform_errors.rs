use crate::helpers::spawn_app;
use diesel::prelude::*;
use registry::db::schema::accounts;
use serde_json::json;

fn account(account_ref: &str, count: i64) -> serde_json::Value {
    json!({ "account_ref": account_ref, "handle": "@h", "follower_count": count })
}

#[actix_web::test]
async fn each_bad_report_gets_a_precise_4xx_and_stores_nothing() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let many: Vec<_> = (0..1001).map(|i| account(&format!("a{i}"), 1)).collect();
    let cases: Vec<(&str, Vec<u8>, u16, &str, &str)> = vec![
        ("malformed JSON", b"{\"accounts\": [".to_vec(), 400, "malformed_json", "not valid JSON"),
        (
            "wrong type",
            br#"{"accounts":[{"account_ref":"a","handle":"h","follower_count":"many"}]}"#.to_vec(),
            400,
            "invalid_body",
            "expected a JSON number",
        ),
        ("unknown field", br#"{"accounts":[],"extra":1}"#.to_vec(), 400, "invalid_body", "unknown field `extra`"),
        (
            "missing field",
            br#"{"accounts":[{"account_ref":"a","handle":"h"}]}"#.to_vec(),
            400,
            "invalid_body",
            "missing field `follower_count`",
        ),
        (
            "no accounts",
            br#"{"accounts":[]}"#.to_vec(),
            400,
            "invalid_field",
            "accounts: must hold 1 to 1000 items (got 0)",
        ),
        ("1001 accounts", json!({ "accounts": many }).to_string().into_bytes(), 400, "invalid_field", "(got 1001)"),
        (
            "negative count",
            json!({ "accounts": [account("ok", 7000), account("neg", -1)] }).to_string().into_bytes(),
            400,
            "invalid_field",
            "accounts[1].follower_count: must not be negative",
        ),
        (
            "oversize ref",
            json!({ "accounts": [account(&"r".repeat(129), 1)] }).to_string().into_bytes(),
            400,
            "invalid_field",
            "accounts[0].account_ref: must be 1 to 128 characters",
        ),
        (
            "bad ref charset",
            json!({ "accounts": [account("a/b", 1)] }).to_string().into_bytes(),
            400,
            "invalid_field",
            "accounts[0].account_ref: contains characters",
        ),
        ("oversize body", vec![b' '; 600 * 1024], 413, "payload_too_large", "too large"),
    ];
    for (what, body, status, code, message) in cases {
        let reply = app.api_post_raw(&token, "/api/v1/accounts/report", &body).await;
        assert_eq!(reply.status, status, "{what}: {}", reply.body);
        assert_eq!(reply.error_code(), code, "{what}");
        let text = reply.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(text.contains(message), "{what}: {text}");
        assert!(!text.contains("many"), "{what}: the message must not echo values");
    }
    let mut conn = app.pool.get().unwrap();
    let stored: i64 = accounts::table.count().get_result(&mut conn).unwrap();
    assert_eq!(stored, 0, "no bad report stored anything, not even its valid items");
}

#[actix_web::test]
async fn a_ref_named_twice_counts_once_by_its_newest_observation() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let body = json!({ "accounts": [
        { "account_ref": "x", "handle": "@x", "follower_count": 9000, "observed_at": "2026-11-29T10:00:00Z" },
        { "account_ref": "y", "handle": "@y", "follower_count": 10 },
        { "account_ref": "x", "handle": "@x", "follower_count": 10, "observed_at": "2026-11-28T10:00:00Z" },
    ] });
    let reply = app.api_post(&token, "/api/v1/accounts/report", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let results = reply.json()["results"].clone();
    let statuses: Vec<(&str, &str)> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["account_ref"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("x", "required"), ("y", "not_required"), ("x", "required")], "one result per entry");
    assert_eq!(results[0]["claim_code"], results[2]["claim_code"], "one code for the one account");
    let mut conn = app.pool.get().unwrap();
    assert_eq!(accounts::table.count().get_result::<i64>(&mut conn).unwrap(), 2);
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_refused_by_media_type() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let request = app
        .client
        .post(format!("{}/api/v1/status/batch", app.address))
        .bearer_auth(&token)
        .insert_header(("content-type", "text/plain"));
    let reply = app.send(request, Some(b"{\"account_refs\":[\"a\"]}")).await;
    assert_eq!((reply.status, reply.error_code()), (415, "unsupported_media_type".into()));
}

#[actix_web::test]
async fn bad_batch_and_feed_parameters_get_precise_errors() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let refs: Vec<String> = (0..1001).map(|i| format!("r{i}")).collect();
    let too_many = app.api_post(&token, "/api/v1/status/batch", &json!({ "account_refs": refs })).await;
    assert_eq!((too_many.status, too_many.error_code()), (400, "invalid_field".into()));
    let empty = app.api_post(&token, "/api/v1/status/batch", &json!({ "account_refs": [] })).await;
    assert_eq!(empty.status, 400);
    for (query, message) in [
        ("limit=0", "limit: must be 1 to 10000"),
        ("limit=10001", "limit: must be 1 to 10000"),
        ("after=-1", "after: must not be negative"),
    ] {
        let reply = app.api_get(&token, &format!("/api/v1/changes?{query}")).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.json()["error"]["message"], message, "{query}");
    }
    for query in ["after=abc", "cursor=5"] {
        let reply = app.api_get(&token, &format!("/api/v1/changes?{query}")).await;
        assert_eq!((reply.status, reply.error_code()), (400, "invalid_query".into()), "{query}");
    }
    let bad_path = app.api_get(&token, &format!("/api/v1/accounts/{}", "r".repeat(129))).await;
    assert_eq!((bad_path.status, bad_path.error_code()), (400, "invalid_field".into()));
}
