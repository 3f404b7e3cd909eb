use crate::helpers::{TEST_IIN, TestApp, request_body, spawn_app_with, with_fields};
use diesel::prelude::*;
use registry::db::schema::{access_requests, audit_log};
use registry::domain::DailyLimits;
use serde_json::json;

async fn limited_app(disclosures: u32, identifier_searches: u32) -> TestApp {
    spawn_app_with(|s| s.policy.daily_limits = DailyLimits { disclosures, identifier_searches, reviews: 20 }).await
}

fn refusals(app: &TestApp) -> Vec<(String, String, String)> {
    let mut conn = app.pool.get().unwrap();
    audit_log::table
        .filter(audit_log::action.eq("daily_limit.reached"))
        .select((audit_log::actor, audit_log::subject, audit_log::details))
        .load(&mut conn)
        .unwrap()
}

#[actix_web::test]
async fn identifier_searches_past_the_daily_limit_are_refused_and_logged() {
    let app = limited_app(20, 1).await;
    app.add_platform("qaz");
    let requester = app.official("a.requester", "requester").await;
    let mut by_identifier = request_body();
    by_identifier["target"] = json!({ "identifier_type": "iin", "identifier": TEST_IIN });

    let first = app.api_post(&requester, "/api/v1/regulator/requests", &by_identifier).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = app.api_post(&requester, "/api/v1/regulator/requests", &by_identifier).await;
    assert_eq!((second.status, second.error_code()), (429, "daily_limit_reached".to_string()), "{}", second.body);
    assert!(second.json()["error"]["message"].as_str().unwrap().contains("1 identifier searches per official"));
    let retry: i64 = second.header("retry-after").unwrap().parse().unwrap();
    assert!((86_000..=86_400).contains(&retry), "the first search leaves the window in a day: {retry}");

    let by_account = app.api_post(&requester, "/api/v1/regulator/requests", &request_body()).await;
    assert_eq!(by_account.status, 201, "requests for a named account are not searches");
    let other = app.official("another.requester", "requester").await;
    assert_eq!(
        app.api_post(&other, "/api/v1/regulator/requests", &by_identifier).await.status,
        201,
        "the limit is per official"
    );

    let mut conn = app.pool.get().unwrap();
    let stored: i64 = access_requests::table.count().get_result(&mut conn).unwrap();
    assert_eq!(stored, 3, "the refused request was not stored");
    let refused = refusals(&app);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0, refused[0].1, "logged against the official");
    assert!(refused[0].2.contains("identifier searches"));
}

#[actix_web::test]
async fn disclosures_past_the_daily_limit_are_refused_logged_and_not_counted() {
    let app = limited_app(2, 10).await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let requester = app.official("a.requester", "requester").await;
    let approver = app.official("an.approver", "approver").await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let filed = app.api_post(&requester, "/api/v1/regulator/requests", &with_fields(&["surname"])).await;
        let id = filed.json()["id"].as_i64().unwrap();
        let decision = json!({ "approve": true, "reason": "In order." });
        assert_eq!(
            app.api_post(&approver, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await.status,
            200
        );
        ids.push(id);
    }

    assert_eq!(app.open(&requester, ids[0]).await.status, 200);
    assert_eq!(app.open(&requester, ids[1]).await.status, 200);
    let third = app.open(&requester, ids[0]).await;
    assert_eq!((third.status, third.error_code()), (429, "daily_limit_reached".to_string()), "{}", third.body);
    assert!(!third.body.contains("identity"), "nothing disclosed: {}", third.body);

    let seen = app.api_get(&requester, &format!("/api/v1/regulator/requests/{}", ids[0])).await.json();
    assert_eq!(seen["openings"], 1, "a refused opening is not counted");
    let refused = refusals(&app);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].1, format!("access_request:{}", ids[0]));
}

#[actix_web::test]
async fn officials_near_a_limit_show_in_the_metrics_and_are_warned_about_once() {
    let app = spawn_app_with(|s| {
        s.policy.daily_limits = DailyLimits { disclosures: 20, identifier_searches: 10, reviews: 5 };
        s.watch_interval = chrono::TimeDelta::seconds(1);
    })
    .await;
    let token = app.add_platform("qaz");
    let (reference, _) = app.register(&token, "acc-1").await;
    let registrar = app.official("a.registrar", "registrar").await;
    let registrar_id: i64 = {
        use registry::db::schema::officials;
        let mut conn = app.pool.get().unwrap();
        officials::table.filter(officials::username.eq("a.registrar")).select(officials::id).first(&mut conn).unwrap()
    };
    for _ in 0..4 {
        assert_eq!(app.check(&registrar, &reference, json!({ "iin": TEST_IIN })).await.status, 200);
    }
    app.add_official("a.requester", "requester");
    for _ in 0..4 {
        assert_eq!(app.login("a.requester", "guess", &crate::helpers::code(0)).await.status, 401);
    }
    let expected = format!(r#"registry_official_daily_actions{{official="{registrar_id}",action="reviews"}} 4"#);
    let mut metrics = String::new();
    for _ in 0..50 {
        metrics = app.metrics().await.2;
        if metrics.contains(&expected) && metrics.contains(r#"action="failed_logins"} 4"#) {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(metrics.contains(&expected), "{metrics}");
    assert!(metrics.contains(r#"action="failed_logins"} 4"#), "{metrics}");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    let logs = crate::helpers::captured_logs();
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|l| {
            // Other tests' apps run beside this one: only this one has a limit of 5 reviews.
            l.contains("official near a daily limit")
                && l.contains(&format!("\"official.id\":{registrar_id},"))
                && l.contains("\"action\":\"reviews\"")
                && l.contains("\"limit\":5")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "once while near, not at every measurement: {warnings:?}");
    assert!(
        warnings[0].contains("\"level\":\"WARN\"") && warnings[0].contains("\"action\":\"reviews\""),
        "{}",
        warnings[0]
    );
}
