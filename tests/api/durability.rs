//! The `serve` process killed with SIGKILL while platforms report and owners
//! identify, again and again: every report and identification it
//! acknowledged is there after a restart, the change feed holds each change
//! once and in order, and the audit log verifies.

use crate::helpers::{CliFixture, Visitor, free_port, iin, key_file, queued_mail_in, stderr};
use registry::db::Pool;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

const KILLS: usize = 20;

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

/// Owners claiming a newly reported account each and identifying through the
/// forms, one after another, until the server stops answering; returns the
/// accounts whose identification was confirmed (the code accepted: 303 to
/// the confirmation).
async fn identify_until_killed(pool: Pool, key_file: PathBuf, port: u16, token: String, first: u32) -> Vec<String> {
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::builder().timeout(Duration::from_secs(5)).finish();
    let mut confirmed = Vec::new();
    for owner in first.. {
        let account = format!("own-{owner}");
        let report =
            serde_json::json!({ "accounts": [{ "account_ref": account, "handle": "@owner", "follower_count": 9000 }] });
        let reported =
            client.post(format!("{base}/api/v1/accounts/report")).bearer_auth(&token).send_json(&report).await;
        let Ok(mut reported) = reported else { return confirmed };
        let Ok(results) = reported.json::<serde_json::Value>().await else { return confirmed };
        let code = results["results"][0]["claim_code"].as_str().unwrap_or_default().to_owned();
        let mut visitor = Visitor::at(base.clone().into());
        let fields = [("platform", "qaz"), ("account", account.as_str()), ("claim_code", code.as_str())];
        let Some(claimed) = visitor.try_submit("/claim?lang=en", "/claim?lang=en", &fields).await else {
            return confirmed;
        };
        assert_eq!(claimed.status, 303, "{}", claimed.body);
        let (iin, email) = (iin(owner * 7), format!("owner-{owner}@example.kz"));
        let form = [
            ("owner_type", "resident"),
            ("iin", iin.as_str()),
            ("surname", "Owner"),
            ("given_name", "Test"),
            ("email", email.as_str()),
            ("consent", "yes"),
        ];
        let path = "/claim/identify?type=resident";
        let Some(sent) = visitor.try_submit(path, "/claim/identify?lang=en", &form).await else { return confirmed };
        if sent.location.as_deref() != Some("/claim/confirm") {
            continue; // an IIN another test owner drew: its code goes to that record's address
        }
        let mail = queued_mail_in(&pool, &key_file);
        let Some(code) = mail.iter().rev().find(|m| m.kind == "contact-code" && m.to == email) else { continue };
        let code = code.value("code");
        let confirm = "/claim/confirm?lang=en";
        let Some(done) = visitor.try_submit(confirm, confirm, &[("code", &code)]).await else { return confirmed };
        assert_eq!(done.location.as_deref(), Some("/claim/done"), "{}", done.body);
        confirmed.push(account);
    }
    confirmed
}

#[actix_web::test]
async fn every_acknowledged_report_survives_twenty_sigkills_and_the_feed_and_audit_log_stay_whole() {
    let fx = CliFixture::new();
    let token = fx.add_platform("qaz");
    let port = free_port();
    let mut acknowledged = BTreeSet::new();
    let mut identified = BTreeSet::new();
    for kill in 0..KILLS {
        let mut server = fx.serve(port, &[]).await;
        let writer = actix_web::rt::spawn({
            let token = token.clone();
            async move { report_until_killed(port, &token, kill * 1_000_000).await }
        });
        let owners = actix_web::rt::spawn(identify_until_killed(
            fx.db.pool(),
            key_file(&fx.db),
            port,
            token.clone(),
            u32::try_from(kill).unwrap() * 1_000,
        ));
        // A different moment each time: 200 to 590 ms into the load.
        actix_web::rt::time::sleep(Duration::from_millis(200 + (kill as u64 * 37) % 390)).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        identified.extend(owners.await.unwrap());
        acknowledged.extend(writer.await.unwrap());
        let verified = fx.run(&["audit", "verify"]);
        assert!(verified.status.success(), "after kill {kill}: {}", stderr(&verified));
    }
    assert!(acknowledged.len() > 100 * KILLS / 10, "the load did write: {} accounts", acknowledged.len());
    assert!(identified.len() >= KILLS / 2, "owners did identify: {}", identified.len());

    let mut server = fx.serve(port, &[]).await;
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
        seen.extend(changes.iter().map(|c| {
            let field = |name: &str| c[name].as_str().unwrap().to_owned();
            (c["seq"].as_i64().unwrap(), field("account_ref"), field("status"))
        }));
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let seqs: Vec<i64> = seen.iter().map(|(seq, ..)| *seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "the feed is in order, each change once");
    let refs: BTreeSet<String> = seen.iter().map(|(_, r, _)| r.clone()).collect();
    let lost: Vec<_> = acknowledged.difference(&refs).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let latest: BTreeMap<&str, &str> = seen.iter().map(|(_, r, status)| (r.as_str(), status.as_str())).collect();
    let unverified: Vec<_> = identified.iter().filter(|a| latest.get(a.as_str()) != Some(&"verified")).collect();
    assert!(unverified.is_empty(), "identification confirmed but the account is not verified: {unverified:?}");
}
