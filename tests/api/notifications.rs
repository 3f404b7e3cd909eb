//! Notices to owners that time brings: deadlines of unfinished
//! identifications, disclosures once visible, deletion dates and deletions;
//! each at most once.

use crate::helpers::{TEST_EMAIL, TestApp, request_body, resident_fields, spawn_app, spawn_app_with};
use chrono::{TimeDelta, Utc};
use registry::config::Settings;
use registry::services::notifications::{self, Queued};
use serde_json::json;

fn notify(app: &TestApp, settings_policy: &registry::domain::RegistryPolicy, at: chrono::DateTime<Utc>) -> Queued {
    let mut conn = app.pool.get().unwrap();
    notifications::run(&mut conn, &app.keys, settings_policy, at).unwrap()
}

fn kinds(app: &TestApp) -> Vec<String> {
    app.queued_mail().into_iter().map(|m| m.kind).collect()
}

#[actix_web::test]
async fn an_unfinished_identification_is_reminded_of_its_deadline_once_per_step() {
    let policy = registry::domain::RegistryPolicy {
        grace_period: TimeDelta::days(10),
        ..Settings::from_lookup(|_| None).unwrap().policy
    };
    let grace = policy.grace_period;
    let app = spawn_app_with(move |s| s.policy.grace_period = grace).await;
    let token = app.add_platform("qaz");
    app.start_identification(&token, "qaz", "acc-1", &resident_fields()).await;
    app.account_with_code(&token, "acc-2").await; // never started: no address, no reminder
    let now = Utc::now();

    assert_eq!(notify(&app, &policy, now).reminders, 0, "the deadline is ten days away");
    assert_eq!(notify(&app, &policy, now + TimeDelta::days(4)).reminders, 1);
    let reminder = app.last_mail("deadline-soon");
    assert_eq!((reminder.to.as_str(), reminder.value("handle").as_str()), (TEST_EMAIL, "@acc-1"));
    assert_eq!(reminder.day("date"), (now + grace).date_naive());
    assert_eq!(notify(&app, &policy, now + TimeDelta::days(5)).reminders, 0, "once per step");
    assert_eq!(notify(&app, &policy, now + TimeDelta::days(9) + TimeDelta::hours(12)).reminders, 1, "a day before");

    let mut conn = app.pool.get().unwrap();
    registry::services::accounts::apply_due_transitions(&mut conn, &app.keys, &policy, now + TimeDelta::days(11), 100)
        .unwrap();
    drop(conn);
    assert_eq!(notify(&app, &policy, now + TimeDelta::days(11)).reminders, 1, "overdue");
    assert_eq!(notify(&app, &policy, now + TimeDelta::days(12)).reminders, 0);
    assert_eq!(kinds(&app).iter().filter(|k| *k == "deadline-soon").count(), 2);
    assert_eq!(kinds(&app).iter().filter(|k| *k == "overdue").count(), 1);
    assert!(app.queued_mail().iter().all(|m| m.values.get("code").is_none() || m.kind == "contact-code"));
}

#[actix_web::test]
async fn the_owner_is_told_of_a_disclosure_once_any_deferral_has_passed() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let policy = Settings::from_lookup(|_| None).unwrap().policy;

    let requester = app.official("a.requester", "requester").await;
    let approver = app.official("an.approver", "approver").await;
    let mut ids = Vec::new();
    for deferral in [None, Some(Utc::now() + TimeDelta::days(30))] {
        let filed = app.api_post(&requester, "/api/v1/regulator/requests", &request_body()).await;
        let id = filed.json()["id"].as_i64().unwrap();
        let decision = json!({ "approve": true, "reason": "In order.", "notify_owner_after": deferral });
        let decided = app.api_post(&approver, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await;
        assert_eq!(decided.status, 200, "{}", decided.body);
        assert_eq!(app.open(&requester, id).await.status, 200);
        assert_eq!(app.open(&requester, id).await.status, 200, "opened twice: still one notice");
        ids.push(id);
    }

    assert_eq!(notify(&app, &policy, Utc::now()).disclosures, 1, "the deferred one waits");
    let notice = app.last_mail("disclosure-visible");
    assert_eq!(notice.to, TEST_EMAIL);
    assert_eq!(
        (notice.value("authority").as_str(), notice.value("basis").as_str()),
        ("court", "court_decision"),
        "the authority by its code, named in the owner's language when the letter is written"
    );
    assert_eq!(notify(&app, &policy, Utc::now()).disclosures, 0, "once");
    assert_eq!(notify(&app, &policy, Utc::now() + TimeDelta::days(31)).disclosures, 1, "after the deferral");
    assert_eq!(kinds(&app).iter().filter(|k| *k == "disclosure-visible").count(), 2);
}

#[actix_web::test]
async fn the_owner_is_told_when_their_data_will_go_and_when_it_went() {
    let app = spawn_app_with(|s| s.policy.hysteresis = TimeDelta::seconds(1)).await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let policy = registry::domain::RegistryPolicy {
        hysteresis: TimeDelta::seconds(1),
        ..Settings::from_lookup(|_| None).unwrap().policy
    };
    app.report(&token, &[("acc-1", 10)]).await;
    let later = Utc::now() + TimeDelta::seconds(5);
    let mut conn = app.pool.get().unwrap();
    registry::services::accounts::apply_due_transitions(&mut conn, &app.keys, &policy, later, 100).unwrap();
    drop(conn);

    assert_eq!(notify(&app, &policy, later).deletions, 1);
    let scheduled = app.last_mail("deletion-scheduled");
    let due = later + policy.retention;
    assert_eq!(scheduled.day("date"), due.date_naive());
    assert_eq!(notify(&app, &policy, later).deletions, 0, "once");

    // Retention passes: the data goes, unsent mail about the record with it, and a final notice is queued.
    let mut conn = app.pool.get().unwrap();
    let shredded =
        registry::services::retention::run(&mut conn, &app.keys, &policy, due + TimeDelta::seconds(10)).unwrap();
    assert_eq!(shredded, 1);
    drop(conn);
    let left = app.queued_mail();
    // The code sent before the record existed is about no record; it expired long ago and is never sent.
    let left: Vec<_> = left.iter().filter(|m| m.kind != "contact-code").collect();
    assert_eq!(left.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(), ["data-deleted"], "{left:?}");
    assert_eq!(left[0].to, TEST_EMAIL);
}
