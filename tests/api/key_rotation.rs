//! Rotating the master key while the service runs.

use crate::helpers::{TestApp, spawn_app, stderr};
use crate::regulator_disclosure::open;
use crate::regulator_login::{PASSWORD, add_official_with_roles, code, login};
use crate::regulator_requests::{official, post, request_body};
use crate::retention::registered_person;
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use registry::crypto::{KeyId, KeyRing};
use registry::db::repo::identities;
use registry::db::schema::{identities as identities_table, officials};
use registry::domain::Field;
use serde_json::json;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// An approved request for `account`'s surname and IIN.
async fn approved_for(app: &TestApp, requester: &str, approver: &str, account: &str) -> i64 {
    let mut body = request_body();
    body["target"]["account_ref"] = json!(account);
    body["fields"] = json!(["surname", "iin"]);
    let id = post(app, requester, "/api/v1/regulator/requests", &body).await.json()["id"].as_i64().unwrap();
    let decision = json!({ "approve": true, "reason": "In order." });
    assert_eq!(post(app, approver, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await.status, 200);
    id
}

/// Retires key 1 once the service's background re-wrap has moved everything
/// off it (retiring is refused until then), as an operator would retry.
pub(crate) async fn retire_key_1_once_unused(app: &TestApp, conn: &mut registry::db::DbConnection) {
    let retire_at = Utc::now() + TimeDelta::minutes(5);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match registry::services::keys::retire(conn, &app.key_file(), KeyId(1), TimeDelta::seconds(1), retire_at) {
            Ok(()) => return,
            Err(registry::services::keys::RetireError::InUse(_)) if Instant::now() < deadline => {
                actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("retiring key 1: {e}"),
        }
    }
}

#[actix_web::test]
async fn rotating_during_submissions_and_disclosures_leaves_every_record_readable_under_the_new_key() {
    let app = Rc::new(spawn_app().await);
    let token = app.add_platform("qaz");
    for n in 1..=3 {
        registered_person(&app, &token, &format!("acc-{n}"), n).await;
    }
    let requester = official(&app, "a.requester", "requester").await;
    let approver = official(&app, "an.approver", "approver").await;
    add_official_with_roles(&app, "late.login", "auditor");
    let mut requests = Vec::new();
    for n in 1..=3 {
        requests.push(approved_for(&app, &requester, &approver, &format!("acc-{n}")).await);
    }

    let submissions = actix_web::rt::spawn({
        let (app, token) = (app.clone(), token.clone());
        async move {
            for n in 4..=7 {
                registered_person(&app, &token, &format!("acc-{n}"), n).await;
            }
        }
    });
    let disclosures = actix_web::rt::spawn({
        let (app, requester, requests) = (app.clone(), requester.clone(), requests.clone());
        async move {
            for _ in 0..3 {
                for id in &requests {
                    let reply = open(&app, &requester, *id).await;
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
    retire_key_1_once_unused(&app, &mut conn).await;

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
    assert_eq!(login(&app, "late.login", PASSWORD, &code(0)).await.status, 200, "TOTP secrets open under key 2");

    // The service goes on with the retired key gone from its file.
    registered_person(&app, &token, "acc-8", 8).await;
    let late = approved_for(&app, &requester, &approver, "acc-8").await;
    assert_eq!(open(&app, &requester, late).await.status, 200);
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
    assert!(registry::audit::verify(&mut conn).unwrap().is_ok());
}
