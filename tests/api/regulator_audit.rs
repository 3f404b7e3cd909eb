use crate::helpers::{assert_no_personal_data, spawn_app, with_fields};
use sha2::{Digest, Sha256};

#[actix_web::test]
async fn an_auditor_pages_through_a_chain_that_recomputes_and_names_no_one() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let (requester, id) = app.approved(with_fields(&["surname", "iin"])).await;
    assert_eq!(app.open(&requester, id).await.status, 200);
    let auditor = app.official("an.auditor", "auditor").await;

    let mut entries = Vec::new();
    let mut after = 0;
    loop {
        let page = app.api_get(&auditor, &format!("/api/v1/regulator/audit?after={after}&limit=2")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
        assert_no_personal_data(page.body.as_bytes(), "an audit page");
        let page = page.json();
        let batch = page["entries"].as_array().unwrap().clone();
        assert!(batch.len() <= 2);
        if batch.is_empty() {
            assert_eq!(page["next"], after, "an empty page keeps the cursor");
            break;
        }
        after = page["next"].as_i64().unwrap();
        assert_eq!(batch.last().unwrap()["seq"], after);
        entries.extend(batch);
    }
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["official.logged_in", "access_request.filed", "access_request.approved", "disclosure.opened"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let opened = entries.iter().find(|e| e["action"] == "disclosure.opened").unwrap();
    assert_eq!(opened["subject"], format!("access_request:{id}"));
    assert!(opened["details"]["identity"].as_str().unwrap().starts_with("identity:"));

    // Every entry links to the one before it, and its hash is the one the
    // documented canonical form gives.
    let mut prev = "0".repeat(64);
    for (n, entry) in entries.iter().enumerate() {
        assert_eq!(entry["seq"], n as i64 + 1);
        assert_eq!(entry["prev_hash"], prev.as_str());
        let text = format!(
            r#"{{"seq":{},"occurred_at":"{}","actor":"{}","action":"{}","subject":"{}","details":{}}}"#,
            entry["seq"],
            chrono::DateTime::parse_from_rfc3339(entry["occurred_at"].as_str().unwrap())
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            entry["actor"].as_str().unwrap(),
            entry["action"].as_str().unwrap(),
            entry["subject"].as_str().unwrap(),
            entry["details"],
        );
        let leaf = Sha256::new().chain_update([0u8]).chain_update(text.as_bytes()).finalize();
        let prev_bytes = data_encoding::HEXLOWER.decode(prev.as_bytes()).unwrap();
        let hash = Sha256::new().chain_update(&prev_bytes).chain_update(leaf).finalize();
        assert_eq!(entry["hash"], data_encoding::HEXLOWER.encode(&hash), "entry {}", n + 1);
        prev = entry["hash"].as_str().unwrap().to_owned();
        // With its salt, the auditor ties the entry to the public commitment.
        let salt = data_encoding::HEXLOWER.decode(entry["salt"].as_str().unwrap().as_bytes()).unwrap();
        let commitment = Sha256::new().chain_update(&salt).chain_update(text.as_bytes()).finalize();
        assert_eq!(entry["commitment"], data_encoding::HEXLOWER.encode(&commitment), "entry {}", n + 1);
    }

    // The public log holds those commitments, and nothing personal.
    assert!(app.cli(&["audit", "checkpoint"]).status.success());
    let size = entries.len();
    let (status, _, checkpoint) = app.get("/log/checkpoint").await;
    assert_eq!(status, 200);
    assert_no_personal_data(checkpoint.as_bytes(), "the checkpoint");
    let tiles = [format!("/log/tile/entries/000.p/{size}"), format!("/log/tile/0/000.p/{size}")];
    for path in &tiles {
        let mut response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body = response.body().await.unwrap();
        assert_no_personal_data(&body, path);
        if path.contains("entries") {
            let published = registry::audit::tiles::commitments(&body).unwrap();
            let hex: Vec<String> = published.iter().map(|c| data_encoding::HEXLOWER.encode(c)).collect();
            let given: Vec<&str> = entries.iter().map(|e| e["commitment"].as_str().unwrap()).collect();
            assert_eq!(hex, given);
        }
    }
}

#[actix_web::test]
async fn only_auditors_read_the_log_and_bad_cursors_are_named() {
    let app = spawn_app().await;
    let requester = app.official("a.requester", "requester").await;
    let auditor = app.official("an.auditor", "auditor").await;

    let refused = app.api_get(&requester, "/api/v1/regulator/audit").await;
    assert_eq!((refused.status, refused.error_code()), (403, "forbidden".to_string()));
    let anonymous = app.get("/api/v1/regulator/audit").await;
    assert_eq!(anonymous.0, 401);

    for (query, problem) in [
        ("after=-1", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after=abc", "query"),
        ("before=3", "query"),
    ] {
        let reply = app.api_get(&auditor, &format!("/api/v1/regulator/audit?{query}")).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert!(reply.body.contains(problem), "{query}: {}", reply.body);
    }
    let first = app.api_get(&auditor, "/api/v1/regulator/audit").await.json();
    assert!(first["entries"].as_array().unwrap().len() >= 2, "both logins are there: {first}");
}
