//! A lost management key, replaced through the record's confirmed e-mail.

use crate::helpers::{TEST_EMAIL, Visitor, between, spawn_app, store_resident};
use diesel::prelude::*;
use registry::db::schema::audit_log;

#[actix_web::test]
async fn a_lost_key_is_replaced_through_the_confirmed_email_and_old_sessions_end() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, old_key) = app.register(&token, "acc-1").await;
    let mut old_session = Visitor::new(&app);
    assert_eq!(old_session.sign_in(&reference, &old_key).await.status, 303);

    let mut owner = Visitor::new(&app);
    let signing_in = owner.get("/my?lang=en").await;
    assert!(signing_in.body.contains("href=\"/my/lost-key\""), "the sign-in page offers it");
    let asked = owner.submit("/my/lost-key?lang=en", "/my/lost-key?lang=en", &[("reference", &reference)]).await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("we sent a link to it"));
    let unknown =
        owner.submit("/my/lost-key?lang=en", "/my/lost-key?lang=en", &[("reference", "R-0000-0000-0000-0000")]).await;
    assert_eq!(
        (unknown.status, between(&unknown.body, "<main", "</main>")),
        (asked.status, between(&asked.body, "<main", "</main>")),
        "the same answer for any reference"
    );

    let mailed = app.last_mail("key-reset-link");
    assert_eq!(mailed.to, TEST_EMAIL);
    assert_eq!(
        app.queued_mail().iter().filter(|m| m.kind == "key-reset-link").count(),
        1,
        "nothing for an unknown reference"
    );
    let link = mailed.value("link");
    let page = owner.get(&format!("{link}&lang=en")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Set a new key"));
    let token_value = link.trim_start_matches("/my/recover?token=");
    let done = owner.submit(&format!("{link}&lang=en"), "/my/recover?lang=en", &[("token", token_value)]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let new_key = between(&done.body, "<dd id=\"management-key\">", "</dd>").to_owned();
    assert_eq!(between(&done.body, "<dd id=\"reference\">", "</dd>"), reference);
    assert!(new_key.len() == 29 && new_key != old_key);

    assert!(old_session.get("/my?lang=en").await.body.contains("Sign in with the reference number"), "sessions ended");
    assert_eq!(Visitor::new(&app).sign_in(&reference, &old_key).await.status, 422, "the old key stopped working");
    assert_eq!(Visitor::new(&app).sign_in(&reference, &new_key).await.status, 303);
    assert_eq!(app.last_mail("key-replaced").to, TEST_EMAIL, "the address is told");
    let logged: Vec<String> = audit_log::table.select(audit_log::action).load(&mut app.pool.get().unwrap()).unwrap();
    assert!(logged.contains(&"owner.key_replaced".to_string()));
    let reused = owner.get(&format!("{link}&lang=en")).await;
    assert_eq!(reused.status, 404, "the link works once");
}

#[actix_web::test]
async fn an_unconfirmed_address_gets_no_link() {
    let app = spawn_app().await;
    store_resident(&app.pool, &app.keys, "R-UNCO-NFIR-MEDX-0001");
    let mut visitor = Visitor::new(&app);
    let asked =
        visitor.submit("/my/lost-key?lang=en", "/my/lost-key?lang=en", &[("reference", "R-UNCO-NFIR-MEDX-0001")]).await;
    assert_eq!(asked.status, 200);
    assert!(app.queued_mail().is_empty(), "a record whose address was never proved gets no link");
}
