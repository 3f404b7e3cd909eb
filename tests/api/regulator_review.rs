//! Registrar review: a match-check against evidence, never a full read; a
//! purpose and a daily limit on every check; confirm or reject.

use crate::helpers::{
    TEST_GIVEN_NAME, TEST_IIN, TEST_PATRONYMIC, TEST_PERSONAL_DATA, TEST_SURNAME, TestApp, Visitor, iin, spawn_app,
};
use diesel::prelude::*;
use registry::db::schema::{audit_log, review_checks};
use serde_json::{Value, json};

async fn step(app: &TestApp, token: &str, reference: &str, step: &str, body: &Value) -> crate::helpers::Reply {
    app.api_post(token, &format!("/api/v1/regulator/review/{reference}/{step}"), body).await
}

fn logged(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.pool.get().unwrap();
    audit_log::table.order(audit_log::seq).select((audit_log::action, audit_log::details)).load(&mut conn).unwrap()
}

fn assert_no_personal_data(body: &str) {
    for value in TEST_PERSONAL_DATA {
        assert!(!body.contains(value), "{value} in {body}");
    }
}

#[actix_web::test]
async fn a_registrar_checks_without_reading_confirms_and_platforms_learn_of_it() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    let registrar = app.official("a.registrar", "registrar").await;

    let queue = app.api_get(&registrar, "/api/v1/regulator/review").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let waiting = &queue.json()["identities"];
    assert_eq!(waiting.as_array().unwrap().len(), 1);
    assert_eq!(
        (waiting[0]["reference"].as_str(), waiting[0]["owner_type"].as_str()),
        (Some(&*reference), Some("resident"))
    );
    assert_no_personal_data(&queue.body);

    let claims = json!({ "iin": TEST_IIN, "surname": TEST_SURNAME.to_uppercase(), "given_name": "Aliya" });
    let checked = app.check(&registrar, &reference, claims).await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    assert_eq!(checked.header("cache-control").as_deref(), Some("no-store"));
    let answer = checked.json();
    assert_eq!(answer["results"], json!({ "iin": "match", "surname": "match", "given_name": "no_match" }));
    assert_eq!(answer["confirmable"], false, "a field did not match");
    assert_eq!(answer["masked"]["given_name"], "A…", "a name's first letter tells a typo from another person");
    assert!(answer["masked"].get("iin").is_none(), "never a digit of an identifier");
    assert!(answer["masked"].get("patronymic").is_none(), "hints only of what was checked");
    assert!(answer["masked"].get("email").is_none(), "the contact address is not evidence");
    assert!(answer.get("accounts").is_none(), "a check never links the person to an account");
    // Only what the registrar typed comes back; nothing they did not know.
    assert!(!checked.body.contains(TEST_GIVEN_NAME) && !checked.body.contains("Serikkyzy"), "{}", checked.body);
    let (action, details) = logged(&app).pop().unwrap();
    assert_eq!(action, "identity.checked");
    assert_no_personal_data(&details);

    let refused = step(&app, &registrar, &reference, "confirm", &Value::Null).await;
    assert_eq!((refused.status, refused.error_code()), (409, "not_checked".to_string()), "a mismatch confirms nothing");

    let confirmed = app.confirm_declaration(&registrar, &reference).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.json()["accounts_raised"], 1);
    let status = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(
        (status["status"].as_str(), status["assurance"].as_str()),
        (Some("verified"), Some("registrar_checked"))
    );
    let feed = app.all_changes(&token, 0, 100).await;
    assert_eq!(feed.last().unwrap()["assurance"], "registrar_checked", "the change feed carries the new assurance");

    for again in ["check", "confirm", "reject"] {
        let body = match again {
            "check" => json!({ "purpose": "Looking once more at it.", "claims": { "iin": TEST_IIN } }),
            "reject" => json!({ "reason": "data_mismatch" }),
            _ => Value::Null,
        };
        let refused = step(&app, &registrar, &reference, again, &body).await;
        assert_eq!((refused.status, refused.error_code()), (409, "already_confirmed".to_string()), "{again}");
    }
    let queue = app.api_get(&registrar, "/api/v1/regulator/review").await.json();
    assert_eq!(queue["identities"], json!([]), "a confirmed identity leaves the queue");

    // The same person registering another account keeps the confirmed assurance.
    let kaz = app.add_platform("kaz-2");
    app.register_on(&kaz, "kaz-2", "acc-9").await;
    assert_eq!(app.api_get(&kaz, "/api/v1/accounts/acc-9").await.json()["assurance"], "registrar_checked");
}

#[actix_web::test]
async fn confirming_needs_the_registrars_own_full_match_on_the_identifier() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    let first = app.official("a.registrar", "registrar").await;
    let second = app.official("b.registrar", "registrar").await;

    let names_only = app.check(&first, &reference, json!({ "surname": TEST_SURNAME })).await.json();
    assert_eq!(
        (names_only["results"]["surname"].as_str(), names_only["confirmable"].as_bool()),
        (Some("match"), Some(false))
    );
    let refused = step(&app, &first, &reference, "confirm", &Value::Null).await;
    assert_eq!(refused.error_code(), "not_checked", "a check without the identifier confirms nothing");

    let other_person = app.check(&first, &reference, json!({ "iin": iin(3) })).await.json();
    assert_eq!(other_person["results"]["iin"], "no_match");
    let iin_only = app.check(&first, &reference, json!({ "iin": TEST_IIN })).await.json();
    assert_eq!(iin_only["confirmable"], false, "the names were declared too: all must be checked");
    let everything = json!({
        "iin": TEST_IIN, "surname": TEST_SURNAME, "given_name": TEST_GIVEN_NAME, "patronymic": TEST_PATRONYMIC
    });
    assert_eq!(app.check(&first, &reference, everything.clone()).await.json()["confirmable"], true);
    let later = app.check(&first, &reference, json!({ "given_name": "Aliya" })).await.json();
    assert_eq!(later["results"]["given_name"], "no_match");
    let refused = step(&app, &first, &reference, "confirm", &Value::Null).await;
    assert_eq!(refused.error_code(), "not_checked", "a later mismatch voids an earlier full match");
    assert_eq!(app.check(&first, &reference, everything).await.json()["confirmable"], true);
    let refused = step(&app, &second, &reference, "confirm", &Value::Null).await;
    assert_eq!(refused.error_code(), "not_checked", "one registrar's check does not let another confirm");
    assert_eq!(step(&app, &first, &reference, "confirm", &Value::Null).await.status, 200);

    let mut conn = app.pool.get().unwrap();
    let purposes: Vec<String> = review_checks::table.select(review_checks::purpose).load(&mut conn).unwrap();
    assert_eq!(purposes.len(), 6, "every check is on record with its purpose");
    assert!(purposes.iter().all(|p| p == "Passport presented at the service centre."));
}

#[actix_web::test]
async fn twenty_five_checks_in_a_row_stop_at_the_daily_limit_and_never_show_an_identifier() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut references = Vec::new();
    for n in 0..3 {
        references.push(app.register_person(&token, &format!("acc-{n}"), n + 10).await.0);
    }
    let registrar = app.official("a.registrar", "registrar").await;
    let mut answered = 0;
    for n in 0..25 {
        let reference = &references[n % references.len()];
        let reply = app.check(&registrar, reference, json!({ "iin": TEST_IIN })).await;
        assert_no_personal_data(&reply.body);
        assert!(!reply.body.contains(&iin(10)), "never a full identifier: {}", reply.body);
        match reply.status {
            200 => answered += 1,
            429 => {
                assert_eq!(reply.error_code(), "daily_limit_reached");
                assert!(reply.header("retry-after").is_some());
            }
            other => panic!("check {n}: {other} {}", reply.body),
        }
    }
    assert_eq!(answered, 20, "REGISTRY_REVIEWS_PER_DAY defaults to 20");
    let refusals = logged(&app).into_iter().filter(|(action, _)| action == "daily_limit.reached").count();
    assert_eq!(refusals, 5, "each refusal is on record");
}

#[actix_web::test]
async fn a_rejected_declaration_frees_its_accounts_ends_sessions_and_tells_the_owner() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let registrar = app.official("a.registrar", "registrar").await;
    let mut owner = Visitor::new(&app);
    assert_eq!(owner.sign_in(&reference, &key).await.status, 303);

    let refused = step(&app, &registrar, &reference, "reject", &json!({ "reason": "data_mismatch" })).await;
    assert_eq!(refused.error_code(), "not_checked", "nobody rejects what they did not check");
    let unknown = step(&app, &registrar, &reference, "reject", &json!({ "reason": "i_dont_like_it" })).await;
    assert_eq!((unknown.status, unknown.error_code()), (400, "invalid_body".to_string()), "{}", unknown.body);

    assert_eq!(app.check(&registrar, &reference, json!({ "surname": TEST_SURNAME })).await.status, 200);
    let unsupported = step(&app, &registrar, &reference, "reject", &json!({ "reason": "data_mismatch" })).await;
    assert_eq!(unsupported.error_code(), "not_checked", "a check that matched shows no mismatch");
    let check = app.check(&registrar, &reference, json!({ "surname": "Abenov" })).await;
    assert_eq!(check.json()["results"]["surname"], "no_match");
    let rejected = step(&app, &registrar, &reference, "reject", &json!({ "reason": "data_mismatch" })).await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(rejected.json()["accounts_returned"], 1);

    let status = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(status["status"], "required", "{status}");
    assert!(status["assurance"].is_null(), "{status}");
    let deadline: chrono::DateTime<chrono::Utc> = status["deadline"].as_str().unwrap().parse().unwrap();
    assert!(deadline > chrono::Utc::now() + chrono::TimeDelta::days(29), "a fresh deadline: {deadline}");
    let code = app.api_post(&token, "/api/v1/accounts/acc-1/claim-code", &Value::Null).await;
    assert_eq!(code.status, 200, "the platform issues a new claim code: {}", code.body);

    let notice = app.last_mail("declaration-rejected");
    assert_eq!(notice.value("reason"), "data_mismatch");
    assert!(owner.get("/my?lang=en").await.body.contains("Sign in with the reference number"), "the session ended");
    let (action, details) = logged(&app).pop().unwrap();
    assert_eq!((action.as_str(), details.contains("data_mismatch")), ("identity.rejected", true));
    let queue = app.api_get(&registrar, "/api/v1/regulator/review").await.json();
    assert_eq!(queue["identities"], json!([]), "a rejected declaration leaves the queue");

    // Nothing false is kept: the record is gone, and the identifier is free.
    for (name, body) in [("confirm", Value::Null), ("reject", json!({ "reason": "not_the_declarant" }))] {
        assert_eq!(step(&app, &registrar, &reference, name, &body).await.status, 410, "{name}");
    }
    assert_eq!(app.queued_mail().iter().filter(|m| m.kind == "declaration-rejected").count(), 1, "told once");
    let (again, _) = app.register(&token, "acc-2").await;
    assert_ne!(again, reference, "the same identifier makes a new record, not the rejected one");
}

#[actix_web::test]
async fn only_registrars_review_input_is_checked_and_unknown_or_deleted_identities_are_named() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    let others = app.official("an.official", "requester,approver").await;
    let registrar = app.official("a.registrar", "registrar").await;

    assert_eq!(app.api_get(&others, "/api/v1/regulator/review").await.status, 403);
    let bodies = [
        ("check", json!({ "purpose": "Passport presented at the desk.", "claims": { "iin": TEST_IIN } })),
        ("confirm", Value::Null),
        ("reject", json!({ "reason": "data_mismatch" })),
    ];
    for (name, body) in &bodies {
        let refused = step(&app, &others, &reference, name, body).await;
        assert_eq!((refused.status, refused.error_code()), (403, "forbidden".to_string()), "{name}");
        assert_eq!(step(&app, &registrar, "R-NOSUCHREF", name, body).await.status, 404, "{name}");
    }
    assert!(!logged(&app).iter().any(|(action, _)| action == "identity.checked"), "a refusal checks nothing");

    for (claims, field) in [
        (json!({}), "claims"),
        (json!({ "email": "x@example.kz" }), "claims.email"),
        (json!({ "address": "Almaty" }), "claims.address"),
        (json!({ "iin": "123456789012" }), "claims.iin"),
        (json!({ "legal_name": "Alem LLP" }), "claims.legal_name"),
    ] {
        let refused = app.check(&registrar, &reference, claims.clone()).await;
        assert_eq!((refused.status, refused.error_code()), (400, "invalid_field".to_string()), "{claims}");
        assert!(refused.body.contains(field), "{}", refused.body);
        assert!(!refused.body.contains("123456789012") && !refused.body.contains("example.kz"), "{}", refused.body);
    }
    let body = json!({ "purpose": "because", "claims": { "iin": TEST_IIN } });
    let short = step(&app, &registrar, &reference, "check", &body).await;
    assert_eq!((short.status, short.error_code()), (400, "invalid_field".to_string()), "{}", short.body);
    assert!(short.body.contains("purpose"));
    assert_eq!(app.api_get(&registrar, "/api/v1/regulator/review?limit=0").await.status, 400);

    let mut conn = app.pool.get().unwrap();
    let id = registry::db::repo::identities::find_for_sign_in(&mut conn, &reference).unwrap().unwrap().id;
    registry::db::repo::identities::shred(&mut conn, id, chrono::Utc::now()).unwrap();
    let gone = app.check(&registrar, &reference, json!({ "iin": TEST_IIN })).await;
    assert_eq!((gone.status, gone.error_code()), (410, "data_deleted".to_string()), "{}", gone.body);
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(gone.body.contains(&format!("deleted under retention on {today}")), "{}", gone.body);
}
