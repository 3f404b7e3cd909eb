use crate::helpers::{TEST_IIN, TEST_SURNAME, TestApp, spawn_app};
use diesel::prelude::*;
use registry::db::schema::audit_log;
use serde_json::{Value, json};

async fn review(app: &TestApp, token: &str, reference: &str, step: &str) -> crate::helpers::Reply {
    app.api_post(token, &format!("/api/v1/regulator/review/{reference}/{step}"), &Value::Null).await
}

fn logged(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.pool.get().unwrap();
    audit_log::table.order(audit_log::seq).select((audit_log::action, audit_log::actor)).load(&mut conn).unwrap()
}

#[actix_web::test]
async fn a_registrar_views_and_confirms_a_declared_identity_and_platforms_learn_of_it() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    let registrar = app.official("a.registrar", "registrar").await;

    let queue = app.api_get(&registrar, "/api/v1/regulator/review").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let waiting = &queue.json()["identities"];
    assert_eq!(waiting.as_array().unwrap().len(), 1);
    assert_eq!(waiting[0]["reference"], reference.as_str());
    assert_eq!(waiting[0]["owner_type"], "resident");
    assert!(!queue.body.contains(TEST_SURNAME), "the queue shows no personal data");

    let opened = review(&app, &registrar, &reference, "view").await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.header("cache-control").as_deref(), Some("no-store"));
    let opened = opened.json();
    assert_eq!(opened["identity"]["surname"], TEST_SURNAME);
    assert_eq!(opened["identity"]["iin"], TEST_IIN);
    assert_eq!(opened["accounts"], json!([{ "platform": "qaz", "account_ref": "acc-1", "status": "verified" }]));
    assert!(opened["registrar_checked_at"].is_null());
    assert!(logged(&app).iter().any(|(action, _)| action == "identity.viewed"), "the view is logged");

    let confirmed = review(&app, &registrar, &reference, "confirm").await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.json()["accounts_raised"], 1);
    let status = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(
        (status["status"].as_str(), status["assurance"].as_str()),
        (Some("verified"), Some("registrar_checked"))
    );
    let feed = app.all_changes(&token, 0, 100).await;
    assert_eq!(feed.last().unwrap()["assurance"], "registrar_checked", "the change feed carries the new assurance");

    let again = review(&app, &registrar, &reference, "confirm").await;
    assert_eq!((again.status, again.error_code()), (409, "already_confirmed".to_string()));
    let queue = app.api_get(&registrar, "/api/v1/regulator/review").await.json();
    assert_eq!(queue["identities"], json!([]), "a confirmed identity leaves the queue");

    // The same person registering another account keeps the confirmed assurance.
    let kaz = app.add_platform("kaz-2");
    app.register_on(&kaz, "kaz-2", "acc-9").await;
    let status = app.api_get(&kaz, "/api/v1/accounts/acc-9").await.json();
    assert_eq!(status["assurance"], "registrar_checked");
    assert!(logged(&app).iter().any(|(action, _)| action == "identity.registrar_checked"));
}

#[actix_web::test]
async fn only_registrars_review_and_unknown_or_deleted_identities_are_named() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    let requester = app.official("a.requester", "requester,approver,auditor").await;
    let registrar = app.official("a.registrar", "registrar").await;

    assert_eq!(app.api_get(&requester, "/api/v1/regulator/review").await.status, 403);
    for step in ["view", "confirm"] {
        let refused = review(&app, &requester, &reference, step).await;
        assert_eq!((refused.status, refused.error_code()), (403, "forbidden".to_string()), "{step}");
        assert!(!refused.body.contains(TEST_SURNAME));
        assert_eq!(review(&app, &registrar, "R-NOSUCHREF", step).await.status, 404, "{step}");
    }
    assert!(!logged(&app).iter().any(|(action, _)| action == "identity.viewed"), "a refusal opens nothing");
    assert_eq!(app.api_get(&registrar, "/api/v1/regulator/review?limit=0").await.status, 400);

    let mut conn = app.pool.get().unwrap();
    let id = registry::db::repo::identities::find_for_sign_in(&mut conn, &reference).unwrap().unwrap().id;
    registry::db::repo::identities::shred(&mut conn, id, chrono::Utc::now()).unwrap();
    let gone = review(&app, &registrar, &reference, "view").await;
    assert_eq!((gone.status, gone.error_code()), (410, "data_deleted".to_string()), "{}", gone.body);
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(gone.body.contains(&format!("deleted under retention on {today}")), "{}", gone.body);
}
