//! Retention: identities whose accounts all left the registry are
//! crypto-shredded; accounts keep their status history.

use crate::helpers::{TEST_SURNAME, TestApp, Visitor, request_body, spawn_app_with, with_fields};
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use registry::crypto::KeyRing;
use registry::db::repo::identities;
use registry::db::schema::audit_log;
use registry::domain::{Field, RegistryPolicy};
use serde_json::json;
use std::time::Duration;

fn identity_of(app: &TestApp, reference: &str) -> registry::domain::IdentityId {
    let mut conn = app.pool.get().unwrap();
    identities::find_for_review(&mut conn, reference).unwrap().expect("the identity exists").id
}

fn shredded_events(app: &TestApp) -> Vec<String> {
    let mut conn = app.pool.get().unwrap();
    audit_log::table
        .filter(audit_log::action.eq("identity.shredded"))
        .order(audit_log::seq)
        .select(audit_log::subject)
        .load(&mut conn)
        .unwrap()
}

fn statuses(changes: &[serde_json::Value], account: &str) -> Vec<String> {
    changes.iter().filter(|c| c["account_ref"] == account).map(|c| c["status"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn data_is_shredded_after_retention_and_only_the_status_history_remains() {
    let app = spawn_app_with(|s| {
        s.policy.hysteresis = TimeDelta::seconds(1);
        s.policy.retention = TimeDelta::seconds(2);
        s.retention_interval = TimeDelta::seconds(1);
    })
    .await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let identity = identity_of(&app, &reference);
    let (requester, approved_id) = app.approved(with_fields(&["surname"])).await;
    let pending = app.api_post(&requester, "/api/v1/regulator/requests", &request_body()).await.json()["id"].as_i64();
    let mut conn = app.pool.get().unwrap();
    assert_eq!(
        identities::open_fields(&mut conn, &app.keys, identity, &[Field::Surname]).unwrap()[0].1.as_str(),
        TEST_SURNAME
    );
    let backup = app.snapshot();

    app.report(&token, &[("acc-1", 10)]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while identities::shredded_at(&mut conn, identity).unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "the retention job shreds the identity");
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }

    // Nothing opens any more, and every way in says why.
    assert!(identities::open_fields(&mut conn, &app.keys, identity, &[Field::Surname]).is_err());
    let today = Utc::now().date_naive().to_string();
    let refused = app.open(&requester, approved_id).await;
    assert_eq!((refused.status, refused.error_code()), (410, "data_deleted".to_string()), "{}", refused.body);
    assert!(refused.body.contains(&format!("deleted under retention on {today}")), "{}", refused.body);
    let approver = app.official("another.approver", "approver").await;
    let decide = |approve: bool| json!({ "approve": approve, "reason": "Checked." });
    let path = format!("/api/v1/regulator/requests/{}/decision", pending.unwrap());
    assert_eq!(app.api_post(&approver, &path, &decide(true)).await.status, 410, "nothing left to approve");
    assert_eq!(
        app.api_post(&approver, &path, &decide(false)).await.status,
        200,
        "a pending request can still be closed"
    );
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 422, "the owner's record is gone");

    // Logged once, chain intact, status history intact; running again changes nothing.
    assert_eq!(shredded_events(&app), [format!("identity:{identity}")]);
    let history = app.all_changes(&token, 0, 100).await;
    assert_eq!(statuses(&history, "acc-1"), ["required", "verified", "not_required"]);
    let policy = RegistryPolicy { retention: TimeDelta::seconds(2), ..RegistryPolicy::default() };
    assert_eq!(registry::services::retention::run(&mut conn, &app.keys, &policy, Utc::now()).unwrap(), 0);
    assert_eq!(shredded_events(&app).len(), 1);

    // A copy taken before the shred still opens while its master key exists; once the key is retired it does not.
    let copy_pool = backup.pool();
    let mut copy = copy_pool.get().unwrap();
    let from_copy = |copy: &mut registry::db::DbConnection, keys: &KeyRing| {
        identities::open_fields(copy, keys, identity, &[Field::Surname]).map(|f| f[0].1.as_str().to_owned())
    };
    assert_eq!(from_copy(&mut copy, &KeyRing::load(&app.key_file()).unwrap()).unwrap(), TEST_SURNAME);
    let rotated = app.cli(&["keys", "rotate"]);
    assert!(rotated.status.success(), "{}", crate::helpers::stderr(&rotated));
    // The service re-wraps what key 1 still seals (the officials' TOTP secrets) in the background.
    app.retire_key_1_once_unused(&mut conn).await;
    let err = from_copy(&mut copy, &KeyRing::load(&app.key_file()).unwrap()).unwrap_err();
    assert!(err.to_string().contains("master key 1 is not in the key file"), "{err}");

    // The account is free to be identified again, by a new record.
    let (again, _) = app.register(&token, "acc-1").await;
    assert_ne!(again, reference);
    let history = app.all_changes(&token, 0, 100).await;
    assert_eq!(statuses(&history, "acc-1"), ["required", "verified", "not_required", "required", "verified"]);
}

#[test]
fn two_concurrent_runs_shred_each_identity_once() {
    let policy = RegistryPolicy { hysteresis: TimeDelta::seconds(1), ..RegistryPolicy::default() };
    let app = actix_web::rt::System::new().block_on(async {
        let app = spawn_app_with(|s| s.policy = policy.clone()).await;
        let token = app.add_platform("qaz");
        for n in 1..=4 {
            app.register_person(&token, &format!("acc-{n}"), n).await;
        }
        app.report(&token, &[("acc-1", 10), ("acc-2", 10), ("acc-3", 10), ("acc-4", 10)]).await;
        app
    });
    let later = Utc::now() + TimeDelta::minutes(1);
    let mut conn = app.pool.get().unwrap();
    registry::services::accounts::apply_due_transitions(&mut conn, &app.keys, &policy, later, 100).unwrap();
    let past_retention = later + policy.retention + TimeDelta::days(1);

    let barrier = std::sync::Barrier::new(2);
    let shredded: usize = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut conn = app.pool.get().unwrap();
                    barrier.wait();
                    registry::services::retention::run(&mut conn, &app.keys, &policy, past_retention).unwrap()
                })
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).sum()
    });
    assert_eq!(shredded, 4, "between them the runs shredded every identity, each once");
    let mut subjects = shredded_events(&app);
    subjects.dedup();
    assert_eq!(subjects.len(), 4, "one audit entry per identity");
    assert_eq!(registry::services::retention::run(&mut conn, &app.keys, &policy, past_retention).unwrap(), 0);
}

#[actix_web::test]
async fn an_identity_stays_while_any_of_its_accounts_is_in_the_registry() {
    let policy = RegistryPolicy { hysteresis: TimeDelta::seconds(1), ..RegistryPolicy::default() };
    let app = spawn_app_with(|s| s.policy = policy.clone()).await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    app.register(&token, "acc-2").await;
    let identity = identity_of(&app, &reference);

    // The owner withdraws acc-1 once it dropped out; acc-2 is still verified.
    app.report(&token, &[("acc-1", 10)]).await;
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    let mut conn = app.pool.get().unwrap();
    let acc_1: i64 = registry::db::schema::accounts::table
        .filter(registry::db::schema::accounts::account_ref.eq("acc-1"))
        .select(registry::db::schema::accounts::id)
        .first(&mut conn)
        .unwrap();
    let withdrawn = visitor.submit("/my", "/my/withdraw?lang=en", &[("account_id", &acc_1.to_string())]).await;
    assert_eq!(withdrawn.location.as_deref(), Some("/my?done=withdrawn"));
    let far = Utc::now() + policy.retention + TimeDelta::days(1);
    assert_eq!(
        registry::services::retention::run(&mut conn, &app.keys, &policy, far).unwrap(),
        0,
        "acc-2 still needs the identity"
    );

    // Once acc-2 has dropped out too, the retention period runs from then.
    app.report(&token, &[("acc-2", 10)]).await;
    let later = Utc::now() + TimeDelta::minutes(1);
    registry::services::accounts::apply_due_transitions(&mut conn, &app.keys, &policy, later, 100).unwrap();
    assert_eq!(
        registry::services::retention::run(&mut conn, &app.keys, &policy, later + TimeDelta::days(1)).unwrap(),
        0
    );
    assert_eq!(
        registry::services::retention::run(
            &mut conn,
            &app.keys,
            &policy,
            later + policy.retention + TimeDelta::days(1)
        )
        .unwrap(),
        1
    );
    assert_eq!(shredded_events(&app), [format!("identity:{identity}")]);
}

#[actix_web::test]
async fn retention_run_on_the_command_line_shreds_what_is_due_and_then_nothing() {
    let app = spawn_app_with(|s| s.policy.hysteresis = TimeDelta::seconds(1)).await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    app.report(&token, &[("acc-1", 10)]).await;
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await; // hysteresis, then a second of retention

    let run = || {
        let out = app.cli_command(&["retention", "run"]).env("REGISTRY_RETENTION", "1s").output().unwrap();
        assert!(out.status.success(), "{}", crate::helpers::stderr(&out));
        crate::helpers::stdout(&out)
    };
    assert_eq!(run(), "Crypto-shredded 1 identity record(s) whose last account left the registry more than 1s ago.\n");
    assert_eq!(run(), "Crypto-shredded 0 identity record(s) whose last account left the registry more than 1s ago.\n");
    assert_eq!(shredded_events(&app), [format!("identity:{}", identity_of(&app, &reference))]);
}

#[actix_web::test]
async fn a_byte_copy_taken_right_after_a_shred_holds_neither_the_blind_index_nor_the_wrapped_key() {
    let app = spawn_app_with(|s| s.policy.hysteresis = TimeDelta::seconds(1)).await;
    if app.on_postgres() {
        return; // PostgreSQL keeps dead row versions until the space is reused: see the README.
    }
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let mut conn = app.pool.get().unwrap();
    use registry::db::schema::{identities as ids, identity_fields};
    let (index, wrapped): (Option<Vec<u8>>, Option<Vec<u8>>) =
        ids::table.select((ids::blind_index, ids::wrapped_data_key)).first(&mut conn).unwrap();
    let ciphertexts: Vec<Vec<u8>> = identity_fields::table.select(identity_fields::ciphertext).load(&mut conn).unwrap();
    let secrets: Vec<Vec<u8>> = [index.unwrap(), wrapped.unwrap()].into_iter().chain(ciphertexts).collect();
    let holds = |bytes: &[u8], secret: &[u8]| bytes.windows(secret.len()).any(|w| w == secret);
    assert!(secrets.iter().all(|s| holds(&app.db_contents(), s)), "the copy holds them before");

    app.report(&token, &[("acc-1", 10)]).await;
    let policy = RegistryPolicy { hysteresis: TimeDelta::seconds(1), ..RegistryPolicy::default() };
    let later = Utc::now() + TimeDelta::seconds(5);
    registry::services::accounts::apply_due_transitions(&mut conn, &app.keys, &policy, later, 100).unwrap();
    let shredded = registry::services::retention::run(
        &mut conn,
        &app.keys,
        &policy,
        later + policy.retention + TimeDelta::days(1),
    )
    .unwrap();
    assert_eq!(shredded, 1);
    let copy = app.db_contents();
    for (n, secret) in secrets.iter().enumerate() {
        assert!(
            !holds(&copy, secret),
            "secret {n} (0: blind index, 1: wrapped key, then ciphertexts) is still on disk"
        );
    }
}
