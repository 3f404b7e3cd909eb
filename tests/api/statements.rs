//! Signed status statements: what single, batch and feed reads carry, the
//! published key set, head statements, key rotation, and checking a
//! statement offline with the command line and with independent code.

use crate::helpers::{TestApp, spawn_app, spawn_app_with, stderr, stdout};
use chrono::{TimeDelta, Utc};
use registry::crypto::jws::JwkSet;
use registry::services::statements::{self, Statement};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn key_set(app: &TestApp) -> JwkSet {
    let (status, headers, body) = app.get("/.well-known/registry-keys.json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers.get("content-type").unwrap(), "application/jwk-set+json");
    assert_eq!(headers.get("access-control-allow-origin").unwrap(), "*");
    serde_json::from_str(&body).unwrap()
}

/// An answer's signature, checked: it verifies over the statement its own fields make.
fn checked(answer: &Value, set: &JwkSet, platform: &str) -> registry::domain::StatusStatement {
    match statements::verify(answer.as_object().unwrap(), Some(platform), set) {
        Ok((Statement::Status(statement), _)) => statement,
        other => panic!("{answer}: {other:?}"),
    }
}

/// Writes `answer` into a file of the app's directory and runs `registry statement verify` on it.
fn verify_with_cli(app: &TestApp, name: &str, answer: &str, set: &JwkSet, platform: &[&str]) -> std::process::Output {
    let dir = app.key_file().parent().unwrap().to_owned();
    let (file, keys) = (dir.join(name), dir.join("registry-keys.json"));
    std::fs::write(&file, answer).unwrap();
    std::fs::write(&keys, serde_json::to_string(set).unwrap()).unwrap();
    let mut args = vec!["statement", "verify", file.to_str().unwrap(), "--keys", keys.to_str().unwrap()];
    args.extend_from_slice(platform);
    app.cli(&args)
}

#[actix_web::test]
async fn statuses_from_single_batch_and_feed_reads_verify_and_say_what_the_answer_says() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000), ("acc-2", 10)]).await;
    let set = key_set(&app).await;
    assert_eq!(set.keys.len(), 1);
    assert_eq!(set.keys[0].kid, app.keys.status_key().kid());

    let single = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    let statement = checked(&single, &set, "qaz");
    assert_eq!((statement.account_ref.as_str(), statement.status.as_str()), ("acc-1", "required"));
    assert!(statement.deadline.is_some(), "a required account's statement names its deadline");
    let batch = app.api_post(&token, "/api/v1/status/batch", &json!({ "account_refs": ["acc-1", "acc-2"] })).await;
    for entry in batch.json()["statuses"].as_array().unwrap() {
        checked(entry, &set, "qaz");
    }
    assert_eq!(batch.json()["statuses"][0]["signature"], single["signature"], "the same signature either way");
    let feed = app.all_changes(&token, 0, 10).await;
    assert_eq!(feed.len(), 2);
    for change in &feed {
        checked(change, &set, "qaz");
    }
    assert_eq!(feed[0]["deadline"], single["deadline"]);
    assert_eq!(feed[0]["signature"], single["signature"], "an account's statement is its latest change's");
    assert!(statements::verify(single.as_object().unwrap(), Some("other"), &set).is_err(), "not another platform's");

    // Offline, with the command line: the answer as received, and changed.
    let out = verify_with_cli(&app, "acc-1.json", &single.to_string(), &set, &["--platform", "qaz"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("Account acc-1 of platform qaz was required from"), "{said}");
    assert!(said.contains("had until"), "{said}");
    let out = verify_with_cli(&app, "acc-1.json", &single.to_string(), &set, &[]);
    assert!(stderr(&out).contains("--platform"), "a status answer does not name its platform: {}", stderr(&out));

    let refused = |answer: &Value, name: &str| {
        let out = verify_with_cli(&app, name, &answer.to_string(), &set, &["--platform", "qaz"]);
        assert!(!out.status.success(), "{name} verified");
        stderr(&out)
    };
    let mut doctored = single.clone();
    doctored["status"] = json!("verified");
    assert!(refused(&doctored, "doctored.json").contains("the signature does not verify"));
    let mut earlier = single.clone();
    earlier["deadline"] = json!("2026-01-01T00:00:00.000000Z");
    assert!(refused(&earlier, "earlier.json").contains("the signature does not verify"));
    let mut flipped = single.clone();
    let signature = single["signature"].as_str().unwrap();
    let last = if signature.ends_with('A') { "B" } else { "A" };
    flipped["signature"] = json!(format!("{}{last}", &signature[..signature.len() - 1]));
    assert!(refused(&flipped, "flipped.json").contains("does not verify"));
    let out =
        verify_with_cli(&app, "unknown-key.json", &single.to_string(), &JwkSet::default(), &["--platform", "qaz"]);
    assert!(stderr(&out).contains("no key in the key set has the id"), "{}", stderr(&out));
}

#[actix_web::test]
async fn a_signature_verifies_with_pyjwt_as_a_platform_would_check_it() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000), ("acc-2", 10)]).await;
    let set = key_set(&app).await;
    let dir = app.key_file().parent().unwrap().to_owned();
    let (keys, answer, script) = (dir.join("keys.json"), dir.join("answer.json"), dir.join("verify.py"));
    std::fs::write(&keys, serde_json::to_string(&set).unwrap()).unwrap();
    // The snippet docs/STATEMENTS.md gives platforms, run as written.
    std::fs::write(&script, crate::docs::code_block("docs/STATEMENTS.md", "python")).unwrap();
    let run = |value: &Value| {
        std::fs::write(&answer, value.to_string()).unwrap();
        std::process::Command::new("/usr/bin/python3").arg(&script).arg(&keys).arg(&answer).arg("qaz").output().unwrap()
    };
    let single = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    let feed = app.all_changes(&token, 0, 10).await;
    for read in [&single, &feed[0], &feed[1]] {
        let out = run(read);
        assert!(out.status.success(), "{read}: {}", String::from_utf8_lossy(&out.stderr));
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!((&printed["account_ref"], &printed["seq"]), (&read["account_ref"], &read["seq"]));
    }
    let mut doctored = single.clone();
    doctored["seq"] = json!(single["seq"].as_i64().unwrap() + 1);
    assert!(!run(&doctored).status.success(), "a changed answer is refused");
}

#[actix_web::test]
async fn a_status_not_yet_stored_by_the_job_is_signed_as_shown() {
    // The transitions job does not run in this test: the deadline passes unstored.
    let app = spawn_app_with(|s| {
        s.policy.grace_period = TimeDelta::seconds(1);
        s.job_interval = TimeDelta::hours(1);
    })
    .await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000)]).await;
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    let single = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(single["status"], "overdue");
    let statement = checked(&single, &key_set(&app).await, "qaz");
    assert_eq!(statement.status.as_str(), "overdue");
    assert_eq!(statement.status_changed_at, statement.deadline.unwrap(), "overdue since the deadline");
}

#[actix_web::test]
async fn after_a_key_rotation_old_and_new_statements_verify_and_the_old_key_stays_listed() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000)]).await;
    let before = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();

    let out = app.cli(&["keys", "rotate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The node takes the rotated key file within a job interval (a second here).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 2;
    let after = loop {
        app.report(&token, &[(&format!("acc-{n}"), 7000)]).await;
        let read = app.api_get(&token, &format!("/api/v1/accounts/acc-{n}")).await.json();
        let (_, kid) = statements::verify(read.as_object().unwrap(), Some("qaz"), &key_set(&app).await).unwrap();
        if kid != app.keys.status_key().kid() {
            break read;
        }
        assert!(Instant::now() < deadline, "the new key was never used");
        n += 1;
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    let set = key_set(&app).await;
    assert_eq!(set.keys.len(), 2, "both keys listed: {set:?}");
    checked(&before, &set, "qaz");
    checked(&after, &set, "qaz");
    let again = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(
        again["signature"], before["signature"],
        "an unchanged account keeps the signature made when it changed"
    );
}

#[actix_web::test]
async fn head_statements_follow_each_platforms_own_feed() {
    let app = spawn_app_with(|s| s.status_head_interval = TimeDelta::seconds(1)).await;
    let (qaz, other) = (app.add_platform("qaz"), app.add_platform("other"));
    assert_eq!(app.api_get("", "/api/v1/statements/head").await.status, 401);
    app.report(&qaz, &[("acc-1", 7000)]).await;
    let newest = app.all_changes(&qaz, 0, 10).await.last().unwrap()["seq"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let head = loop {
        let reply = app.api_get(&qaz, "/api/v1/statements/head").await;
        if reply.status == 200 && reply.json()["seq"] == newest {
            break reply.json();
        }
        assert!(Instant::now() < deadline, "no head at seq {newest}: {}", reply.body);
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    let (Statement::Head(signed), _) =
        statements::verify(head.as_object().unwrap(), None, &key_set(&app).await).unwrap()
    else {
        panic!("not a head statement: {head}")
    };
    assert_eq!((signed.platform.as_str(), signed.seq), ("qaz", newest));
    assert_eq!(Some(signed.issued_at), head["issued_at"].as_str().map(|t| t.parse().unwrap()));
    assert!(Utc::now() - signed.issued_at < TimeDelta::seconds(5));
    let theirs = app.api_get(&other, "/api/v1/statements/head").await.json();
    assert_eq!((theirs["platform"].as_str(), theirs["seq"].as_i64()), (Some("other"), Some(0)), "{theirs}");

    // A head names its platform: the command line needs nothing more.
    let out = verify_with_cli(&app, "head.json", &head.to_string(), &key_set(&app).await, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("the newest change in platform qaz's feed was {newest}")),
        "{}",
        stdout(&out)
    );
}

#[actix_web::test]
async fn every_node_answers_with_the_same_statement() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000)]).await;
    let node = app.another_node().await;
    let here = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    let there = node.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(here["signature"], there["signature"]);
}
