//! `/my` sessions and the limits on signing in: failures are counted, not
//! successes; a session ends on the server at sign-out.

use crate::helpers::{Visitor, spawn_app, spawn_app_with};
use registry::config::AddressBlock;

#[actix_web::test]
async fn eight_sign_ins_in_a_row_all_succeed() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    for n in 1..=8 {
        let mut visitor = Visitor::new(&app);
        let signed = visitor.sign_in(&reference, &key).await;
        assert_eq!(signed.status, 303, "sign-in {n}: {}", signed.body);
        assert!(visitor.get("/my?lang=en").await.body.contains("@acc-1"), "sign-in {n}");
    }
}

#[actix_web::test]
async fn sign_out_ends_the_session_for_every_copy_of_the_cookie() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    let mut copy = Visitor::new(&app);
    copy.cookies = visitor.cookies.clone();
    assert!(copy.get("/my?lang=en").await.body.contains("@acc-1"), "the copy works while the session lives");

    let out = visitor.submit("/my", "/my/sign-out", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/"));
    assert!(!visitor.cookies.contains_key("my"), "the browser drops the cookie");
    let replayed = copy.get("/my?lang=en").await;
    assert!(replayed.body.contains("Sign in with the reference number"), "{}", replayed.body);
    assert!(!replayed.body.contains("@acc-1"));
    let change = copy.submit("/my", "/my/email", &[("email", "x@example.kz")]).await;
    assert_eq!(change.location.as_deref(), Some("/my"), "a replayed cookie changes nothing");
}

#[actix_web::test]
async fn a_form_token_from_before_sign_in_is_refused_after_it() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);
    let before = visitor.get("/my?lang=en").await;
    let stale = before.body.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    let request = visitor.client.post(format!("{}/my/email?lang=en", app.address));
    let refused = visitor.send(request, Some(&[("csrf", stale.as_str()), ("email", "x@example.kz")])).await;
    assert_eq!(refused.status, 403, "the token is bound to the session: {}", refused.body);
}

#[actix_web::test]
async fn failures_from_many_addresses_hold_the_owner_off_for_minutes_at_most() {
    let app = spawn_app_with(|s| s.public.trusted_proxies = vec![AddressBlock::parse("127.0.0.1").unwrap()]).await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut barred = None;
    for n in 1..=12 {
        let mut attacker = Visitor::new(&app);
        attacker.forwarded_for = Some(format!("198.51.100.{n}"));
        let page = attacker.sign_in(&reference, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA").await;
        if page.status == 429 {
            barred = Some(n);
            break;
        }
        assert_eq!(page.status, 422);
    }
    assert_eq!(barred, Some(11), "ten failures against one record, from anywhere, bar it");

    let mut owner = Visitor::new(&app);
    owner.forwarded_for = Some("203.0.113.9".into());
    let request = owner.client.post(format!("{}/my/sign-in?lang=en", app.address));
    let page = owner.get("/my?lang=en").await;
    let csrf = page.body.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let fields = [("csrf", csrf.as_str()), ("reference", reference.as_str()), ("management_key", key.as_str())];
    let mut response = request
        .insert_header(("cookie", owner.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")))
        .insert_header(("x-forwarded-for", "203.0.113.9"))
        .send_form(&fields)
        .await
        .unwrap();
    assert_eq!(response.status(), 429, "{:?}", response.body().await);
    let wait: u64 = response.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&wait), "barred for at most five minutes, not {wait} s");

    let mut other = Visitor::new(&app);
    let (other_reference, other_key) = app.register_person(&token, "acc-2", 2).await;
    other.forwarded_for = Some("198.51.100.1".into());
    assert_eq!(other.sign_in(&other_reference, &other_key).await.status, 303, "other records are not barred");
    let unknown = other.sign_in("R-NOT-A-REFERENCE", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA").await;
    assert_eq!(unknown.status, 422, "an unknown reference gets the same answer as a wrong key");
}

#[actix_web::test]
async fn one_address_failing_against_many_records_is_barred_itself() {
    let app = spawn_app_with(|s| s.public.trusted_proxies = vec![AddressBlock::parse("127.0.0.1").unwrap()]).await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut guesser = Visitor::new(&app);
    guesser.forwarded_for = Some("198.51.100.7".into());
    let mut barred = None;
    for n in 1..=22 {
        let page = guesser.sign_in(&format!("R-GUESS-{n}"), "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA").await;
        if page.status == 429 {
            barred = Some(n);
            break;
        }
    }
    assert_eq!(barred, Some(21), "twenty failures from one client bar it");
    assert_eq!(guesser.sign_in(&reference, &key).await.status, 429, "even with the right key, for a while");
    let mut owner = Visitor::new(&app);
    owner.forwarded_for = Some("203.0.113.9".into());
    assert_eq!(owner.sign_in(&reference, &key).await.status, 303, "the owner elsewhere is not affected");
}

#[actix_web::test]
async fn ended_sessions_are_deleted_after_thirty_days() {
    use diesel::prelude::*;
    use registry::db::schema::owner_sessions;
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let (reference, key) = app.register(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    visitor.submit("/my", "/my/sign-out", &[]).await;
    let mut conn = app.pool.get().unwrap();
    let count = |conn: &mut registry::db::DbConnection| owner_sessions::table.count().get_result::<i64>(conn).unwrap();
    assert_eq!(count(&mut conn), 1);
    let now = chrono::Utc::now();
    registry::services::retention::prune(&mut conn, now + chrono::TimeDelta::days(29)).unwrap();
    assert_eq!(count(&mut conn), 1, "kept for a month, for looking into an incident");
    registry::services::retention::prune(&mut conn, now + chrono::TimeDelta::days(31)).unwrap();
    assert_eq!(count(&mut conn), 0);
}

#[actix_web::test]
async fn an_unknown_reference_is_barred_like_a_known_one() {
    let app = spawn_app_with(|s| s.public.trusted_proxies = vec![AddressBlock::parse("127.0.0.1").unwrap()]).await;
    let token = app.add_platform("qaz");
    let (known, _) = app.register(&token, "acc-1").await;
    for reference in [known.as_str(), "R-0000-0000-0000-0000"] {
        let answers: Vec<u16> = wrong_sign_ins(&app, reference).await;
        assert_eq!(answers[..10], [422; 10], "{reference}");
        assert_eq!(answers[10], 429, "{reference}: whether it is on file does not show");
    }
}

/// Eleven wrong sign-ins with `reference`, each from its own address.
async fn wrong_sign_ins(app: &crate::helpers::TestApp, reference: &str) -> Vec<u16> {
    let mut statuses = Vec::new();
    for n in 1..=11 {
        let mut visitor = Visitor::new(app);
        visitor.forwarded_for = Some(format!("198.51.100.{n}"));
        statuses.push(visitor.sign_in(reference, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA").await.status);
    }
    statuses
}
