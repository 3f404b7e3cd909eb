use crate::helpers::{TEST_EMAIL, TEST_IIN, TEST_SURNAME, request_body, spawn_app, with_fields};
use diesel::RunQueryDsl;
use diesel::prelude::*;
use registry::db::schema::{access_requests, audit_log, disclosures};
use serde_json::json;

#[actix_web::test]
async fn an_approved_request_discloses_only_the_approved_fields_and_is_logged() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let (requester, id) = app.approved(with_fields(&["surname", "email"])).await;

    let reply = app.open(&requester, id).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!(
        body["identity"],
        json!({ "surname": TEST_SURNAME, "email": TEST_EMAIL }),
        "nothing but the approved fields"
    );
    assert_eq!(body["accounts"], json!([{ "platform": "qaz", "account_ref": "acc-1", "status": "verified" }]));
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));

    let mut conn = app.pool.get().unwrap();
    let logged: Vec<String> = audit_log::table.select(audit_log::action).load(&mut conn).unwrap();
    assert!(logged.contains(&"disclosure.opened".to_string()));
    let recorded: i64 = disclosures::table.count().get_result(&mut conn).unwrap();
    assert_eq!(recorded, 1, "the owner will see it on /my");
}

#[actix_web::test]
async fn a_disclosure_opens_at_most_three_times_and_only_for_its_requester() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let (requester, id) = app.approved(with_fields(&["surname"])).await;
    let other = app.official("another.requester", "requester").await;
    assert_eq!(app.open(&other, id).await.status, 403);
    for _ in 0..3 {
        assert_eq!(app.open(&requester, id).await.status, 200);
    }
    let fourth = app.open(&requester, id).await;
    assert_eq!((fourth.status, fourth.error_code()), (409, "openings_used".to_string()));
    assert!(!fourth.body.contains(TEST_SURNAME));
}

#[actix_web::test]
async fn a_pending_request_discloses_nothing() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let requester = app.official("a.requester", "requester").await;
    let id =
        app.api_post(&requester, "/api/v1/regulator/requests", &request_body()).await.json()["id"].as_i64().unwrap();
    let reply = app.open(&requester, id).await;
    assert_eq!((reply.status, reply.error_code()), (409, "not_approved".to_string()));
    assert!(!reply.body.contains(TEST_SURNAME));
}

#[actix_web::test]
async fn when_the_audit_log_cannot_be_written_nothing_is_disclosed() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let (requester, id) = app.approved(with_fields(&["surname", "iin"])).await;
    let mut conn = app.pool.get().unwrap();
    let statements: &[&str] = if app.on_postgres() {
        &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit log is read-only'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER audit_read_only BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ]
    } else {
        &[
            "CREATE TRIGGER audit_read_only BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is read-only'); END",
        ]
    };
    for statement in statements {
        diesel::sql_query(*statement).execute(&mut *conn).unwrap();
    }

    let reply = app.open(&requester, id).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(!reply.body.contains(TEST_SURNAME) && !reply.body.contains(TEST_IIN), "nothing is revealed");
    let openings: i32 = access_requests::table.find(id).select(access_requests::openings).first(&mut conn).unwrap();
    let recorded: i64 = disclosures::table.count().get_result(&mut conn).unwrap();
    assert_eq!((openings, recorded), (0, 0), "the failed opening left nothing behind");
}

#[actix_web::test]
async fn a_request_by_iin_finds_every_account_of_the_person() {
    let app = spawn_app().await;
    let qaz = app.add_platform("qaz");
    let tube = app.add_platform("tube");
    app.register(&qaz, "acc-1").await;
    app.register_on(&tube, "tube", "channel-9").await;
    let mut body = with_fields(&["iin"]);
    body["target"] = json!({ "identifier_type": "iin", "identifier": TEST_IIN });
    let (requester, id) = app.approved(body).await;
    let reply = app.open(&requester, id).await.json();
    assert_eq!(reply["identity"], json!({ "iin": TEST_IIN }));
    let platforms: Vec<&str> =
        reply["accounts"].as_array().unwrap().iter().map(|a| a["platform"].as_str().unwrap()).collect();
    assert_eq!(platforms, ["qaz", "tube"]);
}

#[actix_web::test]
async fn a_request_on_one_account_lists_only_that_account_unless_every_account_was_approved() {
    let app = spawn_app().await;
    let qaz = app.add_platform("qaz");
    let tube = app.add_platform("tube");
    app.register(&qaz, "acc-1").await;
    app.register_on(&tube, "tube", "channel-9").await;

    let (requester, id) = app.approved(with_fields(&["surname"])).await;
    let reply = app.open(&requester, id).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = reply.json();
    assert_eq!(reply["accounts"], json!([{ "platform": "qaz", "account_ref": "acc-1", "status": "verified" }]));
    assert!(!reply.to_string().contains("channel-9"), "the person's other accounts were not approved");

    let requester_2 = app.official("b.requester", "requester").await;
    let approver_2 = app.official("b.approver", "approver").await;
    let filed = app.api_post(&requester_2, "/api/v1/regulator/requests", &with_fields(&["surname", "accounts"])).await;
    assert_eq!(filed.json()["fields"], json!(["surname", "accounts"]));
    let id = filed.json()["id"].as_i64().unwrap();
    let decision = json!({ "approve": true, "reason": "In order." });
    app.api_post(&approver_2, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await;
    let reply = app.open(&requester_2, id).await.json();
    let listed: Vec<&str> =
        reply["accounts"].as_array().unwrap().iter().map(|a| a["account_ref"].as_str().unwrap()).collect();
    assert_eq!(listed, ["acc-1", "channel-9"], "every account, as approved");
    assert_eq!(reply["identity"], json!({ "surname": TEST_SURNAME }));
}

#[actix_web::test]
async fn an_approval_past_its_validity_window_has_expired_and_discloses_nothing() {
    let app = crate::helpers::spawn_app_with(|s| s.policy.disclosure_validity = chrono::TimeDelta::seconds(1)).await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let (requester, id) = app.approved(with_fields(&["surname"])).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    let reply = app.open(&requester, id).await;
    assert_eq!((reply.status, reply.error_code()), (409, "approval_expired".to_string()), "{}", reply.body);
    assert!(!reply.body.contains(TEST_SURNAME));
    let seen = app.api_get(&requester, &format!("/api/v1/regulator/requests/{id}")).await.json();
    assert_eq!(seen["state"], "expired");
}
