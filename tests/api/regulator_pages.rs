use crate::helpers::{PASSWORD, Page, TEST_IIN, TEST_SURNAME, Visitor, almaty_day, code, spawn_app};

async fn signed_in<'a>(app: &'a crate::helpers::TestApp, username: &str, roles: &str) -> Visitor<'a> {
    app.add_official(username, roles);
    let mut visitor = Visitor::new(app);
    let wrong = visitor
        .submit(
            "/regulator?lang=en",
            "/regulator/login",
            &[("username", username), ("password", PASSWORD), ("totp", "000000")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("The username, password or code is not right."), "{}", wrong.body);
    let totp = code(0);
    let page = visitor
        .submit("/regulator", "/regulator/login", &[("username", username), ("password", PASSWORD), ("totp", &totp)])
        .await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/regulator")), "{}", page.body);
    visitor
}

fn request_fields(justification: &str) -> Vec<(&str, &str)> {
    vec![
        ("target", "account"),
        ("platform", "qaz"),
        ("account_ref", "acc-1"),
        ("identifier_type", "iin"),
        ("identifier", ""),
        ("legal_basis", "court_decision"),
        ("authority", "court"),
        ("basis_number", "2-1234/2026"),
        ("basis_date", "2026-11-20"),
        ("basis_issuer", "Almaty District Court"),
        ("justification", justification),
        ("fields", "surname"),
        ("fields", "given_name"),
    ]
}

#[actix_web::test]
async fn a_filing_with_several_faults_names_them_all_at_once_each_linked_to_its_field() {
    let app = spawn_app().await;
    app.add_platform("qaz");
    let mut requester = signed_in(&app, "a.requester", "requester").await;
    let fields = [
        ("target", "identifier"),
        ("identifier_type", "iin"),
        ("identifier", "123"),
        ("legal_basis", "court_decision"),
        ("basis_number", "2-1234/2026"),
        ("basis_date", "2999-01-01"),
        ("basis_issuer", "Almaty District Court"),
        ("justification", "Too short."),
    ];
    let page = requester.submit("/regulator/requests/new?lang=en", "/regulator/requests?lang=en", &fields).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("<title>Error: "), "the title says there is an error");
    let summary = crate::helpers::between(&page.body, "<div class=\"error-summary\"", "</div>");
    let anchors: Vec<&str> = summary.split("<a href=\"#").skip(1).map(|item| item.split('"').next().unwrap()).collect();
    assert_eq!(anchors, ["identifier", "authority", "basis_date", "justification", "field-surname"], "{summary}");
    assert!(!page.body.contains("value=\"123\""), "the identifier searched by is not echoed");
    assert!(page.body.contains("<option value=\"DE\">Germany</option>"), "countries by name");
}

#[actix_web::test]
async fn a_requester_and_an_approver_take_a_request_to_disclosure_through_the_forms() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    let mut requester = signed_in(&app, "a.requester", "requester").await;

    let short =
        requester.submit("/regulator/requests/new?lang=en", "/regulator/requests", &request_fields("Too short.")).await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("The justification must be 50 to 4000 characters."), "{}", short.body);
    assert!(short.body.contains("value=\"Almaty District Court\""), "valid input is kept");
    assert!(short.body.contains("<option value=\"qaz\" selected>"), "the platform is picked from a list and kept");
    assert!(short.body.contains("id=\"field-surname\" name=\"fields\" value=\"surname\" checked"));

    let justification = "The account is the subject of a defamation case before the court, number 2-1234/2026.";
    let filed =
        requester.submit("/regulator/requests/new", "/regulator/requests", &request_fields(justification)).await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let path = filed.location.unwrap();
    assert!(path.starts_with("/regulator/requests/"));
    let pending = requester.get(&path).await;
    assert!(pending.body.contains("Awaiting decision"));
    assert!(!pending.body.contains("Record the decision"), "nobody decides their own request");

    let mut approver = signed_in(&app, "an.approver", "approver").await;
    let pending = approver.get(&path).await;
    assert!(!pending.body.contains(" checked>"), "no decision is chosen for the approver");
    let undecided = approver.submit(&path, &format!("{path}/decision"), &[("reason", "In order.")]).await;
    assert_eq!(undecided.status, 422, "{}", undecided.body);
    assert!(undecided.body.contains("Choose whether to approve or deny the request."), "{}", undecided.body);
    assert!(
        undecided.body.contains("<a href=\"#approve\">Choose whether to approve or deny the request.</a>"),
        "the summary links to the choice"
    );
    let listed = approver.get("/regulator/requests").await;
    assert!(listed.body.contains(&format!("href=\"{path}\"")), "approvers see pending requests");
    assert!(listed.body.contains("<td>qaz / acc-1</td>"), "the list says whose data: {}", listed.body);
    assert!(listed.body.contains("<td>a.requester</td>"), "and who asked for it");
    let decided = approver
        .submit(
            &path,
            &format!("{path}/decision"),
            &[("approve", "true"), ("reason", "The court decision is in order.")],
        )
        .await;
    let banner = format!("{path}?done=decided");
    assert_eq!((decided.status, decided.location.as_deref()), (303, Some(banner.as_str())), "{}", decided.body);
    assert!(approver.get(&banner).await.body.contains("The decision was recorded."));
    let again = approver.submit(&path, &format!("{path}/decision"), &[("approve", "false"), ("reason", "No.")]).await;
    assert!(!again.body.contains("Record the decision"), "a decided request offers no second decision");

    let opened = requester.submit(&path, &format!("{path}/disclosure"), &[]).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(opened.body.contains(TEST_SURNAME), "the approved fields are shown");
    assert!(!opened.body.contains(TEST_IIN), "fields not approved are not");
    assert!(opened.body.contains("qaz / acc-1"));
    let not_mine = approver.submit(&path, &format!("{path}/disclosure"), &[]).await;
    assert_eq!(not_mine.status, 403);
    assert!(!not_mine.body.contains(TEST_SURNAME));

    let mut conn = app.pool.get().unwrap();
    let identity = registry::db::repo::identities::find_for_sign_in(&mut conn, &reference).unwrap().unwrap().id;
    let now = chrono::Utc::now();
    registry::db::write_tx(&mut conn, |conn| registry::db::repo::identities::shred(conn, identity, now)).unwrap();
    let gone = requester.submit(&path, &format!("{path}/disclosure?lang=en"), &[]).await;
    assert_eq!(gone.status, 410);
    let said = format!("The data was deleted under the retention rules on {}.", almaty_day(now));
    assert!(gone.body.contains(&said), "{}", gone.body);
}

#[actix_web::test]
async fn the_regulator_pages_need_a_session_and_a_genuine_form() {
    let app = spawn_app().await;
    let mut stranger = Visitor::new(&app);
    for path in ["/regulator/requests", "/regulator/requests/new", "/regulator/requests/1"] {
        let page: Page = stranger.get(path).await;
        assert_eq!((page.status, page.location.as_deref()), (303, Some("/regulator")), "{path}");
    }
    let login = stranger.get("/regulator?lang=ru").await;
    assert!(login.body.contains("Вход"));
    let forged = stranger
        .send(
            stranger.client.post(format!("{}/regulator/login", app.address)),
            Some(&[("csrf", "forged"), ("username", "x"), ("password", "y"), ("totp", "123456")]),
        )
        .await;
    assert_eq!(forged.status, 403);

    let mut requester = signed_in(&app, "a.requester", "requester").await;
    let out = requester.submit("/regulator/requests", "/regulator/logout", &[]).await;
    assert_eq!((out.status, out.location.as_deref()), (303, Some("/regulator")));
    assert_eq!(requester.get("/regulator/requests").await.status, 303, "the session has ended");
}

#[actix_web::test]
async fn a_forged_form_is_refused_as_forged_with_or_without_a_session() {
    let app = spawn_app().await;
    let forged = [("csrf", "forged"), ("approve", "true"), ("reason", "ok")];
    for path in ["/regulator/requests", "/regulator/requests/1/decision", "/regulator/requests/1/disclosure"] {
        let mut stranger = Visitor::new(&app);
        stranger.get("/regulator").await;
        let page = stranger.send(stranger.client.post(format!("{}{path}", app.address)), Some(&forged)).await;
        assert_eq!(page.status, 403, "{path} without a session: {}", page.body);
    }
    let mut requester = signed_in(&app, "a.requester", "requester").await;
    let page =
        requester.send(requester.client.post(format!("{}/regulator/requests", app.address)), Some(&forged)).await;
    assert_eq!(page.status, 403, "with a session: {}", page.body);
    assert!(page.body.contains("this form has expired"));
}

#[actix_web::test]
async fn a_request_with_a_long_justification_in_cyrillic_is_filed_through_the_form() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let mut requester = signed_in(&app, "a.requester", "requester").await;
    // 4,000 characters, the most allowed: each is two bytes of UTF-8 and six once form-encoded.
    let justification = "Обоснование ".repeat(400).chars().take(4000).collect::<String>();
    let filed =
        requester.submit("/regulator/requests/new", "/regulator/requests", &request_fields(&justification)).await;
    assert_eq!(filed.status, 303, "{}", filed.body);
}

#[actix_web::test]
async fn a_registrar_checks_confirms_and_rejects_through_the_pages() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (first, _) = app.register(&token, "acc-1").await;
    let (second, _) = app.register_person(&token, "acc-2", 4).await;
    let mut registrar = signed_in(&app, "a.registrar", "registrar").await;
    let home = registrar.get("/regulator").await;
    assert_eq!(home.location.as_deref(), Some("/regulator/review"), "a registrar starts at the review queue");
    let queue = registrar.get("/regulator/review?lang=en").await;
    assert!(queue.body.contains(&format!("href=\"/regulator/review/{first}\"")), "{}", queue.body);
    assert!(!queue.body.contains("New request"), "a registrar files no requests");

    let path = format!("/regulator/review/{first}");
    let form = registrar.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("id=\"iin\"") && !form.body.contains("id=\"bin\""), "the resident's items");
    assert!(!form.body.contains(TEST_SURNAME) && !form.body.contains(TEST_IIN), "nothing of the record is shown");

    let short = registrar.submit(&path, &format!("{path}/check"), &[("purpose", "why"), ("iin", TEST_IIN)]).await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("Give a purpose of 10 to 500 characters."), "{}", short.body);
    let purpose = ("purpose", "Passport presented at the service centre.");
    let partial =
        registrar.submit(&path, &format!("{path}/check"), &[purpose, ("iin", TEST_IIN), ("surname", "")]).await;
    assert!(partial.body.contains("To confirm, check every declared item"), "{}", partial.body);
    let everything = [
        purpose,
        ("iin", TEST_IIN),
        ("surname", TEST_SURNAME),
        ("given_name", crate::helpers::TEST_GIVEN_NAME),
        ("patronymic", crate::helpers::TEST_PATRONYMIC),
    ];
    let checked = registrar.submit(&path, &format!("{path}/check"), &everything).await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    assert!(checked.body.contains("Matches") && checked.body.contains("Z…"), "{}", checked.body);
    assert!(!checked.body.contains(TEST_IIN), "the typed identifier is not echoed");
    let confirmed = registrar.submit(&path, &format!("{path}/confirm"), &[]).await;
    assert_eq!(confirmed.location.as_deref(), Some("/regulator/review?done=confirmed"), "{}", confirmed.body);
    let banner = registrar.get("/regulator/review?done=confirmed").await;
    assert!(banner.body.contains("The declaration was confirmed."));
    let again = registrar.get(&path).await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("already confirmed"), "{}", again.body);

    let path = format!("/regulator/review/{second}");
    let refused = registrar.submit(&path, &format!("{path}/reject"), &[("reason", "data_mismatch")]).await;
    assert_eq!(refused.status, 409, "nobody rejects what they did not check");
    let checked = registrar.submit(&path, &format!("{path}/check"), &[purpose, ("surname", "Abenov")]).await;
    assert!(checked.body.contains("Does not match") && !checked.body.contains("Confirm the declaration"));
    let no_reason = registrar.submit(&path, &format!("{path}/reject"), &[]).await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains("Choose a reason."), "{}", no_reason.body);
    let rejected = registrar.submit(&path, &format!("{path}/reject"), &[("reason", "data_mismatch")]).await;
    assert_eq!(rejected.location.as_deref(), Some("/regulator/review?done=rejected"), "{}", rejected.body);
    assert_eq!(app.api_get(&token, "/api/v1/accounts/acc-2").await.json()["status"], "required");

    let mut requester = signed_in(&app, "a.requester", "requester").await;
    let refused = requester.get("/regulator/review").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!refused.body.contains(&second));
}
