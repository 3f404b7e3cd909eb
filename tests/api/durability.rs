//! The `serve` process killed with SIGKILL while platforms report, again and
//! again: every report it acknowledged is there after a restart, the change
//! feed holds each change once and in order, and the audit log verifies.

use crate::helpers::{CliFixture, free_port, key_file, stderr};
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KILLS: usize = 20;

/// `registry serve` on `port` over the fixture's database, ready to answer.
async fn start(fx: &CliFixture, port: u16) -> Child {
    let key_file = key_file(&fx.db);
    let mut child = Command::new(env!("CARGO_BIN_EXE_registry"))
        .arg("serve")
        .current_dir(fx.db.dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("REGISTRY_DATABASE_URL", &fx.db.url_string)
        .env("REGISTRY_KEY_FILE", &key_file)
        .env("REGISTRY_BIND", format!("127.0.0.1:{port}"))
        .env("REGISTRY_METRICS_BIND", "127.0.0.1:0")
        .env("REGISTRY_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the registry binary starts");
    let client = awc::Client::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let ready = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await;
        if ready.is_ok_and(|reply| reply.status().is_success()) {
            return child;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    panic!("serve did not become ready");
}

/// Reports batches of new accounts until the server stops answering; returns
/// the refs of every batch answered with a 2xx.
async fn report_until_killed(port: u16, token: &str, first: usize) -> Vec<String> {
    let client = awc::Client::builder().timeout(Duration::from_secs(5)).finish();
    let mut acknowledged = Vec::new();
    for batch in 0.. {
        let refs: Vec<String> = (0..20).map(|i| format!("acc-{}", first + batch * 20 + i)).collect();
        let accounts: Vec<_> = refs
            .iter()
            .map(|r| serde_json::json!({ "account_ref": r, "handle": format!("@{r}"), "follower_count": 7000 }))
            .collect();
        let sent = client
            .post(format!("http://127.0.0.1:{port}/api/v1/accounts/report"))
            .bearer_auth(token)
            .send_json(&serde_json::json!({ "accounts": accounts }))
            .await;
        match sent {
            Ok(reply) if reply.status().is_success() => acknowledged.extend(refs),
            _ => return acknowledged,
        }
    }
    acknowledged
}

#[actix_web::test]
async fn every_acknowledged_report_survives_twenty_sigkills_and_the_feed_and_audit_log_stay_whole() {
    let fx = CliFixture::new();
    let added = fx.run(&["platform", "add", "--slug", "qaz", "--name", "Qaz", "--json"]);
    assert!(added.status.success(), "{}", stderr(&added));
    let token =
        serde_json::from_slice::<serde_json::Value>(&added.stdout).unwrap()["token"].as_str().unwrap().to_owned();
    let port = free_port();
    let mut acknowledged = BTreeSet::new();
    for kill in 0..KILLS {
        let mut server = start(&fx, port).await;
        let writer = actix_web::rt::spawn({
            let token = token.clone();
            async move { report_until_killed(port, &token, kill * 1_000_000).await }
        });
        // A different moment each time: 30 to 220 ms into the load.
        actix_web::rt::time::sleep(Duration::from_millis(30 + (kill as u64 * 37) % 190)).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        acknowledged.extend(writer.await.unwrap());
        let verified = fx.run(&["audit", "verify"]);
        assert!(verified.status.success(), "after kill {kill}: {}", stderr(&verified));
    }
    assert!(acknowledged.len() > 100 * KILLS / 10, "the load did write: {} accounts", acknowledged.len());

    let mut server = start(&fx, port).await;
    let client = awc::Client::default();
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let mut reply = client
            .get(format!("http://127.0.0.1:{port}/api/v1/changes?after={after}&limit=1000"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let page: serde_json::Value = reply.json().limit(16 << 20).await.unwrap();
        let changes = page["changes"].as_array().unwrap().clone();
        if changes.is_empty() {
            break;
        }
        after = page["next"].as_i64().unwrap();
        seen.extend(
            changes.iter().map(|c| (c["seq"].as_i64().unwrap(), c["account_ref"].as_str().unwrap().to_owned())),
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let seqs: Vec<i64> = seen.iter().map(|(seq, _)| *seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "the feed is in order, each change once");
    let refs: BTreeSet<String> = seen.into_iter().map(|(_, r)| r).collect();
    let lost: Vec<_> = acknowledged.difference(&refs).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}
