use crate::helpers::{PASSWORD, Page, TEST_IIN, TEST_SURNAME, Visitor, code, spawn_app};

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
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/regulator/requests")), "{}", page.body);
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
        ("basis_number", "2-1234/2026"),
        ("basis_date", "2026-11-20"),
        ("basis_issuer", "Almaty District Court"),
        ("justification", justification),
        ("fields", "surname"),
        ("fields", "given_name"),
    ]
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
    let listed = approver.get("/regulator/requests").await;
    assert!(listed.body.contains(&format!("href=\"{path}\"")), "approvers see pending requests");
    let decided = approver
        .submit(
            &path,
            &format!("{path}/decision"),
            &[("approve", "true"), ("reason", "The court decision is in order.")],
        )
        .await;
    assert_eq!((decided.status, decided.location.as_deref()), (303, Some(path.as_str())), "{}", decided.body);
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
    let said = format!("The data was deleted under the retention rules on {}.", now.date_naive());
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
