//! Identification is confirmed by a code mailed to the right address, and
//! an account joins a record only with proof of control of the record.

use crate::helpers::{
    SmtpServer, TEST_EMAIL, TEST_IIN, TestApp, Visitor, between, iin, receipt_of, request_body, resident_fields,
    spawn_app, spawn_app_with, with_smtp,
};
use diesel::prelude::*;
use registry::db::schema::{account_identities, audit_log, identities, pending_identifications};
use serde_json::Value;

const ATTACKER_EMAIL: &str = "someone.else@example.org";

/// The resident's form with another name and address: what an attacker who
/// knows the IIN would type.
fn impostor_fields() -> Vec<(&'static str, &'static str)> {
    resident_fields()
        .into_iter()
        .map(|(k, v)| match k {
            "surname" => (k, "Impostor"),
            "given_name" => (k, "Ivan"),
            "email" => (k, ATTACKER_EMAIL),
            _ => (k, v),
        })
        .collect()
}

/// A page as a visitor would compare it: without its form token and the account named on it.
fn comparable(body: &str, handle: &str) -> String {
    let token = between(body, "name=\"csrf\" value=\"", "\"");
    body.replace(token, "TOKEN").replace(handle, "@ACCOUNT")
}

async fn status_of(app: &TestApp, token: &str, account: &str) -> Value {
    app.api_get(token, &format!("/api/v1/accounts/{account}")).await.json()
}

#[actix_web::test]
async fn a_stranger_with_a_claim_and_someone_elses_iin_learns_nothing_and_links_nothing() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(with_smtp(smtp.url())).await;
    let token = app.add_platform("qaz");

    // P registers A1, and a registrar confirms P.
    let mut owner = app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;
    let (reference, _) = receipt_of(&owner.confirm(&smtp.last_to(TEST_EMAIL).await.code()).await);
    let registrar = app.official("a.registrar", "registrar").await;
    assert_eq!(app.confirm_declaration(&registrar, &reference).await.status, 200);
    let mails_before = smtp.wait_for(2).await.len(); // the code and the new-link notice

    // The stranger holds a claim code for A2 and types P's IIN with another name.
    let mut stranger = app.start_identification(&token, "qaz", "acc-2", &impostor_fields()).await;
    let stranger_page = stranger.get("/claim/confirm?lang=en").await;
    // Someone new to the registry, for comparison.
    let newcomer_iin = iin(7);
    let newcomer_fields: Vec<_> = impostor_fields()
        .into_iter()
        .map(|(k, v)| if k == "iin" { (k, newcomer_iin.as_str()) } else { (k, v) })
        .collect();
    let mut newcomer = app.start_identification(&token, "qaz", "acc-9", &newcomer_fields).await;
    let newcomer_page = newcomer.get("/claim/confirm?lang=en").await;
    assert_eq!(
        comparable(&stranger_page.body, "@acc-2"),
        comparable(&newcomer_page.body, "@acc-9"),
        "the page is the same whether the IIN is on file or not"
    );
    assert!(!stranger_page.body.contains(&reference), "P's reference is never shown");

    // P's address is told of the attempt, with the code; the stranger's address gets no code.
    let received = smtp.wait_for(mails_before + 3).await;
    let to_owner: Vec<_> = received[mails_before..].iter().filter(|m| m.rcpt_tos == [TEST_EMAIL]).collect();
    assert_eq!(to_owner.len(), 1);
    assert!(to_owner[0].text.contains("@acc-2"), "P learns which account was tried: {}", to_owner[0].text);
    assert!(to_owner[0].text.contains("do not give this code to anyone"));
    let owners_code = to_owner[0].code();
    let to_stranger: Vec<_> = received[mails_before..].iter().filter(|m| m.rcpt_tos == [ATTACKER_EMAIL]).collect();
    assert!(!to_stranger.is_empty() && to_stranger.iter().all(|m| !m.text.contains(&owners_code)));
    for message in &to_stranger {
        assert!(!message.raw.contains(&reference) && !message.raw.contains(TEST_IIN));
    }

    // Guessing gets nowhere and links nothing.
    for guess in ["00000000", "12345678", "99999999"] {
        let refused = stranger.confirm(guess).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(!refused.body.contains(&reference));
    }
    assert_eq!(status_of(&app, &token, "acc-2").await["status"], "required");
    let mut conn = app.pool.get().unwrap();
    let links: i64 = account_identities::table.count().get_result(&mut conn).unwrap();
    assert_eq!(links, 1, "A2 is not linked");
    drop(conn);

    // A disclosure on A2 names nobody.
    let mut body = request_body();
    body["target"]["account_ref"] = "acc-2".into();
    let (requester, id) = app.approved(body).await;
    let opened = app.open(&requester, id).await;
    assert_eq!(opened.status, 404, "{}", opened.body);
    assert!(!opened.body.contains(TEST_IIN));

    // P adds another account of their own: the code goes to P's address, and
    // the proof of control carries the registrar's confirmation over.
    let mut own = app.start_identification(&token, "qaz", "acc-3", &resident_fields()).await;
    let code_mail = smtp.wait_for(mails_before + 4).await.pop().unwrap();
    assert_eq!(code_mail.rcpt_tos, [TEST_EMAIL]);
    assert!(code_mail.text.contains("@acc-3"));
    let receipt = own.confirm(&code_mail.code()).await;
    assert!(receipt.body.contains("id=\"receipt-linked\""), "{}", receipt.body);
    assert_eq!(receipt_of(&receipt), (String::new(), String::new()), "no reference or key shown again");
    let status = status_of(&app, &token, "acc-3").await;
    assert_eq!(
        (status["status"].as_str(), status["assurance"].as_str()),
        (Some("verified"), Some("registrar_checked"))
    );
    assert_eq!(status_of(&app, &token, "acc-2").await["status"], "required");
    let logged: Vec<String> = audit_log::table
        .filter(audit_log::action.eq("owner.account_linked"))
        .select(audit_log::details)
        .load(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(logged.len(), 2, "every link is audited");
    assert!(logged.iter().all(|d| d.contains("email_code") && !d.contains(TEST_IIN)), "{logged:?}");
}

#[actix_web::test]
async fn wrong_codes_are_counted_and_a_new_code_replaces_the_old() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;
    let first = app.last_code();
    let wrong = visitor.confirm("1111 1111").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("You can try 9 more times"), "{}", wrong.body);
    assert!(wrong.body.contains("aria-invalid=\"true\""));

    let resent = visitor.submit("/claim/confirm?lang=en", "/claim/confirm/resend", &[]).await;
    assert_eq!(resent.location.as_deref(), Some("/claim/confirm?sent=1"));
    assert!(visitor.get("/claim/confirm?sent=1&lang=en").await.body.contains("We sent a new code"));
    let second = app.last_code();
    assert_ne!(first, second);
    assert_eq!(visitor.confirm(&first).await.status, 422, "the earlier code stopped working");
    let spaced = format!("{} {}", &second[..4], &second[4..]);
    let (reference, key) = receipt_of(&visitor.confirm(&spaced).await);
    assert!(reference.starts_with("R-") && !key.is_empty());
    let mut conn = app.pool.get().unwrap();
    let confirmed: Option<chrono::NaiveDateTime> =
        identities::table.select(identities::email_confirmed_at).first(&mut conn).unwrap();
    assert!(confirmed.is_some(), "the record's address is confirmed");
    let waiting: i64 = pending_identifications::table.count().get_result(&mut conn).unwrap();
    assert_eq!(waiting, 0, "nothing waits once confirmed");
}

#[actix_web::test]
async fn guesses_and_codes_are_bounded_per_claim_code_even_across_restarts() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;
    for n in 1..=10 {
        assert_eq!(visitor.confirm("00000000").await.status, 422, "guess {n}");
    }
    let barred = visitor.confirm(&app.last_code()).await;
    assert_eq!(barred.status, 429, "ten wrong codes bar even the right one: {}", barred.body);
    let again = visitor.submit("/claim/identify?type=resident", "/claim/identify?lang=en", &resident_fields()).await;
    assert_eq!(again.status, 303);
    assert_eq!(visitor.confirm(&app.last_code()).await.status, 429, "starting again does not reset the count");

    let mut other = app.start_identification(&token, "qaz", "acc-2", &resident_fields()).await;
    for _ in 2..=5 {
        let resent = other.submit("/claim/confirm?lang=en", "/claim/confirm/resend", &[]).await;
        assert_eq!(resent.status, 303);
    }
    let sixth = other.submit("/claim/confirm?lang=en", "/claim/confirm/resend?lang=en", &[]).await;
    assert_eq!(sixth.status, 429, "five codes per claim code");
    assert!(sixth.body.contains("Ask the platform for a new claim code"));
}

#[actix_web::test]
async fn an_expired_code_is_refused_and_a_new_one_works() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;
    let code = app.last_code();
    let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
    diesel::update(pending_identifications::table)
        .set(pending_identifications::code_expires_at.eq(past))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
    let expired = visitor.confirm(&code).await;
    assert_eq!(expired.status, 422);
    assert!(expired.body.contains("This code has expired"), "{}", expired.body);
    visitor.submit("/claim/confirm?lang=en", "/claim/confirm/resend", &[]).await;
    receipt_of(&visitor.confirm(&app.last_code()).await);
}

#[actix_web::test]
async fn when_two_people_race_for_a_new_identifier_the_second_must_prove_control_of_the_first_record() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut first = app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;
    let first_code = app.last_code();
    let mut second = app.start_identification(&token, "qaz", "acc-2", &impostor_fields()).await;
    let second_code = app.last_code();
    assert_eq!(app.last_mail("contact-code").to, ATTACKER_EMAIL, "neither identifier was on file yet");

    receipt_of(&first.confirm(&first_code).await);
    let late = second.confirm(&second_code).await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body.contains("Start again"), "{}", late.body);
    let restarted = second.submit("/claim/identify?type=resident", "/claim/identify?lang=en", &impostor_fields()).await;
    assert_eq!(restarted.status, 303);
    assert_eq!(app.last_mail("link-request").to, TEST_EMAIL, "now the code goes to the first record's address");
    let mut conn = app.pool.get().unwrap();
    assert_eq!(identities::table.count().get_result::<i64>(&mut conn).unwrap(), 1);
}

#[actix_web::test]
async fn the_owner_reports_a_new_link_that_was_not_theirs() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut signed_in = Visitor::new(&app);
    assert_eq!(signed_in.sign_in(&reference, &key).await.status, 303);
    app.register(&token, "acc-2").await;
    let notice = app.last_mail("account-linked");
    assert_eq!((notice.to.as_str(), notice.value("handle").as_str()), (TEST_EMAIL, "@acc-2"));
    let link = notice.value("link");
    assert!(link.starts_with("/my/report?token="));

    let mut owner = Visitor::new(&app);
    let asked = owner.get(&format!("{link}&lang=en")).await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("@acc-2") && asked.body.contains("This account is not mine"));
    let token_value = link.trim_start_matches("/my/report?token=");
    let done = owner.submit(&format!("{link}&lang=en"), "/my/report?lang=en", &[("token", token_value)]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("The account was removed from your record."));

    let status = status_of(&app, &token, "acc-2").await;
    assert_eq!(status["status"], "required", "the account needs identifying again");
    assert_eq!(status_of(&app, &token, "acc-1").await["status"], "verified");
    assert!(signed_in.get("/my?lang=en").await.body.contains("Sign in with the reference number"), "sessions ended");
    let logged: Vec<String> = audit_log::table.select(audit_log::action).load(&mut app.pool.get().unwrap()).unwrap();
    assert!(logged.contains(&"owner.link_disputed".to_string()), "{logged:?}");
    let reused = owner.get(&format!("{link}&lang=en")).await;
    assert_eq!(reused.status, 404, "the link works once");
    assert!(reused.body.contains("expired or was already used"));
}
