//! Webhooks as a platform's receiver sees them: real HTTP receivers, real
//! failures, signatures checked with an independent implementation.

use crate::helpers::{
    CliFixture, Mode, RECEIVER_HOST, Received, Receiver, TestApp, free_port, spawn_app_with, stderr, verify_with_python,
};
use chrono::TimeDelta;
use registry::config::{AddressBlock, Settings};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Settings for webhook tests: the receivers' address allowed (and nothing
/// else private), plain http, retries in a fraction of a second.
fn webhook_settings(s: &mut Settings) {
    s.webhooks.allow = vec![AddressBlock::parse(RECEIVER_HOST).unwrap()];
    s.webhooks.allow_http = true;
    s.webhooks.retry = TimeDelta::milliseconds(200);
    s.webhooks.timeout = Duration::from_secs(1);
}

async fn add_endpoint(app: &TestApp, token: &str, url: &str, scheme: &str) -> (i64, String) {
    let reply = app.api_post(token, "/api/v1/webhooks", &json!({ "url": url, "scheme": scheme })).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = reply.json();
    (body["endpoint"]["id"].as_i64().unwrap(), body["secret"].as_str().unwrap().to_owned())
}

/// The platform's `n` deliveries once every one is recorded as delivered
/// (received is not yet recorded: a round records once its sends are done).
async fn recorded_deliveries(app: &TestApp, token: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = app.api_get(token, "/api/v1/webhooks/deliveries?limit=200").await.json();
        let deliveries = listed["deliveries"].as_array().unwrap().clone();
        if deliveries.len() == n && deliveries.iter().all(|d| d["state"] == "delivered") {
            return deliveries;
        }
        assert!(Instant::now() < deadline, "not all {n} recorded as delivered: {listed}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Each received event's `data`, by `seq`.
fn by_seq(received: &[Received]) -> BTreeMap<i64, Value> {
    received.iter().map(|r| (r.json()["data"]["seq"].as_i64().unwrap(), r.json()["data"].clone())).collect()
}

#[actix_web::test]
async fn a_receiver_gets_exactly_its_platforms_events_signed_as_standard_webhooks_says() {
    let app = spawn_app_with(webhook_settings).await;
    let (qaz, other) = (app.add_platform("qaz"), app.add_platform("other"));
    let (ours, theirs) = (Receiver::start().await, Receiver::start().await);
    let (_, secret) = add_endpoint(&app, &qaz, &ours.url(), "v1").await;
    let (_, public_key) = add_endpoint(&app, &other, &theirs.url(), "v1a").await;
    assert!(secret.starts_with("whsec_") && public_key.starts_with("whpk_"));

    app.report(&qaz, &[("acc-1", 7000), ("acc-2", 10)]).await;
    app.report(&other, &[("acc-9", 7000)]).await;
    app.report(&qaz, &[("acc-2", 8000)]).await;
    let feed = app.all_changes(&qaz, 0, 100).await;
    assert_eq!(feed.len(), 3);

    let received = ours.wait_for(3).await;
    let events = by_seq(&received);
    for change in &feed {
        let event = &events[&change["seq"].as_i64().unwrap()];
        assert_eq!(event["account_ref"], change["account_ref"]);
        assert_eq!(event["status"], change["status"]);
        assert_eq!(event["assurance"], json!(null));
    }
    for r in &received {
        let body = r.json();
        assert_eq!(body["type"], "account.status_changed");
        let keys: BTreeSet<&str> = body["data"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["account_ref", "assurance", "seq", "status"]), "thin: nothing else");
        assert!(r.id.starts_with("msg_"));
    }
    verify_with_python(&received, &[&secret]);
    let elsewhere = theirs.wait_for(1).await;
    assert_eq!(elsewhere.len(), 1);
    assert_eq!(elsewhere[0].json()["data"]["account_ref"], "acc-9", "nothing of another platform");
    verify_with_python(&elsewhere, &[&public_key]);
    let deliveries = recorded_deliveries(&app, &qaz, 3).await;
    assert_eq!(ours.accepted().len(), 3, "each event once when the receiver accepts it");
    let listed: BTreeSet<&str> = deliveries.iter().map(|d| d["webhook_id"].as_str().unwrap()).collect();
    assert_eq!(listed, received.iter().map(|r| r.id.as_str()).collect(), "the ids the platform sees listed");
}

#[actix_web::test]
async fn a_receiver_down_then_failing_then_hanging_gets_every_event_once_it_recovers() {
    let app = spawn_app_with(webhook_settings).await;
    let token = app.add_platform("qaz");
    let receiver = Receiver::down();
    let (endpoint, secret) = add_endpoint(&app, &token, &receiver.url(), "v1").await;
    for n in 1..=4 {
        app.report(&token, &[(&format!("acc-{n}"), 7000)]).await;
    }
    // Down: connections refused, retried with back-off (one probe a round).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = app.api_get(&token, &format!("/api/v1/webhooks/deliveries?endpoint={endpoint}")).await.json();
        let retried = listed["deliveries"].as_array().unwrap().iter().find(|d| d["attempts"].as_i64() >= Some(2));
        if let Some(first) = retried {
            assert_eq!(first["state"], "pending");
            assert!(first["last_error"].as_str().unwrap().contains("onnection"), "{first}");
            assert!(first.get("last_status").is_none());
            // Still queued: a redelivery would only send it twice at once.
            let id = first["id"].as_i64().unwrap();
            let again = app.api_post(&token, &format!("/api/v1/webhooks/deliveries/{id}/redeliver"), &json!({})).await;
            assert_eq!((again.status, again.error_code()), (409, "delivery_pending".to_owned()));
            break;
        }
        assert!(Instant::now() < deadline, "no retries: {listed}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let endpoints = app.api_get(&token, "/api/v1/webhooks").await.json();
    assert!(endpoints["endpoints"][0]["failing_since"].is_string(), "{endpoints}");

    // One attempt in each mode: the endpoint rests longer after each.
    receiver.listen(Mode::Fail);
    receiver.wait_for_requests(1).await;
    receiver.set_mode(Mode::Hang);
    let seen = receiver.requests_seen();
    receiver.wait_for_requests(seen + 1).await;
    let listed = app.api_get(&token, "/api/v1/webhooks/deliveries").await.json();
    let errors: Vec<String> = listed["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["last_error"].as_str().map(str::to_owned))
        .collect();
    assert!(errors.iter().any(|e| e.contains("answered 500")), "{errors:?}");

    receiver.set_mode(Mode::Accept);
    receiver.wait_for(4).await;
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    let received = receiver.accepted();
    let feed = app.all_changes(&token, 0, 100).await;
    let seqs: BTreeSet<i64> = feed.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert_eq!(by_seq(&received).keys().copied().collect::<BTreeSet<_>>(), seqs, "every change arrived");
    // A duplicate (a hanging attempt the receiver finished after the sender gave up) has the same id and body.
    let mut bodies: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &received {
        assert_eq!(*bodies.entry(&r.id).or_insert(&r.body), r.body.as_str(), "one id, one body");
    }
    verify_with_python(&received, &[&secret]);
    let endpoints = app.api_get(&token, "/api/v1/webhooks").await.json();
    assert!(endpoints["endpoints"][0].get("failing_since").is_none(), "a success ends the failing streak");
}

#[actix_web::test]
async fn a_platform_whose_endpoints_hang_holds_only_its_share_while_another_platform_waits() {
    let app = spawn_app_with(|s| {
        webhook_settings(s);
        s.webhooks.concurrency = 2;
    })
    .await;
    let (hostile, fair) = (app.add_platform("hostile"), app.add_platform("fair"));
    // Three endpoints that never answer within the timeout, with a backlog.
    let hanging = Receiver::down();
    hanging.listen(Mode::Hang);
    for n in 1..=3 {
        add_endpoint(&app, &hostile, &format!("{}/{n}", hanging.url()), "v1").await;
    }
    let refs: Vec<String> = (1..=20).map(|n| format!("acc-{n}")).collect();
    app.report(&hostile, &refs.iter().map(|r| (r.as_str(), 7000)).collect::<Vec<_>>()).await;
    hanging.wait_for_requests(1).await;

    // A slow but working receiver with a backlog: its platform waits for
    // rounds for a few seconds.
    let ours = Receiver::down();
    ours.listen(Mode::Slow);
    add_endpoint(&app, &fair, &ours.url(), "v1").await;
    let refs: Vec<String> = (1..=100).map(|n| format!("fair-{n}")).collect();
    app.report(&fair, &refs.iter().map(|r| (r.as_str(), 7000)).collect::<Vec<_>>()).await;
    let received = ours.wait_for(100).await;
    assert_eq!(by_seq(&received).len(), 100, "every event of the waiting platform arrived");
    // While it waited, two platforms shared two workers: one round at a
    // time on the hanging endpoints (a round sends to one endpoint at once
    // and waits out the 1 s timeout). Without shares, a worker done with
    // the slow receiver would take a second hanging endpoint.
    let (first, last) = (ours.arrivals()[0].0, ours.arrivals().last().unwrap().0);
    let arrivals: Vec<(Instant, String)> =
        hanging.arrivals().into_iter().filter(|(at, _)| *at >= first && *at <= last).collect();
    assert!(!arrivals.is_empty(), "the hanging endpoints kept their share");
    let (mut round_start, mut round_path) = (arrivals[0].0, &arrivals[0].1);
    for (at, path) in &arrivals[1..] {
        if *at - round_start < Duration::from_millis(500) {
            assert_eq!(path, round_path, "two hanging endpoints in flight at once: {arrivals:?}");
        } else {
            assert!(*at - round_start >= Duration::from_millis(800), "{arrivals:?}");
            (round_start, round_path) = (*at, path);
        }
    }
}

#[actix_web::test]
async fn three_nodes_over_one_database_send_each_delivery_once() {
    let app = spawn_app_with(|s| {
        webhook_settings(s);
        // Never a retry for a slow answer on a busy machine: only a second node could send twice.
        s.webhooks.timeout = Duration::from_secs(10);
    })
    .await;
    let nodes = [app.another_node().await, app.another_node().await];
    let qaz = app.add_platform("qaz");
    // Slow receivers keep rounds in flight while the nodes' 24 workers look for endpoints to lease.
    let receivers = [Receiver::down(), Receiver::down(), Receiver::down()];
    for receiver in &receivers {
        receiver.listen(Mode::Slow);
        add_endpoint(&app, &qaz, &receiver.url(), "v1").await;
    }
    // Reported through every node: each queues its changes' deliveries.
    let refs: Vec<String> = (1..=45).map(|n| format!("acc-{n}")).collect();
    for (node, chunk) in [&app, &nodes[0], &nodes[1]].into_iter().cycle().zip(refs.chunks(5)) {
        let reply = node.report(&qaz, &chunk.iter().map(|r| (r.as_str(), 7000)).collect::<Vec<_>>()).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    for receiver in &receivers {
        let received = receiver.wait_for(45).await;
        let ids: BTreeSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 45, "every event arrived");
    }
    // Every round recorded: then nothing is left to send.
    let deliveries = recorded_deliveries(&nodes[1], &qaz, 135).await;
    assert!(deliveries.iter().all(|d| d["attempts"] == 1), "{deliveries:?}");
    for receiver in &receivers {
        assert_eq!(receiver.requests_seen(), 45, "each delivery sent once, by one node");
    }
}

#[actix_web::test]
async fn an_endpoint_that_keeps_failing_gets_single_probes_with_growing_rests_not_its_backlog() {
    let app = spawn_app_with(webhook_settings).await;
    let token = app.add_platform("qaz");
    let receiver = Receiver::down();
    receiver.listen(Mode::Fail);
    add_endpoint(&app, &token, &receiver.url(), "v1").await;
    let refs: Vec<String> = (1..=40).map(|n| format!("acc-{n}")).collect();
    app.report(&token, &refs.iter().map(|r| (r.as_str(), 7000)).collect::<Vec<_>>()).await;
    receiver.wait_for_requests(1).await;
    actix_web::rt::time::sleep(Duration::from_secs(5)).await;
    // The first round finds it failing (up to 8 at once: the rest of the
    // round stops at the first failure); then one probe a round, resting
    // as long as it has failed (from 0.2 s here): about 5 more in 5 s, the
    // last more than a second apart. Rounds of 8 would send dozens; rests
    // that did not grow, a probe every few tenths.
    let arrivals: Vec<Instant> = receiver.arrivals().into_iter().map(|(at, _)| at).collect();
    assert!(arrivals.len() <= 16, "{} requests in 5 s", arrivals.len());
    // Half a second: longer than the first round's attempts take to arrive, even on a busy machine.
    let probes: Vec<Instant> =
        arrivals.iter().copied().filter(|at| *at - arrivals[0] >= Duration::from_millis(500)).collect();
    assert!(!probes.is_empty(), "probes follow the first round: {arrivals:?}");
    assert!(probes.windows(2).all(|w| w[1] - w[0] >= Duration::from_millis(100)), "one a round: {probes:?}");
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().max() >= Some(&Duration::from_secs(1)), "the rests grow: {gaps:?}");
}

#[actix_web::test]
async fn an_endpoint_failing_for_the_whole_window_is_disabled_and_the_platform_sees_why() {
    let app = spawn_app_with(|s| {
        webhook_settings(s);
        s.webhooks.give_up_after = TimeDelta::seconds(2);
    })
    .await;
    let token = app.add_platform("qaz");
    let receiver = Receiver::down();
    let (endpoint, _) = add_endpoint(&app, &token, &receiver.url(), "v1").await;
    app.report(&token, &[("acc-1", 7000)]).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let listed = loop {
        let listed = app.api_get(&token, "/api/v1/webhooks").await.json();
        if listed["endpoints"][0]["disabled_at"].is_string() {
            break listed;
        }
        assert!(Instant::now() < deadline, "never disabled: {listed}");
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(listed["endpoints"][0]["disabled_reason"].as_str().unwrap().contains("failed"), "{listed}");
    let deliveries = app.api_get(&token, "/api/v1/webhooks/deliveries").await.json();
    assert_eq!(deliveries["deliveries"][0]["state"], "failed");
    let id = deliveries["deliveries"][0]["id"].as_i64().unwrap();
    let again = app.api_post(&token, &format!("/api/v1/webhooks/deliveries/{id}/redeliver"), &json!({})).await;
    assert_eq!((again.status, again.error_code()), (409, "endpoint_disabled".to_owned()));
    // Nothing more is queued for it.
    app.report(&token, &[("acc-2", 7000)]).await;
    let after = app.api_get(&token, &format!("/api/v1/webhooks/deliveries?endpoint={endpoint}")).await.json();
    assert_eq!(after["deliveries"].as_array().unwrap().len(), 1, "{after}");
}

#[actix_web::test]
async fn a_rotation_signs_with_both_secrets_and_a_redelivery_keeps_its_id() {
    let app = spawn_app_with(webhook_settings).await;
    let token = app.add_platform("qaz");
    let receiver = Receiver::start().await;
    let (endpoint, old) = add_endpoint(&app, &token, &receiver.url(), "v1").await;
    app.report(&token, &[("acc-1", 7000)]).await;
    let first = receiver.wait_for(1).await;

    let rotated = app.api_post(&token, &format!("/api/v1/webhooks/{endpoint}/rotate"), &json!({})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.json()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated.json()["endpoint"]["previous_secret_until"].is_string());
    app.report(&token, &[("acc-2", 7000)]).await;
    let both = receiver.wait_for(2).await;
    assert_eq!(both[1].signature.split(' ').count(), 2, "{}", both[1].signature);
    verify_with_python(&both[1..], &[&old, &new]);

    let deliveries = app.api_get(&token, "/api/v1/webhooks/deliveries").await.json();
    let oldest = deliveries["deliveries"].as_array().unwrap().last().unwrap().clone();
    let id = oldest["id"].as_i64().unwrap();
    let again = app.api_post(&token, &format!("/api/v1/webhooks/deliveries/{id}/redeliver"), &json!({})).await;
    assert_eq!(again.status, 202, "{}", again.body);
    let all = receiver.wait_for(3).await;
    assert_eq!(all[2].id, first[0].id, "a redelivery keeps its webhook-id");
    assert_eq!(all[2].body, first[0].body);
    verify_with_python(&all[2..], &[&new]);
}

#[actix_web::test]
async fn endpoints_in_private_loopback_link_local_or_metadata_ranges_are_refused_unless_allowed() {
    let app = spawn_app_with(webhook_settings).await;
    let token = app.add_platform("qaz");
    let port = free_port();
    for url in [
        format!("http://127.0.0.1:{port}/hooks"),
        format!("http://localhost:{port}/hooks"),
        "http://10.0.0.5/hooks".to_owned(),
        "http://192.168.1.10/hooks".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]/hooks".to_owned(),
        "http://[::ffff:127.0.0.1]/hooks".to_owned(),
        "http://[fd00:ec2::254]/".to_owned(),
        "http://[::127.0.0.1]/hooks".to_owned(),
        "http://[2002:7f00:1::]/hooks".to_owned(),
        format!("http://{RECEIVER_HOST}:0/hooks"),
        "http://0.0.0.0/hooks".to_owned(),
        "ftp://example.com/hooks".to_owned(),
        "http://user:secret@127.0.0.2/hooks".to_owned(),
    ] {
        let reply = app.api_post(&token, "/api/v1/webhooks", &json!({ "url": url })).await;
        assert_eq!(reply.status, 400, "{url}: {}", reply.body);
        assert!(reply.json()["error"]["message"].as_str().unwrap().starts_with("url: "), "{}", reply.body);
        assert!(!reply.body.contains("secret"), "the submitted value is not repeated");
    }
    assert_eq!(app.api_get(&token, "/api/v1/webhooks").await.json()["endpoints"], json!([]), "nothing stored");
    let allowed =
        app.api_post(&token, "/api/v1/webhooks", &json!({ "url": format!("http://{RECEIVER_HOST}:{port}/") })).await;
    assert_eq!(allowed.status, 201, "the allow-listed address: {}", allowed.body);

    // Without the development setting, plain http is refused even where the address is allowed.
    let strict = spawn_app_with(|s| s.webhooks.allow = vec![AddressBlock::parse(RECEIVER_HOST).unwrap()]).await;
    let token = strict.add_platform("qaz");
    let reply =
        strict.api_post(&token, "/api/v1/webhooks", &json!({ "url": format!("http://{RECEIVER_HOST}:{port}/") })).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("https"), "{}", reply.body);
}

#[actix_web::test]
async fn a_platform_never_reaches_another_platforms_endpoints_or_deliveries() {
    let app = spawn_app_with(webhook_settings).await;
    let (qaz, other) = (app.add_platform("qaz"), app.add_platform("other"));
    let receiver = Receiver::start().await;
    let (endpoint, _) = add_endpoint(&app, &qaz, &receiver.url(), "v1").await;
    app.report(&qaz, &[("acc-1", 7000)]).await;
    receiver.wait_for(1).await;
    let delivery =
        app.api_get(&qaz, "/api/v1/webhooks/deliveries").await.json()["deliveries"][0]["id"].as_i64().unwrap();

    assert_eq!(app.api_get(&other, "/api/v1/webhooks").await.json()["endpoints"], json!([]));
    assert_eq!(app.api_get(&other, "/api/v1/webhooks/deliveries").await.json()["deliveries"], json!([]));
    let filtered = app.api_get(&other, &format!("/api/v1/webhooks/deliveries?endpoint={endpoint}")).await;
    assert_eq!(filtered.json()["deliveries"], json!([]));
    let zero = app.api_get(&qaz, "/api/v1/webhooks/deliveries?endpoint=0").await;
    assert!(zero.json()["error"]["message"].as_str().unwrap().starts_with("endpoint: "), "{}", zero.body);
    let rotate = app.api_post(&other, &format!("/api/v1/webhooks/{endpoint}/rotate"), &json!({})).await;
    assert_eq!(rotate.status, 404);
    let redeliver =
        app.api_post(&other, &format!("/api/v1/webhooks/deliveries/{delivery}/redeliver"), &json!({})).await;
    assert_eq!(redeliver.status, 404);
    let request = app.client.delete(format!("{}/api/v1/webhooks/{endpoint}", app.address)).bearer_auth(&other);
    assert_eq!(app.send(request, None).await.status, 404);
    assert_eq!(
        app.api_get(&qaz, "/api/v1/webhooks").await.json()["endpoints"].as_array().unwrap().len(),
        1,
        "still there"
    );

    // No token: 401 before the body is read.
    let anonymous =
        app.client.post(format!("{}/api/v1/webhooks", app.address)).insert_header(("content-type", "application/json"));
    assert_eq!(app.send(anonymous, Some(b"{not json")).await.status, 401);
    let bad = app.api_post_raw(&qaz, "/api/v1/webhooks", br#"{"url":"https://example.com","extra":1}"#).await;
    assert_eq!(bad.status, 400);
    let bad_scheme = app.api_post(&qaz, "/api/v1/webhooks", &json!({ "url": receiver.url(), "scheme": "v2" })).await;
    assert_eq!(bad_scheme.status, 400);

    let request = app.client.delete(format!("{}/api/v1/webhooks/{endpoint}", app.address)).bearer_auth(&qaz);
    assert_eq!(app.send(request, None).await.status, 204);
    assert_eq!(app.api_get(&qaz, "/api/v1/webhooks/deliveries").await.json()["deliveries"], json!([]));
}

#[actix_web::test]
async fn events_queued_while_the_receiver_is_down_arrive_after_a_restart_of_serve() {
    let fx = CliFixture::new();
    let token = fx.add_platform("qaz");
    let receiver = Receiver::down();
    let out = fx.run(&["platform", "webhook", "add", "--platform", "qaz", "--url", &receiver.url(), "--json"]);
    assert!(!out.status.success(), "plain http is refused without the development setting");
    let allowed = [("REGISTRY_WEBHOOK_ALLOW", RECEIVER_HOST), ("REGISTRY_WEBHOOK_ALLOW_HTTP", "true")];
    let out = fx
        .command(&allowed, &["platform", "webhook", "add", "--platform", "qaz", "--url", &receiver.url(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = printed["secret"].as_str().unwrap().to_owned();

    let port = free_port();
    let mut first = fx.serve(port, &allowed).await;
    let client = awc::Client::default();
    let accounts: Vec<Value> = (1..=5)
        .map(|n| json!({ "account_ref": format!("acc-{n}"), "handle": format!("@acc{n}"), "follower_count": 7000 }))
        .collect();
    let reply = client
        .post(format!("http://127.0.0.1:{port}/api/v1/accounts/report"))
        .bearer_auth(&token)
        .send_json(&json!({ "accounts": accounts }))
        .await
        .unwrap();
    assert!(reply.status().is_success());
    // Killed once the endpoint was tried (and refused, so it rests): the
    // events wait in the outbox, not in a lease.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut listed = client
            .get(format!("http://127.0.0.1:{port}/api/v1/webhooks/deliveries"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let listed: Value = listed.json().await.unwrap();
        let tried = listed["deliveries"].as_array().unwrap().iter().filter(|d| d["last_error"].is_string()).count();
        if tried > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no event was tried: {listed}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();

    receiver.listen(Mode::Accept);
    let mut second = fx.serve(port, &allowed).await;
    let received = receiver.wait_for(5).await;
    second.kill().unwrap();
    second.wait().unwrap();
    let refs: BTreeSet<String> =
        received.iter().map(|r| r.json()["data"]["account_ref"].as_str().unwrap().to_owned()).collect();
    assert_eq!(refs.len(), 5, "none lost: {refs:?}");
    verify_with_python(&received, &[&secret]);
}

#[actix_web::test]
async fn a_serve_told_to_stop_records_the_delivery_in_flight_and_exits_cleanly() {
    let fx = CliFixture::new();
    let token = fx.add_platform("qaz");
    let receiver = Receiver::down();
    // Answers 200 after three seconds: within serve's timeout, after the stop.
    receiver.listen(Mode::Hang);
    let allowed = [("REGISTRY_WEBHOOK_ALLOW", RECEIVER_HOST), ("REGISTRY_WEBHOOK_ALLOW_HTTP", "true")];
    let out = fx
        .command(&allowed, &["platform", "webhook", "add", "--platform", "qaz", "--url", &receiver.url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let port = free_port();
    let mut serve = fx.serve(port, &allowed).await;
    let client = awc::Client::default();
    let report = json!({ "accounts": [{ "account_ref": "acc-1", "handle": "@acc1", "follower_count": 7000 }] });
    let reply = client
        .post(format!("http://127.0.0.1:{port}/api/v1/accounts/report"))
        .bearer_auth(&token)
        .send_json(&report)
        .await
        .unwrap();
    assert!(reply.status().is_success());
    // No connection left open: the server stops at once, while the answer is still on its way.
    drop((reply, client));
    receiver.wait_for_requests(1).await;

    let pid = serve.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exited = loop {
        if let Some(status) = serve.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop within 30 s of SIGTERM");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exited.success(), "a stop asked for is a clean exit, not {exited}");

    // A node started afterwards finds the delivery done, not leased or owed.
    let mut next = fx.serve(port, &allowed).await;
    let mut listed = awc::Client::default()
        .get(format!("http://127.0.0.1:{port}/api/v1/webhooks/deliveries"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let listed: Value = listed.json().await.unwrap();
    next.kill().unwrap();
    next.wait().unwrap();
    let deliveries = listed["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "{listed}");
    assert_eq!(deliveries[0]["state"], "delivered", "{listed}");
    assert_eq!(deliveries[0]["attempts"], 1, "{listed}");
    assert_eq!(receiver.requests_seen(), 1, "sent once");
}

#[actix_web::test]
async fn deliveries_that_ended_a_month_ago_are_pruned_and_pending_ones_kept() {
    let app = spawn_app_with(webhook_settings).await;
    let token = app.add_platform("qaz");
    let receiver = Receiver::start().await;
    add_endpoint(&app, &token, &receiver.url(), "v1").await;
    app.report(&token, &[("acc-1", 7000)]).await;
    recorded_deliveries(&app, &token, 1).await;
    let mut conn = app.pool.get().unwrap();
    let now = chrono::Utc::now();
    registry::services::retention::prune(&mut conn, now + TimeDelta::days(29)).unwrap();
    assert_eq!(
        app.api_get(&token, "/api/v1/webhooks/deliveries").await.json()["deliveries"].as_array().unwrap().len(),
        1
    );
    registry::services::retention::prune(&mut conn, now + TimeDelta::days(31)).unwrap();
    assert_eq!(app.api_get(&token, "/api/v1/webhooks/deliveries").await.json()["deliveries"], json!([]));
}
