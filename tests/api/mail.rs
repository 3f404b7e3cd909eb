//! The mail outbox: messages reach a real SMTP server in the owner's
//! language, survive an outage, go once, and carry no personal data.

use crate::helpers::{
    SmtpServer, TEST_EMAIL, TEST_IIN, TEST_SURNAME, TestApp, Visitor, delivering, free_port, receipt_of,
    resident_fields, smtp_url, spawn_app_with, with_smtp,
};
use diesel::prelude::*;
use registry::db::schema::outbox;
use std::time::Duration;

/// (sent, dropped, waiting) messages in the outbox; a sent or dropped one has no payload left.
fn outbox_counts(app: &TestApp) -> (i64, i64, i64) {
    let mut conn = app.pool.get().unwrap();
    let mut count = |filter: &str| -> i64 {
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM outbox WHERE {filter}"))
            .get_result::<Count>(&mut *conn)
            .unwrap()
            .n
    };
    (
        count("sent_at IS NOT NULL AND payload IS NULL"),
        count("dropped_at IS NOT NULL AND payload IS NULL"),
        count("payload IS NOT NULL"),
    )
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[actix_web::test]
async fn mail_reaches_the_smtp_server_in_the_owners_language_without_personal_data() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(|s| {
        with_smtp(smtp.url())(s);
        s.public.url = "https://registry.example.kz".parse().unwrap();
    })
    .await;
    let token = app.add_platform("qaz");
    let claim_code = app.account_with_code(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.claim("acc-1", &claim_code).await.status, 303);
    let form = "/claim/identify?type=resident&lang=ru";
    assert_eq!(visitor.submit(form, "/claim/identify?lang=ru", &resident_fields()).await.status, 303);
    let code_mail = smtp.last_to(TEST_EMAIL).await;
    assert_eq!(code_mail.subject, "Ваш код подтверждения", "in the language the form was filled in");
    assert_eq!(
        code_mail.link(),
        "https://registry.example.kz/claim/confirm",
        "links are absolute, to the public address"
    );
    assert!(code_mail.html.contains("<a href=\"https://registry.example.kz/claim/confirm\">"), "{}", code_mail.html);
    for private in [TEST_IIN, TEST_SURNAME] {
        assert!(!code_mail.raw.contains(private), "a message holds no personal data beyond its recipient");
    }

    let (reference, key) = receipt_of(&visitor.confirm(&code_mail.code()).await);
    assert!(reference.starts_with("R-"));
    let linked = smtp.wait_for(2).await.pop().unwrap();
    assert_eq!(linked.subject, "К вашей записи добавлен аккаунт", "the record keeps the owner's language");
    assert!(linked.text.contains("@acc-1") && linked.text.contains("Test platform"), "{}", linked.text);
    assert!(linked.link().starts_with("https://registry.example.kz/my/report?token="));
    for secret in [reference.as_str(), key.as_str(), &code_mail.code(), TEST_IIN, TEST_SURNAME] {
        assert!(!linked.raw.contains(secret), "no reference, key, code or identifier in the notice");
    }
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(outbox_counts(&app), (2, 0, 0), "a sent message keeps only its delivery record");
}

#[actix_web::test]
async fn without_an_smtp_server_mail_is_written_as_files_to_read() {
    let app = spawn_app_with(delivering).await;
    let token = app.add_platform("qaz");
    app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;
    let dir = app.mail_dir();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let file = loop {
        let found = std::fs::read_dir(&dir)
            .ok()
            .and_then(|entries| entries.map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|e| e == "eml")));
        if let Some(file) = found {
            break file;
        }
        assert!(std::time::Instant::now() < deadline, "no .eml file in {}", dir.display());
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700, "the files hold addresses");
    let eml = std::fs::read_to_string(&file).unwrap();
    assert!(eml.contains("Subject: Your confirmation code"), "{eml}");
    assert!(eml.contains(&format!("To: {TEST_EMAIL}")), "{eml}");
    let logs = crate::helpers::captured_logs();
    assert!(logs.contains(&file.display().to_string()), "the log says where the message is");
}

#[actix_web::test]
async fn an_smtp_outage_delays_mail_without_losing_it_or_sending_it_twice() {
    let port = free_port();
    // First a server that accepts connections and never answers, then none at all.
    let silent = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let app = spawn_app_with(with_smtp(smtp_url(port))).await;
    let token = app.add_platform("qaz");
    let mut visitor = app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;

    let started = std::time::Instant::now();
    for _ in 0..20 {
        assert_eq!(visitor.get("/claim/confirm?lang=en").await.status, 200);
        assert_eq!(app.api_get(&token, "/api/v1/accounts/acc-1").await.status, 200);
    }
    assert!(started.elapsed() < Duration::from_secs(2), "pages and the API do not wait for the mail server");
    drop(silent);
    let mut attempts = 0;
    for _ in 0..100 {
        let mut conn = app.pool.get().unwrap();
        attempts = outbox::table.select(outbox::attempts).first::<i32>(&mut conn).unwrap();
        if attempts >= 2 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(attempts >= 2, "the worker kept trying");
    assert_eq!(outbox_counts(&app), (0, 0, 1));
    let mut conn = app.pool.get().unwrap();
    let error: Option<String> = outbox::table.select(outbox::last_error).first(&mut conn).unwrap();
    assert!(error.is_some_and(|e| !e.contains('@')), "the failure is recorded without the address");
    drop(conn);

    let smtp = SmtpServer::start_on(port);
    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].rcpt_tos, [TEST_EMAIL]);
    receipt_of(&visitor.confirm(&received[0].code()).await);
    smtp.wait_for(2).await;
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.received().len(), 2, "each message delivered once");
    assert_eq!(outbox_counts(&app), (2, 0, 0));
}

#[actix_web::test]
async fn a_code_that_expired_before_it_could_be_sent_is_dropped_unsent() {
    let port = free_port();
    let app = spawn_app_with(with_smtp(smtp_url(port))).await;
    let token = app.add_platform("qaz");
    app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;
    let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
    diesel::update(outbox::table).set(outbox::expires_at.eq(Some(past))).execute(&mut app.pool.get().unwrap()).unwrap();
    let smtp = SmtpServer::start_on(port);
    for _ in 0..100 {
        if outbox_counts(&app).1 == 1 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(outbox_counts(&app), (0, 1, 0), "dropped, its address deleted");
    assert!(smtp.received().is_empty(), "a worthless code is not sent");
}
