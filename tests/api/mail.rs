//! The mail outbox: messages reach a real SMTP server in the owner's
//! language, survive an outage, go once, and carry no personal data.

use crate::helpers::{
    SmtpServer, TEST_EMAIL, TEST_IIN, TEST_SURNAME, TestApp, Visitor, free_port, smtp_url, spawn_app, spawn_app_with,
};
use diesel::prelude::*;
use registry::db::schema::outbox;
use secrecy::SecretString;
use std::time::Duration;

/// Signs in as the test resident's record and changes its contact address,
/// which mails the previous address.
async fn change_contact(app: &TestApp, lang: &str, new_address: &str) {
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut visitor = Visitor::new(app);
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    let changed = visitor.submit(&format!("/my?lang={lang}"), "/my/email", &[("email", new_address)]).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
}

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

fn with_smtp(url: String) -> impl FnOnce(&mut registry::config::Settings) {
    move |s| s.mail.smtp_url = Some(SecretString::from(url))
}

#[actix_web::test]
async fn mail_reaches_the_smtp_server_in_the_owners_language_without_personal_data() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(|s| {
        with_smtp(smtp.url())(s);
        s.public.url = "https://registry.example.kz".parse().unwrap();
    })
    .await;
    change_contact(&app, "ru", "new.address@example.kz").await;

    let message = smtp.last_to(TEST_EMAIL).await;
    assert_eq!(message.subject, "Ваш контактный e-mail изменён");
    assert!(
        message.text.contains("изменён") && message.text.contains(&chrono::Utc::now().format("%Y-%m-%d").to_string())
    );
    assert_eq!(message.link(), "https://registry.example.kz/my", "links are absolute, to the public address");
    assert!(message.html.contains("<a href=\"https://registry.example.kz/my\">"), "{}", message.html);
    for private in [TEST_IIN, TEST_SURNAME, "new.address@example.kz"] {
        assert!(!message.raw.contains(private), "the message holds no personal data beyond its recipient");
    }
    assert_eq!(smtp.received().len(), 1);
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(outbox_counts(&app), (1, 0, 0), "a sent message keeps only its delivery record");
}

#[actix_web::test]
async fn without_an_smtp_server_mail_is_written_as_files_to_read() {
    let app = spawn_app().await;
    change_contact(&app, "en", "new.address@example.kz").await;
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
    let eml = std::fs::read_to_string(&file).unwrap();
    assert!(eml.contains("Subject: Your contact e-mail was changed"), "{eml}");
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
    change_contact(&app, "en", "first.change@example.kz").await;

    let started = std::time::Instant::now();
    for _ in 0..20 {
        let (status, _, _) = app.get("/my?lang=en").await;
        assert_eq!(status, 200);
    }
    assert!(started.elapsed() < Duration::from_secs(2), "pages do not wait for the mail server");
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
    let (sent, dropped, waiting) = outbox_counts(&app);
    assert_eq!((sent, dropped, waiting), (0, 0, 1));
    let mut conn = app.pool.get().unwrap();
    let error: Option<String> = outbox::table.select(outbox::last_error).first(&mut conn).unwrap();
    assert!(error.is_some_and(|e| !e.contains('@')), "the failure is recorded without the address");
    drop(conn);

    let smtp = SmtpServer::start_on(port);
    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].rcpt_tos, [TEST_EMAIL]);
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.received().len(), 1, "delivered once");
    assert_eq!(outbox_counts(&app), (1, 0, 0));
}
