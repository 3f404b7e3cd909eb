//! The audit log as outsiders see it: a C2SP checkpoint, tiles anyone can
//! mirror, and the checks that find a log changed after the fact.

use crate::helpers::{CliFixture, TestApp, WitnessProcess, spawn_app, stderr, stdout};
use diesel::prelude::*;
use registry::audit::note::{CosignatureVerifier, cosigned_by};
use registry::audit::witnesses::WitnessPolicy;
use registry::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use registry::db::schema::{audit_log, audit_tree, checkpoints, tree_head_cosignatures, tree_heads};
use registry::db::{DbConnection, write_tx};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// `count` identical low-entropy events, as an unknown username's failed logins are.
fn append_identical(conn: &mut DbConnection, count: usize) {
    for _ in 0..count {
        let event = AuditEvent::new(
            Actor::System,
            AuditAction::OfficialLoginFailed,
            AuditSubject::UnknownOfficial,
            serde_json::json!({"count": 1}),
        );
        write_tx(conn, |conn| audit::append(conn, &event, registry::db::now())).unwrap();
    }
}

fn log_key(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out).trim().to_owned()
}

fn newest_note(conn: &mut DbConnection) -> String {
    tree_heads::table.order(tree_heads::size.desc()).select(tree_heads::note).first(conn).unwrap()
}

async fn fetch(app: &TestApp, path: &str) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
    let mut response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
    let body = response.body().await.unwrap().to_vec();
    (response.status().as_u16(), response.headers().clone(), body)
}

fn mirror(app: &TestApp, out: &std::path::Path, key: Option<&str>) -> std::process::Output {
    let url = format!("{}/log", app.address);
    let mut args = vec!["audit", "mirror", "--url", &url, "--out", out.to_str().unwrap()];
    if let Some(key) = key {
        args.extend(["--key", key]);
    }
    app.cli(&args)
}

#[actix_web::test]
async fn the_log_serves_a_signed_checkpoint_and_immutable_tiles_that_a_mirror_checks() {
    let app = spawn_app().await;
    let mut conn = app.pool.get().unwrap();
    append_identical(&mut conn, 300);
    let signed = app.cli(&["audit", "checkpoint"]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let key = log_key(&app.cli(&["audit", "log-key"]));

    let (status, headers, body) = fetch(&app, "/log/checkpoint").await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("content-type").unwrap(), "text/plain; charset=utf-8");
    // Public to monitors on any site.
    assert_eq!(headers.get("access-control-allow-origin").unwrap(), "*");
    assert_eq!(headers.get("cross-origin-resource-policy").unwrap(), "cross-origin");
    let checkpoint = audit::note::verify(&String::from_utf8(body).unwrap(), &key).unwrap();
    assert_eq!(checkpoint.size, 300);

    // A full tile, a partial one and an entry bundle: the same bytes every time, cacheable for good.
    for (path, len) in
        [("/log/tile/0/000", 256 * 32), ("/log/tile/0/001.p/44", 44 * 32), ("/log/tile/entries/001.p/44", 44 * 34)]
    {
        let (status, headers, first) = fetch(&app, path).await;
        assert_eq!((status, first.len()), (200, len), "{path}");
        assert_eq!(headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
        assert_eq!(headers.get("content-type").unwrap(), "application/octet-stream");
        assert_eq!(fetch(&app, path).await.2, first, "{path} changed between requests");
    }
    // The public entries of identical events differ, and none is the unsalted hash of its entry.
    let bundle = fetch(&app, "/log/tile/entries/000").await.2;
    let commitments = audit::tiles::commitments(&bundle).unwrap();
    let distinct: std::collections::HashSet<_> = commitments.iter().collect();
    assert_eq!(distinct.len(), 256);
    let first: audit::Entry = audit::page(&mut conn, 0, 1).unwrap().remove(0);
    let unsalted: [u8; 32] = Sha256::digest(first.canonical().unwrap()).into();
    assert_ne!(commitments[0], unsalted);
    assert_eq!(Some(commitments[0]), first.commitment());

    let (_, _, page) = app.get("/transparency?lang=en").await;
    assert!(page.contains("No witnesses are configured yet"), "{page}");
    assert!(page.contains("<dd id=\"log-size\">300</dd>"), "{page}");

    // Nothing past the checkpoint, nothing malformed: 404, never a 500 or a panic.
    for path in [
        "/log/tile/0/002",
        "/log/tile/0/001",
        "/log/tile/0/001.p/45",
        "/log/tile/1/000.p/2",
        "/log/tile/entries/002.p/1",
        "/log/tile/0/000.p/0",
        "/log/tile/0/000.p/256",
        "/log/tile/64/000",
        "/log/tile/0/x000/000",
        "/log/tile/../checkpoint",
    ] {
        assert_eq!(fetch(&app, path).await.0, 404, "{path}");
    }

    // An outside body mirrors the log from the HTTP endpoints alone.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mirror");
    let first_run = mirror(&app, &out, Some(&key));
    assert!(first_run.status.success(), "{}", stderr(&first_run));
    assert!(
        stdout(&first_run).starts_with("Mirrored 300 entries (300 new, 5 files fetched)"),
        "{}",
        stdout(&first_run)
    );
    for file in ["checkpoint", "tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1", "tile/entries/001.p/44"] {
        assert!(out.join(file).is_file(), "{file} is not in the mirror");
    }
    // The next night: only what is new is fetched, and the log still extends the copy.
    append_identical(&mut conn, 5);
    assert!(app.cli(&["audit", "checkpoint"]).status.success());
    let second_run = mirror(&app, &out, None);
    assert!(
        stdout(&second_run).starts_with("Mirrored 305 entries (5 new, 2 files fetched)"),
        "{}",
        stderr(&second_run)
    );
    // Whoever keeps that checkpoint can check the database against it later.
    let verified = app.cli(&["audit", "verify", "--checkpoint", out.join("checkpoint").to_str().unwrap()]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(stdout(&verified).contains("It still holds every entry the checkpoint in"), "{}", stdout(&verified));

    // A mirror pinned to one key refuses another log's.
    let other = registry::audit::note::LogKey::new(
        registry::audit::note::LogOrigin::parse("localhost/registry-audit").unwrap(),
        ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
    );
    let refused = mirror(&app, &out, Some(&other.verifier_key()));
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("this mirror follows the log whose key is"), "{}", stderr(&refused));
    let fresh = mirror(&app, &dir.path().join("fresh"), Some(&other.verifier_key()));
    assert!(stderr(&fresh).contains("not signed by the log's key"), "{}", stderr(&fresh));
}

/// A database with `count` entries in its tree; returns the checkpoint an
/// outside body kept, written to a file.
fn kept_checkpoint(fx: &CliFixture, count: usize) -> (std::path::PathBuf, tempfile::TempDir) {
    let pool = fx.db.pool();
    let mut conn = pool.get().unwrap();
    append_identical(&mut conn, count);
    assert!(fx.run(&["audit", "checkpoint"]).status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kept-checkpoint");
    std::fs::write(&path, newest_note(&mut conn)).unwrap();
    (path, dir)
}

fn verify_against(fx: &CliFixture, kept: &std::path::Path) -> String {
    let out = fx.run(&["audit", "verify", "--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    stderr(&out)
}

#[test]
fn verify_against_a_kept_checkpoint_names_a_changed_deleted_or_cut_entry() {
    // Changed.
    let fx = CliFixture::new();
    let (kept, _dir) = kept_checkpoint(&fx, 6);
    let mut conn = fx.db.pool().get().unwrap();
    diesel::update(audit_log::table.find(3)).set(audit_log::details.eq(r#"{"count":2}"#)).execute(&mut conn).unwrap();
    let said = verify_against(&fx, &kept);
    assert!(said.contains("audit entry 3 was modified"), "{said}");

    // Deleted from the middle.
    let fx = CliFixture::new();
    let (kept, _dir) = kept_checkpoint(&fx, 6);
    let mut conn = fx.db.pool().get().unwrap();
    diesel::delete(audit_log::table.find(4)).execute(&mut conn).unwrap();
    let said = verify_against(&fx, &kept);
    assert!(said.contains("entry 4 was deleted"), "{said}");

    // The newest entries cut off, tree and all: the shorter log verifies by itself, not against the checkpoint.
    let fx = CliFixture::new();
    let (kept, _dir) = kept_checkpoint(&fx, 6);
    let mut conn = fx.db.pool().get().unwrap();
    diesel::delete(tree_head_cosignatures::table).execute(&mut conn).unwrap();
    diesel::delete(tree_heads::table).execute(&mut conn).unwrap();
    diesel::delete(audit_tree::table).execute(&mut conn).unwrap();
    diesel::delete(checkpoints::table).execute(&mut conn).unwrap();
    diesel::delete(audit_log::table.filter(audit_log::seq.gt(4))).execute(&mut conn).unwrap();
    assert!(fx.run(&["audit", "checkpoint"]).status.success());
    assert!(fx.run(&["audit", "verify"]).status.success(), "the cut log verifies by itself");
    let said = verify_against(&fx, &kept);
    assert!(said.contains("the log was cut short: the checkpoint covers 6 entries, the database holds 4"), "{said}");
}

/// An operator changes an entry, rebuilds the hash chain over it and signs
/// everything again with the registry's own key.
fn rewrite_history(conn: &mut DbConnection, seq: i64) {
    diesel::update(audit_log::table.find(seq)).set(audit_log::details.eq(r#"{"count":7}"#)).execute(conn).unwrap();
    let mut prev = vec![0u8; 32];
    for entry in audit::page(conn, 0, 100_000).unwrap() {
        let leaf = Sha256::new().chain_update([0u8]).chain_update(entry.canonical().unwrap()).finalize();
        let hash = Sha256::new().chain_update(&prev).chain_update(leaf).finalize().to_vec();
        diesel::update(audit_log::table.find(entry.seq))
            .set((audit_log::prev_hash.eq(&prev), audit_log::hash.eq(&hash)))
            .execute(conn)
            .unwrap();
        prev = hash;
    }
    diesel::delete(tree_head_cosignatures::table).execute(conn).unwrap();
    diesel::delete(tree_heads::table).execute(conn).unwrap();
    diesel::delete(audit_tree::table).execute(conn).unwrap();
    diesel::delete(checkpoints::table).execute(conn).unwrap();
}

#[actix_web::test]
async fn a_history_rewritten_and_re_signed_with_the_registrys_own_key_is_caught_by_the_mirror() {
    let app = spawn_app().await;
    let mut conn = app.pool.get().unwrap();
    append_identical(&mut conn, 10);
    assert!(app.cli(&["audit", "checkpoint"]).status.success());
    let key = log_key(&app.cli(&["audit", "log-key"]));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mirror");
    assert!(mirror(&app, &out, Some(&key)).status.success());

    rewrite_history(&mut conn, 3);
    append_identical(&mut conn, 2);
    assert!(app.cli(&["audit", "checkpoint"]).status.success());
    assert!(app.cli(&["audit", "verify"]).status.success(), "the rewritten log verifies by itself");

    let caught = mirror(&app, &out, None);
    assert!(!caught.status.success());
    assert!(
        stderr(&caught).contains("the log rewrote its history: entry 3 differs from the mirrored copy"),
        "{}",
        stderr(&caught)
    );
    // The mirror keeps the checkpoint it had: the rewrite did not replace it.
    let kept = out.join("checkpoint");
    assert_eq!(audit::note::verify(&std::fs::read_to_string(&kept).unwrap(), &key).unwrap().size, 10);

    let kept = kept.to_str().unwrap();
    let without_mirror = app.cli(&["audit", "verify", "--checkpoint", kept]);
    assert!(stderr(&without_mirror).contains("the chain was rebuilt over the changes"), "{}", stderr(&without_mirror));
    let with_mirror = app.cli(&["audit", "verify", "--checkpoint", kept, "--mirror", out.to_str().unwrap()]);
    assert!(stderr(&with_mirror).contains("entry 3 differs from the mirror"), "{}", stderr(&with_mirror));
}

/// Another node of `app` that checkpoints every second and sends each head to
/// the witnesses of `config` (`REGISTRY_WITNESSES`'s form).
async fn node_with_witnesses(app: &TestApp, config: &str, quorum: usize) -> TestApp {
    let witnesses = WitnessPolicy::parse_witnesses(config).unwrap();
    app.another_node_with(|settings| {
        settings.witnesses = WitnessPolicy { witnesses, quorum };
        settings.checkpoint_interval = chrono::TimeDelta::seconds(1);
    })
    .await
}

/// The published checkpoint once it covers `size` entries and is cosigned by every one of `witnesses`.
async fn published_with(node: &TestApp, size: u64, witnesses: &[CosignatureVerifier], key: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, body) = fetch(node, "/log/checkpoint").await;
        let note = String::from_utf8(body).unwrap();
        if status == 200
            && audit::note::verify(&note, key).unwrap().size == size
            && cosigned_by(&note, witnesses).unwrap().len() == witnesses.len()
        {
            return note;
        }
        assert!(Instant::now() < deadline, "no checkpoint of size {size} with every cosignature: {status} {note}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn refusals(node: &TestApp, witness: &str) -> u64 {
    let (_, _, metrics) = node.metrics().await;
    let series = format!("registry_witness_submissions_total{{witness=\"{witness}\",outcome=\"refused\"}} ");
    metrics.lines().find_map(|l| l.strip_prefix(&series)).map_or(0, |n| n.trim().parse().unwrap())
}

#[actix_web::test]
async fn two_witnesses_cosign_each_checkpoint_and_both_refuse_a_rewritten_log() {
    let app = spawn_app().await;
    let mut conn = app.pool.get().unwrap();
    append_identical(&mut conn, 10);
    let key = log_key(&app.cli(&["audit", "log-key"]));
    let (w1, w2) = (WitnessProcess::start("w1.test/witness", &key), WitnessProcess::start("w2.test/witness", &key));
    let verifiers = [CosignatureVerifier::parse(&w1.key).unwrap(), CosignatureVerifier::parse(&w2.key).unwrap()];
    let config = format!("{},{}", w1.config(), w2.config());
    let node = node_with_witnesses(&app, &config, 2).await;

    // Each new head is sent to both and published with both cosignatures.
    let first = published_with(&node, 10, &verifiers, &key).await;
    append_identical(&mut conn, 3);
    let second = published_with(&node, 13, &verifiers, &key).await;
    assert_ne!(first, second);
    // The transparency page names the published head and who cosigned it.
    let (_, _, page) = node.get("/transparency?lang=en").await;
    assert!(page.contains("2 witnesses cosigned: w1.test/witness, w2.test/witness"), "{page}");
    assert!(page.contains(&format!("<code id=\"log-key\">{key}</code>")), "{page}");
    let (_, _, report) = node.get("/api/v1/transparency").await;
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!((report["log"]["size"].as_u64(), report["log"]["witnesses"].as_u64()), (Some(13), Some(2)));
    assert_eq!(report["log"]["checkpoint"], second.as_str());
    // Each witness serves what it cosigned to monitors, with its cosignature.
    for (witness, verifier) in [(&w1, &verifiers[0]), (&w2, &verifiers[1])] {
        let theirs = witness.latest("localhost/registry-audit").unwrap();
        assert_eq!(audit::note::verify(&theirs, &key).unwrap().size, 13);
        assert_eq!(cosigned_by(&theirs, std::slice::from_ref(verifier)).unwrap().len(), 1);
    }

    // An operator rewrites an entry, rebuilds the chain and the tree and signs
    // it all again with the registry's own key: the log verifies by itself...
    rewrite_history(&mut conn, 3);
    assert!(app.cli(&["audit", "verify"]).status.success(), "the rewritten log verifies by itself");
    // ...but both witnesses refuse its next checkpoint, and the registry says so.
    let deadline = Instant::now() + Duration::from_secs(20);
    while refusals(&node, "w1.test/witness").await == 0 || refusals(&node, "w2.test/witness").await == 0 {
        assert!(Instant::now() < deadline, "the witnesses' refusals were not reported");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing new is published; the witnesses keep the true head.
    assert_eq!(fetch(&node, "/log/checkpoint").await.0, 404);
    let true_root = audit::note::verify(&second, &key).unwrap().root;
    for witness in [&w1, &w2] {
        let theirs = witness.latest("localhost/registry-audit").unwrap();
        assert_eq!(audit::note::verify(&theirs, &key).unwrap().root, true_root);
    }
    let kept = w1.latest("localhost/registry-audit").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kept_file = dir.path().join("witnessed-checkpoint");
    std::fs::write(&kept_file, &kept).unwrap();
    let verified = app.cli(&["audit", "verify", "--checkpoint", kept_file.to_str().unwrap()]);
    assert_eq!(verified.status.code(), Some(1));
    assert!(
        stderr(&verified).contains("the first 13 entries are not the ones the checkpoint covers"),
        "{}",
        stderr(&verified)
    );
    // The command line reports the refusals too.
    let by_hand = app.cli_command(&["audit", "checkpoint"]).env("REGISTRY_WITNESSES", &config).output().unwrap();
    assert_eq!(by_hand.status.code(), Some(1));
    assert!(stderr(&by_hand).contains("witness w1.test/witness refused the checkpoint (422)"), "{}", stderr(&by_hand));
}

fn verify_proof(app: &TestApp, proof: &str, extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("entry.tlog-proof");
    std::fs::write(&file, proof).unwrap();
    let mut args = vec!["audit", "verify-proof", file.to_str().unwrap()];
    args.extend(extra);
    app.cli(&args)
}

#[actix_web::test]
async fn an_owner_downloads_a_proof_of_a_disclosure_that_anyone_can_check_offline() {
    use crate::helpers::{Visitor, request_body};
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let (requester, id) = app.approved(request_body()).await;
    assert_eq!(app.open(&requester, id).await.status, 200);
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    let record = visitor.get("/my?lang=en").await.body;
    let link = |table: &str| {
        let rows = record.split(&format!("<table id=\"{table}\">")).nth(1).unwrap();
        rows.split("href=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
    };
    let (disclosure, linked) = (link("disclosures"), link("log-entries"));
    assert!(record.contains("An account was linked to your record"), "{record}");

    // Until the checkpoint job adds it to the published log, the proof is not ready.
    let early = visitor.get(&disclosure).await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert!(early.body.contains("joins the public log within a minute"));
    assert!(early.body.contains(r#"<a href="/my">Back to my record</a>"#), "{}", early.body);
    assert!(app.cli(&["audit", "checkpoint"]).status.success());

    let proof = visitor.get(&disclosure).await;
    assert_eq!(proof.status, 200, "{}", proof.body);
    assert!(proof.body.starts_with("c2sp.org/tlog-proof@v1\nextra "), "{}", proof.body);
    let log_key = log_key(&app.cli(&["audit", "log-key"]));
    let checked = verify_proof(&app, &proof.body, &["--key", &log_key]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    let said = stdout(&checked);
    assert!(said.starts_with("The proof holds.\nEntry "), "{said}");
    assert!(said.contains("did disclosure.opened on access_request:"), "{said}");
    assert!(said.contains("No witness given cosigned that checkpoint"), "{said}");
    // Nothing in the file is personal data: keyed references only.
    crate::helpers::assert_no_personal_data(proof.body.as_bytes(), "the proof");
    crate::helpers::assert_no_personal_data(said.as_bytes(), "what verify-proof says");
    assert!(!proof.body.contains(&reference) && !proof.body.contains(&key));

    // One byte changed anywhere that matters and the proof no longer holds.
    let lines: Vec<&str> = proof.body.lines().collect();
    let (extra_at, hash_at) = (1, 3);
    for at in [extra_at, hash_at] {
        let mut changed: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        let mut bytes = changed[at].clone().into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        changed[at] = String::from_utf8(bytes).unwrap();
        let refused = verify_proof(&app, &(changed.join("\n") + "\n"), &["--key", &log_key]);
        assert_eq!(refused.status.code(), Some(1), "line {at} changed: {}", stdout(&refused));
        assert!(stderr(&refused).contains("the proof does not hold"), "{}", stderr(&refused));
    }
    // Asking for a witness that did not cosign: not enough.
    let witness =
        registry::audit::note::WitnessKey::new("w.test/witness", ed25519_dalek::SigningKey::from_bytes(&[4; 32]));
    let wanted = verify_proof(&app, &proof.body, &["--key", &log_key, "--witness", &witness.unwrap().verifier_key()]);
    assert!(stderr(&wanted).contains("only 0 of the 1 witness cosignatures"), "{}", stderr(&wanted));

    // The owner's own change has its proof too.
    assert_eq!(visitor.get(&linked).await.status, 200);
    // Another owner gets nothing of it, as for an entry that does not exist; without a session, the sign-in.
    let (other_reference, other_key) = app.register_person(&token, "acc-2", 2).await;
    let mut stranger = Visitor::new(&app);
    assert_eq!(stranger.sign_in(&other_reference, &other_key).await.status, 303);
    let refused = stranger.get(&disclosure).await;
    assert_eq!(refused.status, 404);
    let main = |body: &str| body.split("<main").nth(1).unwrap().to_owned();
    assert_eq!(main(&stranger.get("/my/log/999999/proof").await.body), main(&refused.body));
    let anonymous = Visitor::new(&app).get(&disclosure).await;
    assert_eq!((anonymous.status, anonymous.location.as_deref()), (303, Some("/my")));
}

/// A witness that cosigns everything and adds `junk` lines under its own name
/// (other key ids): the registry keeps its one line that verifies.
async fn chatty_witness(junk: usize) -> (String, String) {
    use registry::audit::note::WitnessKey;
    let key = std::sync::Arc::new(std::sync::Mutex::new(
        WitnessKey::new("chatty.test/witness", ed25519_dalek::SigningKey::from_bytes(&[6; 32])).unwrap(),
    ));
    let vkey = key.lock().unwrap().verifier_key();
    let server = actix_web::HttpServer::new(move || {
        let key = key.clone();
        actix_web::App::new().route(
            "/add-checkpoint",
            actix_web::web::post().to(move |body: String| {
                let key = key.clone();
                async move {
                    let note = body.split_once("\n\n").unwrap().1;
                    let checkpoint_body = format!("{}\n", note.split_once("\n\n").unwrap().0);
                    let line = key.lock().unwrap().cosign(checkpoint_body.as_bytes(), 1_700_000_000);
                    let junk: String = (0..junk)
                        .map(|n| format!("— chatty.test/witness {}\n", data_encoding::BASE64.encode(&[n as u8; 68])))
                        .collect();
                    format!("{junk}{line}{junk}")
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}", server.addrs()[0]);
    actix_web::rt::spawn(server.run());
    (url, vkey)
}

#[actix_web::test]
async fn a_witness_answering_with_extra_lines_gets_one_line_kept_and_the_log_stays_verifiable() {
    let app = spawn_app().await;
    let mut conn = app.pool.get().unwrap();
    append_identical(&mut conn, 4);
    let key = log_key(&app.cli(&["audit", "log-key"]));
    let (url, witness_key) = chatty_witness(60).await;
    let config = format!("{url} {witness_key}");
    let verifier = CosignatureVerifier::parse(&witness_key).unwrap();
    let node = node_with_witnesses(&app, &config, 1).await;
    let note = published_with(&node, 4, std::slice::from_ref(&verifier), &key).await;
    assert_eq!(note.matches("\n— ").count(), 2, "the log's signature and the witness's one line: {note}");
    let dir = tempfile::tempdir().unwrap();
    let mirrored = mirror(&node, &dir.path().join("mirror"), Some(&key));
    assert!(mirrored.status.success(), "{}", stderr(&mirrored));

    // A mirror whose first run failed has not pinned a key yet: the right one still works.
    let out = dir.path().join("second");
    let bad_key = mirror(&node, &out, Some("not a key at all"));
    assert!(stderr(&bad_key).contains("the log's key is not a signed-note Ed25519 key"), "{}", stderr(&bad_key));
    let other = registry::audit::note::LogKey::new(
        registry::audit::note::LogOrigin::parse("localhost/registry-audit").unwrap(),
        ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
    );
    assert!(!mirror(&node, &out, Some(&other.verifier_key())).status.success());
    assert!(!out.join("log.pub").exists(), "nothing is pinned by a failed run");
    assert!(mirror(&node, &out, Some(&key)).status.success());
    assert!(out.join("log.pub").exists());
}
