use crate::helpers::{Visitor, almaty_day, spawn_app, spawn_app_with};
use diesel::prelude::*;
use registry::db::repo::identities;
use registry::db::schema::account_identities;
use registry::domain::Field;

#[actix_web::test]
async fn an_owner_signs_in_sees_their_accounts_and_changes_their_email() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);

    let wrong = visitor.sign_in(&reference, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("The reference number or the management key is not right."));
    assert!(!wrong.body.contains("AAAA"), "the key is never echoed");

    let typed = key.to_lowercase().replace('-', " ");
    let signed = visitor.sign_in(&reference.to_lowercase(), &typed).await;
    assert_eq!((signed.status, signed.location.as_deref()), (303, Some("/my")), "{}", signed.body);
    let record = visitor.get("/my?lang=en").await;
    assert!(record.body.contains("@acc-1") && record.body.contains("Verified"), "{}", record.body);
    assert!(record.body.contains("Your data has not been disclosed to anyone."));
    assert!(!record.body.contains(">Withdraw</button>"), "a verified account cannot be withdrawn");

    let sealed = |conn: &mut registry::db::DbConnection| -> (Option<Vec<u8>>, Vec<Vec<u8>>) {
        use registry::db::schema::{identities as ids, identity_fields as fields};
        let wrapped = ids::table.select(ids::wrapped_data_key).first(conn).unwrap();
        (wrapped, fields::table.order(fields::field).select(fields::ciphertext).load(conn).unwrap())
    };
    let before = sealed(&mut app.pool.get().unwrap());

    let bad = visitor.submit("/my", "/my/email?lang=en", &[("email", "nope"), ("management_key", &key)]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"email-error\""));
    let lost_key_link = {
        let mut other = Visitor::new(&app);
        other.submit("/my/lost-key?lang=en", "/my/lost-key?lang=en", &[("reference", &reference)]).await;
        app.last_mail("key-reset-link").value("link")
    };
    let keyless = visitor.submit("/my", "/my/email?lang=en", &[("email", "thief@example.org")]).await;
    assert_eq!(keyless.status, 422, "a session alone cannot move the address a lost key is replaced through");
    assert!(keyless.body.contains("The management key is not right."));
    assert!(app.queued_mail().iter().all(|m| m.to != "thief@example.org"), "nothing mailed");
    let asked = visitor
        .submit("/my", "/my/email?lang=en", &[("email", "new.address@example.kz"), ("management_key", &key)])
        .await;
    assert_eq!(asked.location.as_deref(), Some("/my?done=email-code"));
    let waiting = visitor.get("/my?done=email-code&lang=en").await;
    assert!(waiting.body.contains("We sent a code to the new address."), "{}", waiting.body);
    let code_mail = app.last_mail("email-change-code");
    assert_eq!(code_mail.to, "new.address@example.kz", "the code goes to the new address");
    let wrong = visitor.submit("/my", "/my/email/confirm?lang=en", &[("code", "00000000")]).await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("You can try 4 more times") && wrong.body.contains("id=\"code-error\""),
        "{}",
        wrong.body
    );
    let unchanged = identities::open_fields(
        &mut app.pool.get().unwrap(),
        &app.keys,
        identities::find_for_sign_in(&mut app.pool.get().unwrap(), &reference).unwrap().unwrap().id,
        &[Field::Email],
    )
    .unwrap();
    assert_eq!(unchanged[0].1.as_str(), crate::helpers::TEST_EMAIL, "nothing changes before the code comes back");
    let changed = visitor.submit("/my", "/my/email/confirm?lang=en", &[("code", &code_mail.value("code"))]).await;
    assert_eq!(changed.location.as_deref(), Some("/my?done=email"), "{}", changed.body);
    assert!(visitor.get("/my?done=email&lang=en").await.body.contains("Your contact e-mail was changed."));
    let told = app.last_mail("contact-changed");
    assert_eq!(told.to, crate::helpers::TEST_EMAIL, "the previous address is told");
    let again = visitor.submit("/my", "/my/email/confirm?lang=en", &[("code", &code_mail.value("code"))]).await;
    assert_eq!(again.status, 409, "a code works once");
    let stale = Visitor::new(&app).get(&format!("{lost_key_link}&lang=en")).await;
    assert_eq!(stale.status, 404, "a link mailed to the old address stops working");

    let mut conn = app.pool.get().unwrap();
    let id = identities::find_for_sign_in(&mut conn, &reference).unwrap().unwrap().id;
    let email = identities::open_fields(&mut conn, &app.keys, id, &[Field::Email]).unwrap();
    assert_eq!(email[0].1.as_str(), "new.address@example.kz");
    let surname = identities::open_fields(&mut conn, &app.keys, id, &[Field::Surname]).unwrap();
    assert_eq!(surname[0].1.as_str(), crate::helpers::TEST_SURNAME);
    // A fresh data key sealed the whole record: the old e-mail's ciphertext and key are gone.
    let after = sealed(&mut conn);
    assert_ne!(after.0, before.0);
    assert!(after.1.iter().all(|c| !before.1.contains(c)) && after.1.len() == before.1.len());
    let logged: Vec<String> =
        registry::db::schema::audit_log::table.select(registry::db::schema::audit_log::action).load(&mut conn).unwrap();
    assert_eq!(logged, ["owner.account_linked", "owner.contact_changed"]);

    let out = visitor.submit("/my", "/my/sign-out", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/"));
    assert!(visitor.get("/my?lang=en").await.body.contains("Sign in with the reference number"));
}

#[actix_web::test]
async fn an_owner_withdraws_an_account_only_once_it_no_longer_needs_registration() {
    let app = spawn_app_with(|s| s.policy.hysteresis = chrono::TimeDelta::seconds(1)).await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    let mut conn = app.pool.get().unwrap();
    let account_id: i64 = account_identities::table.select(account_identities::account_id).first(&mut conn).unwrap();
    let id = account_id.to_string();

    let early = visitor.submit("/my", "/my/withdraw?lang=en", &[("account_id", &id)]).await;
    assert_eq!(early.status, 409, "still verified and over the threshold");

    app.report(&token, &[("acc-1", 10)]).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    let record = visitor.get("/my?lang=en").await;
    assert!(record.body.contains("Not required") && record.body.contains(">Withdraw</button>"), "{}", record.body);
    let done = visitor.submit("/my", "/my/withdraw?lang=en", &[("account_id", &id)]).await;
    assert_eq!(done.location.as_deref(), Some("/my?done=withdrawn"));
    let record = visitor.get("/my?lang=en").await;
    assert!(record.body.contains("Withdrawn"));
    let deleted_on = almaty_day(chrono::Utc::now() + chrono::TimeDelta::days(180));
    assert!(
        record.body.contains(&format!("your data will be deleted on {deleted_on}, unless")),
        "the owner sees when their data goes: {}",
        record.body
    );
    let withdrawn: Option<chrono::NaiveDateTime> =
        account_identities::table.select(account_identities::withdrawn_at).first(&mut conn).unwrap();
    assert!(withdrawn.is_some());
    let twice = visitor.submit("/my", "/my/withdraw?lang=en", &[("account_id", &id)]).await;
    assert_eq!(twice.status, 409);

    // Back over the threshold, the account gets a claim code: it needs a new identification.
    let (again, _) = app.register(&token, "acc-1").await;
    assert_eq!(again, "", "the same person identifies again: their record takes the account back, unnamed");
    let record = visitor.get("/my?lang=en").await;
    assert!(record.body.contains("Verified") && !record.body.contains("Withdrawn"), "{}", record.body);
    assert!(!record.body.contains("id=\"deleted-on\""), "an account needs the data again");
}

#[actix_web::test]
async fn a_forged_form_on_my_record_is_refused_as_forged_even_without_a_session() {
    let app = spawn_app().await;
    let forms = [
        ("/my/email", ("email", "x@example.kz")),
        ("/my/email/confirm", ("code", "12345678")),
        ("/my/add", ("claim_code", "AAAA-BBBB-CCCC")),
        ("/my/withdraw", ("account_id", "1")),
    ];
    for (path, field) in forms {
        let mut stranger = Visitor::new(&app);
        stranger.get("/my").await;
        let page =
            stranger.send(stranger.client.post(format!("{}{path}", app.address)), Some(&[("csrf", "0"), field])).await;
        assert_eq!(page.status, 403, "{path}: {}", page.body);
    }
}

#[actix_web::test]
async fn my_record_needs_a_valid_session() {
    let app = spawn_app().await;
    let mut visitor = Visitor::new(&app);
    visitor.cookies.insert("my".into(), "1.99999999999.forged".into());
    let page = visitor.get("/my?lang=en").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Sign in with the reference number"), "a forged session shows the sign-in form");
    let change = visitor.submit("/my", "/my/email", &[("email", "x@example.kz")]).await;
    assert_eq!(change.location.as_deref(), Some("/my"), "nothing changes without a session");
}

#[actix_web::test]
async fn the_owner_sees_each_disclosure_once_any_deferral_has_passed() {
    use crate::helpers::{FiledRequest, file_request};
    use registry::db::schema::disclosures;
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let now = chrono::Utc::now().naive_utc();
    let open = file_request(
        &app,
        &FiledRequest {
            basis: "court_decision",
            issuer: "Almaty District Court",
            state: "approved",
            created_at: now - chrono::TimeDelta::days(3),
            decided_after: chrono::TimeDelta::hours(5),
            notify_owner_after: None,
            authority: Some("court"),
        },
    );
    let deferred = file_request(
        &app,
        &FiledRequest {
            basis: "criminal_investigation",
            issuer: "Financial Monitoring Agency",
            state: "approved",
            created_at: now - chrono::TimeDelta::days(2),
            decided_after: chrono::TimeDelta::hours(5),
            notify_owner_after: Some(now + chrono::TimeDelta::days(30)),
            authority: Some("financial_monitoring"),
        },
    );
    let mut conn = app.pool.get().unwrap();
    let identity = identities::find_for_sign_in(&mut conn, &reference).unwrap().unwrap().id;
    let requester: i64 =
        registry::db::schema::officials::table.select(registry::db::schema::officials::id).first(&mut conn).unwrap();
    for (request, days_ago) in [(open, 2), (deferred, 1)] {
        diesel::insert_into(disclosures::table)
            .values((
                disclosures::request_id.eq(request),
                disclosures::identity_id.eq(identity),
                disclosures::opened_by.eq(requester),
                disclosures::opened_at.eq(now - chrono::TimeDelta::days(days_ago)),
                disclosures::audit_seq.eq(1),
            ))
            .execute(&mut conn)
            .unwrap();
    }

    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    let record = visitor.get("/my?lang=en").await.body;
    assert!(record.contains("Your data has been disclosed 1 time."), "{record}");
    let expected_row = format!(
        "<tr><td>{}</td><td>A court</td><td>Court decision</td><td><a href=\"/my/log/1/proof\" download>Download the proof</a></td></tr>",
        almaty_day((now - chrono::TimeDelta::days(2)).and_utc())
    );
    assert!(record.contains(&expected_row), "{record}");
    assert!(!record.contains("Financial Monitoring Agency"), "a deferred disclosure stays hidden until its date");
}

#[actix_web::test]
async fn a_signed_in_owner_adds_another_account_with_its_claim_code() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let code = app.account_with_code(&token, "acc-2").await;

    let mut stranger = Visitor::new(&app);
    let away = stranger.get("/my/add?lang=en").await;
    assert_eq!(away.location.as_deref(), Some("/my"), "the form needs a session");

    let mut owner = Visitor::new(&app);
    assert_eq!(owner.sign_in(&reference, &key).await.status, 303);
    let form = owner.get("/my/add?lang=en").await;
    assert!(form.body.contains("Add an account") && form.body.contains("name=\"claim_code\""));
    let wrong = owner
        .submit(
            "/my/add?lang=en",
            "/my/add?lang=en",
            &[("platform", "qaz"), ("account", "acc-2"), ("claim_code", "AAAA-BBBB-CCCC")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("We could not accept this code."));
    let added = owner
        .submit(
            "/my/add?lang=en",
            "/my/add?lang=en",
            &[("platform", "qaz"), ("account", "@ACC-2"), ("claim_code", &code)],
        )
        .await;
    assert_eq!(added.location.as_deref(), Some("/my?done=added"), "{}", added.body);
    let record = owner.get("/my?done=added&lang=en").await;
    assert!(record.body.contains("The account was added to your record.") && record.body.contains("@acc-2"));
    let status = app.api_get(&token, "/api/v1/accounts/acc-2").await.json();
    assert_eq!(status["status"], "verified");

    let mut conn = app.pool.get().unwrap();
    let details: Vec<String> = registry::db::schema::audit_log::table
        .filter(registry::db::schema::audit_log::action.eq("owner.account_linked"))
        .select(registry::db::schema::audit_log::details)
        .load(&mut conn)
        .unwrap();
    assert!(details.last().unwrap().contains("\"session\""), "{details:?}");
    assert_eq!(app.last_mail("account-linked").value("handle"), "@acc-2", "the record's address is told");
    let spent = owner
        .submit(
            "/my/add?lang=en",
            "/my/add?lang=en",
            &[("platform", "qaz"), ("account", "acc-2"), ("claim_code", &code)],
        )
        .await;
    assert_eq!(spent.status, 422, "the claim code is spent");
}
