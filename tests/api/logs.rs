use crate::helpers::{
    TEST_PERSONAL_DATA, TestDb, assert_no_personal_data, captured_logs, expose, key_file, resident_declaration,
    run_cli, secret, spawn_app, stderr, store_resident,
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
    for path in ["/healthz", "/readyz", "/metrics", "/no-such-route"] {
        app.get(path).await;
    }

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
