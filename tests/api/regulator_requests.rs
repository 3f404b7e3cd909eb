use crate::helpers::{request_body, spawn_app};
use serde_json::{Value, json};

#[actix_web::test]
async fn a_request_is_filed_and_approved_by_a_second_official() {
    let app = spawn_app().await;
    app.add_platform("qaz");
    let requester = app.official("a.requester", "requester").await;
    let approver = app.official("an.approver", "approver").await;

    let filed = app.api_post(&requester, "/api/v1/regulator/requests", &request_body()).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let filed = filed.json();
    assert_eq!(filed["state"], "pending");
    assert_eq!(filed["target"], json!({ "platform": "qaz", "account_ref": "acc-1" }));
    assert_eq!(filed["fields"], json!(["surname", "given_name"]));
    assert_eq!(filed["authority"], "court", "the asking body, from the list");
    let id = filed["id"].as_i64().unwrap();

    let decision = json!({ "approve": true, "reason": "The court decision is in order.", "notify_owner_after": (chrono::Utc::now() + chrono::TimeDelta::days(30)).to_rfc3339() });
    let decided = app.api_post(&approver, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await;
    assert_eq!(decided.status, 200, "{}", decided.body);
    let decided = decided.json();
    assert_eq!(decided["state"], "approved");
    assert!(decided["valid_until"].is_string() && decided["notify_owner_after"].is_string());

    let seen = app.api_get(&requester, &format!("/api/v1/regulator/requests/{id}")).await.json();
    assert_eq!(seen["state"], "approved");
    let again = app.api_post(&approver, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await;
    assert_eq!((again.status, again.error_code()), (409, "already_decided".to_string()));
}

#[actix_web::test]
async fn roles_and_the_four_eyes_rule_are_enforced() {
    let app = spawn_app().await;
    app.add_platform("qaz");
    let both = app.official("both.roles", "requester,approver").await;
    let approver = app.official("an.approver", "approver").await;
    let requester = app.official("a.requester", "requester").await;

    assert_eq!(
        app.api_post(&approver, "/api/v1/regulator/requests", &request_body()).await.status,
        403,
        "approvers do not file"
    );
    let own = app.api_post(&both, "/api/v1/regulator/requests", &request_body()).await.json()["id"].as_i64().unwrap();
    let decision = json!({ "approve": true, "reason": "ok" });
    let self_approval = app.api_post(&both, &format!("/api/v1/regulator/requests/{own}/decision"), &decision).await;
    assert_eq!((self_approval.status, self_approval.error_code()), (403, "forbidden".to_string()));
    let by_requester = app.api_post(&requester, &format!("/api/v1/regulator/requests/{own}/decision"), &decision).await;
    assert_eq!(by_requester.status, 403, "requesters do not decide");
    assert_eq!(
        app.api_get(&requester, &format!("/api/v1/regulator/requests/{own}")).await.status,
        404,
        "nor read others' requests"
    );
    let too_late = json!({ "approve": true, "reason": "ok", "notify_owner_after": (chrono::Utc::now() + chrono::TimeDelta::days(181)).to_rfc3339() });
    let deferred = app.api_post(&approver, &format!("/api/v1/regulator/requests/{own}/decision"), &too_late).await;
    assert_eq!(deferred.status, 400);
    assert!(deferred.json()["error"]["message"].as_str().unwrap().starts_with("notify_owner_after"));
    assert_eq!(app.api_post("not-a-session", "/api/v1/regulator/requests", &request_body()).await.status, 401);
}

#[actix_web::test]
async fn invalid_requests_are_refused_with_the_field_named() {
    let app = spawn_app().await;
    app.add_platform("qaz");
    let requester = app.official("a.requester", "requester").await;
    let with = |path: &str, value: Value| {
        let mut body = request_body();
        let mut slot = &mut body;
        for key in path.split('.') {
            slot = &mut slot[key];
        }
        *slot = value;
        body
    };
    for (body, field) in [
        (with("justification", json!("too short")), "justification"),
        (with("legal_basis", json!("curiosity")), "legal_basis"),
        (with("fields", json!(["surname", "address"])), "fields"),
        (with("fields", json!([])), "fields"),
        (with("basis_document.date", json!("2999-01-01")), "basis_document.date"),
        (with("target.platform", json!("nowhere")), "target.platform"),
        (
            json!({ "target": { "identifier_type": "iin", "identifier": "900115353055" }, "legal_basis": "court_decision",
                 "basis_document": request_body()["basis_document"], "justification": request_body()["justification"],
                 "fields": ["surname"] }),
            "target.identifier",
        ),
    ] {
        let reply = app.api_post(&requester, "/api/v1/regulator/requests", &body).await;
        assert_eq!(reply.status, 400, "{field}: {}", reply.body);
        let message = reply.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.starts_with(field), "{field}: {message}");
        assert!(!message.contains("900115353055"), "identifiers are not echoed");
    }
}

#[actix_web::test]
async fn a_request_by_identifier_stores_its_blind_index_and_the_identifier_sealed_for_those_who_decide() {
    let app = spawn_app().await;
    let requester = app.official("a.requester", "requester").await;
    let body = json!({
        "target": { "identifier_type": "iin", "identifier": crate::helpers::TEST_IIN },
        "legal_basis": "criminal_investigation",
        "basis_document": { "number": "CI-77", "date": "2026-11-01", "issuer": "Financial Monitoring Agency" },
        "justification": "Finding every account of one person under investigation for fraud, case CI-77.",
        "fields": ["iin", "surname"]
    });
    let filed = app.api_post(&requester, "/api/v1/regulator/requests", &body).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert_eq!(filed.json()["target"], json!({ "identifier_type": "iin" }), "the identifier is not shown back");
    use diesel::prelude::*;
    use registry::db::schema::access_requests;
    let mut conn = app.pool.get().unwrap();
    let stored: Option<Vec<u8>> =
        access_requests::table.select(access_requests::target_blind_index).first(&mut conn).unwrap();
    let expected = app.keys.blind_indexer().index(&crate::helpers::resident_declaration().identifier()).unwrap();
    assert_eq!(stored.as_deref(), Some(expected.0.as_slice()));
    drop(conn);
    crate::helpers::assert_no_personal_data(&app.db_contents(), "the database");

    // The approver sees what they approve, and so does the requester; each showing is logged.
    let id = filed.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/regulator/requests/{id}");
    let approver = app.official("an.approver", "approver").await;
    let auditor = app.official("an.auditor", "auditor").await;
    let expected = json!({ "identifier_type": "iin", "identifier": crate::helpers::TEST_IIN });
    for (who, token) in [("approver", &approver), ("requester", &requester)] {
        let read = app.api_get(token, &path).await;
        assert_eq!(read.json()["target"], expected, "{who}: {}", read.body);
        assert_eq!(read.header("cache-control").as_deref(), Some("no-store"));
    }
    let audited = app.api_get(&auditor, &path).await;
    assert_eq!(audited.json()["target"], json!({ "identifier_type": "iin" }), "auditors read requests without it");
    let mut conn = app.pool.get().unwrap();
    let shown: Vec<String> = registry::db::schema::audit_log::table
        .filter(registry::db::schema::audit_log::action.eq("access_request.identifier_shown"))
        .select(registry::db::schema::audit_log::actor)
        .load(&mut conn)
        .unwrap();
    assert_eq!(shown.len(), 2, "{shown:?}");
    drop(conn);

    let denial = json!({ "approve": false, "reason": "The basis document does not name this person." });
    assert_eq!(app.api_post(&approver, &format!("{path}/decision"), &denial).await.status, 200);
    let denied = app.api_get(&approver, &path).await.json();
    assert_eq!(denied["target"], json!({ "identifier_type": "iin" }), "a denied request shows no identifier");
    let mut conn = app.pool.get().unwrap();
    let sealed: Option<Vec<u8>> =
        access_requests::table.select(access_requests::target_identifier).first(&mut conn).unwrap();
    assert_eq!(sealed, None, "a denied search forgets whom it searched for");
}

#[actix_web::test]
async fn shredding_an_identity_deletes_the_identifier_sealed_in_requests_for_it() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    let mut body = crate::helpers::request_body();
    body["target"] = json!({ "identifier_type": "iin", "identifier": crate::helpers::TEST_IIN });
    let requester = app.official("a.requester", "requester").await;
    let id = app.api_post(&requester, "/api/v1/regulator/requests", &body).await.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/regulator/requests/{id}");
    assert_eq!(app.api_get(&requester, &path).await.json()["target"]["identifier"], crate::helpers::TEST_IIN);

    let mut conn = app.pool.get().unwrap();
    let identity = registry::db::repo::identities::find_for_sign_in(&mut conn, &reference).unwrap().unwrap().id;
    registry::db::repo::identities::shred(&mut conn, identity, chrono::Utc::now()).unwrap();
    drop(conn);
    assert_eq!(app.api_get(&requester, &path).await.json()["target"], json!({ "identifier_type": "iin" }));
}

#[actix_web::test]
async fn the_asking_body_comes_from_a_fixed_list_and_older_clients_may_leave_it_out() {
    let app = spawn_app().await;
    app.add_platform("qaz");
    let requester = app.official("a.requester", "requester").await;
    let mut unknown = request_body();
    unknown["authority"] = json!("the ministry of magic");
    let refused = app.api_post(&requester, "/api/v1/regulator/requests", &unknown).await;
    assert_eq!((refused.status, refused.error_code()), (400, "invalid_field".to_string()), "{}", refused.body);
    assert!(refused.body.contains("authority"), "{}", refused.body);
    let mut older = request_body();
    older.as_object_mut().unwrap().remove("authority");
    let filed = app.api_post(&requester, "/api/v1/regulator/requests", &older).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert!(filed.json().get("authority").is_none(), "not named, not invented");
}
