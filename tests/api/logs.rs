use crate::helpers::{
    SmtpServer, TEST_GIVEN_NAME, TEST_IIN, TEST_PATRONYMIC, TEST_PERSONAL_DATA, TEST_SURNAME, TestDb, Visitor,
    assert_no_personal_data, captured_logs, expose, key_file, receipt_of, resident_declaration, resident_fields,
    run_cli, secret, spawn_app, spawn_app_with, stderr, store_resident, with_smtp,
};
use chrono::Utc;
use registry::crypto::KeyRing;
use registry::db::repo::identities;
use registry::db::write_tx;
use registry::domain::Field;

#[actix_web::test]
async fn personal_data_never_reaches_the_application_log() {
    let app = spawn_app().await;
    let id = store_resident(&app.pool, &app.keys, "R-LOGS-0001");
    let mut conn = app.pool.get().unwrap();
    let opened = identities::open_fields(&mut conn, &app.keys, id, Field::ALL).unwrap();
    assert_eq!(opened.len(), TEST_PERSONAL_DATA.len(), "every test value passed through the code");
    tracing::debug!(declaration = ?resident_declaration(), "debug formatting of a declaration");
    write_tx(&mut conn, |conn| identities::shred(conn, id, Utc::now())).unwrap();
    drop(conn);
    for path in ["/healthz", "/readyz", "/no-such-route"] {
        app.get(path).await;
    }
    app.metrics().await;

    let logs = captured_logs();
    assert!(logs.contains("request rejected"), "the capture works: the 404 was logged");
    assert!(logs.contains("Resident { iin: Iin(<redacted>)"), "the capture works: the debug event was logged");
    assert_no_personal_data(logs.as_bytes(), "the captured log");
}

#[test]
fn secrets_printed_by_the_cli_are_not_in_its_log() {
    let db = TestDb::new();
    KeyRing::generate(Utc::now()).create(&key_file(&db)).unwrap();
    let key_path = key_file(&db);
    let env = [
        ("REGISTRY_DATABASE_URL", db.url_string.as_str()),
        ("REGISTRY_KEY_FILE", key_path.to_str().unwrap()),
        ("REGISTRY_LOG", "trace"),
    ];
    let official =
        run_cli(db.dir.path(), &env, &["official", "add", "--username", "a.auditor", "--roles", "auditor", "--json"]);
    let platform = run_cli(db.dir.path(), &env, &["platform", "add", "--slug", "qaz", "--name", "Qaz", "--json"]);
    for out in [&official, &platform] {
        assert!(out.status.success(), "{}", stderr(out));
    }
    let logs = [stderr(&official), stderr(&platform)].concat();
    assert!(logs.contains("applied database migrations"), "the first command logged: {logs}");
    let official: serde_json::Value = serde_json::from_slice(&official.stdout).unwrap();
    let platform: serde_json::Value = serde_json::from_slice(&platform.stdout).unwrap();
    let secrets = [secret(&official["password"]), secret(&official["totp_secret"]), secret(&platform["token"])];
    for value in &secrets {
        assert!(!logs.contains(expose(value)), "a printed secret is in the log");
    }
}

#[actix_web::test]
async fn the_mail_flow_leaves_no_personal_data_code_or_key_in_logs_mail_or_the_database() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(with_smtp(smtp.url())).await;
    let token = app.add_platform("qaz");
    let claim_code = app.account_with_code(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.claim("acc-1", &claim_code).await.status, 303);
    visitor.submit("/claim/identify?type=resident", "/claim/identify?lang=en", &resident_fields()).await;
    let code = smtp.wait_for(1).await[0].code();
    let (reference, key) = receipt_of(&visitor.confirm(&code).await);
    let received = smtp.wait_for(2).await;

    let logs = captured_logs();
    assert!(logs.contains("account identified"), "the capture works");
    assert_no_personal_data(logs.as_bytes(), "the captured log");
    for secret in [&claim_code, &code, &key] {
        assert!(!logs.contains(secret.as_str()), "a code or key is in the log");
    }
    for message in &received {
        for private in [TEST_IIN, TEST_SURNAME, TEST_GIVEN_NAME, TEST_PATRONYMIC, &claim_code, &key, &reference] {
            assert!(!message.raw.contains(private), "{:?} holds personal data, a claim code or a key", message.subject);
        }
    }
    assert!(!received[1].raw.contains(&code), "the code is only in the message that delivers it");
    let db = app.db_contents();
    assert_no_personal_data(&db, "the database");
    for secret in [&code, &key] {
        assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()), "a code or key is stored in plaintext");
    }
}
