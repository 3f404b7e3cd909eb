//! Rotating the master key while the service runs.

use crate::helpers::{PASSWORD, TestApp, code, request_body, spawn_app, stderr};
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use registry::crypto::{KeyId, KeyRing};
use registry::db::repo::identities;
use registry::db::schema::{identities as identities_table, officials};
use registry::domain::Field;
use serde_json::json;
use std::rc::Rc;
use std::time::Duration;

/// An approved request for `account`'s surname and IIN.
async fn approved_for(app: &TestApp, requester: &str, approver: &str, account: &str) -> i64 {
    let mut body = request_body();
    body["target"]["account_ref"] = json!(account);
    body["fields"] = json!(["surname", "iin"]);
    let id = app.api_post(requester, "/api/v1/regulator/requests", &body).await.json()["id"].as_i64().unwrap();
    let decision = json!({ "approve": true, "reason": "In order." });
    assert_eq!(
        app.api_post(approver, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await.status,
        200
    );
    id
}

#[actix_web::test]
async fn rotating_during_submissions_and_disclosures_leaves_every_record_readable_under_the_new_key() {
    let app = Rc::new(spawn_app().await);
    let token = app.add_platform("qaz");
    for n in 1..=3 {
        app.register_person(&token, &format!("acc-{n}"), n).await;
    }
    let requester = app.official("a.requester", "requester").await;
    let approver = app.official("an.approver", "approver").await;
    app.add_official("late.login", "auditor");
    let mut by_identifier = request_body();
    by_identifier["target"] = json!({ "identifier_type": "iin", "identifier": crate::helpers::iin(1) });
    let searched = app.api_post(&requester, "/api/v1/regulator/requests", &by_identifier).await.json()["id"].clone();
    let mut requests = Vec::new();
    for n in 1..=3 {
        requests.push(approved_for(&app, &requester, &approver, &format!("acc-{n}")).await);
    }

    let submissions = actix_web::rt::spawn({
        let (app, token) = (app.clone(), token.clone());
        async move {
            for n in 4..=7 {
                app.register_person(&token, &format!("acc-{n}"), n).await;
            }
        }
    });
    let disclosures = actix_web::rt::spawn({
        let (app, requester, requests) = (app.clone(), requester.clone(), requests.clone());
        async move {
            for _ in 0..3 {
                for id in &requests {
                    let reply = app.open(&requester, *id).await;
                    assert_eq!(reply.status, 200, "{}", reply.body);
                }
                actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    let mut rotate = app.cli_command(&["keys", "rotate"]);
    let rotated = actix_web::web::block(move || rotate.output()).await.unwrap().unwrap();
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    submissions.await.unwrap();
    disclosures.await.unwrap();

    // The service re-wraps in the background; until it is done key 1 cannot go.
    let mut conn = app.pool.get().unwrap();
    let at_once =
        registry::services::keys::retire(&mut conn, &app.key_file(), KeyId(1), TimeDelta::seconds(1), Utc::now());
    assert!(
        matches!(
            at_once,
            Err(registry::services::keys::RetireError::InUse(_) | registry::services::keys::RetireError::TooSoon { .. })
        ),
        "retiring right after the rotation is refused: {at_once:?}"
    );
    app.retire_key_1_once_unused(&mut conn).await;

    // Only key 2 is left, and everything opens with it.
    let keys = KeyRing::load(&app.key_file()).unwrap();
    assert_eq!(keys.key_ids(), [KeyId(2)]);
    let ids: Vec<(registry::domain::IdentityId, Option<i32>)> =
        identities_table::table.select((identities_table::id, identities_table::key_id)).load(&mut conn).unwrap();
    assert_eq!(ids.len(), 7);
    for (id, key_id) in ids {
        assert_eq!(key_id, Some(2));
        let fields =
            identities::open_fields(&mut conn, &keys, id, &[Field::Iin, Field::Surname, Field::Email]).unwrap();
        assert_eq!(fields.len(), 3);
    }
    let totp_keys: Vec<i32> = officials::table.select(officials::totp_key_id).load(&mut conn).unwrap();
    assert!(totp_keys.iter().all(|&k| k == 2), "{totp_keys:?}");
    assert_eq!(app.login("late.login", PASSWORD, &code(0)).await.status, 200, "TOTP secrets open under key 2");
    let searched = app.api_get(&approver, &format!("/api/v1/regulator/requests/{searched}")).await;
    assert_eq!(searched.json()["target"]["identifier"], crate::helpers::iin(1), "request identifiers open under key 2");

    // The service goes on with the retired key gone from its file.
    app.register_person(&token, "acc-8", 8).await;
    let late = approved_for(&app, &requester, &approver, "acc-8").await;
    assert_eq!(app.open(&requester, late).await.status, 200);
    use registry::db::schema::audit_log;
    let logged: Vec<String> = audit_log::table.order(audit_log::seq).select(audit_log::action).load(&mut conn).unwrap();
    let at = |action: &str| logged.iter().position(|a| a == action).unwrap();
    let first_opening = at("disclosure.opened");
    let last_opening = logged.iter().rposition(|a| a == "disclosure.opened").unwrap();
    assert!(
        first_opening < at("keys.rotated") && at("keys.rotated") < last_opening,
        "rotated amid disclosures: {logged:?}"
    );
    assert!(at("keys.rotated") < at("keys.retired"));
}
