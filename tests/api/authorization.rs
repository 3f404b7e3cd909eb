//! The authorization matrix (DESIGN §7): every API route, asked by every
//! kind of caller with a body that would fail validation, gets exactly the
//! answer its rule gives: 401 for no, a made-up, an expired, a revoked or
//! the other API's token; 403 for an official without the route's role; and
//! only with the right role does the request reach validation.

use crate::helpers::{TestApp, spawn_app};
use diesel::prelude::*;
use registry::db::schema::sessions;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    Platform,
    /// Any official (the use case decides what they see).
    Official,
    Role(&'static str),
}

/// (method, path, body, rule): bodies and paths that validation refuses.
const ROUTES: [(&str, &str, &str, Rule); 20] = [
    ("POST", "/api/v1/regulator/requests", "{}", Rule::Role("requester")),
    ("GET", "/api/v1/regulator/requests/not-a-number", "", Rule::Official),
    ("POST", "/api/v1/regulator/requests/not-a-number/decision", "{\"approve\":", Rule::Role("approver")),
    ("POST", "/api/v1/regulator/requests/not-a-number/disclosure", "", Rule::Role("requester")),
    ("GET", "/api/v1/regulator/audit?limit=-5", "", Rule::Role("auditor")),
    ("GET", "/api/v1/regulator/review?after=x", "", Rule::Role("registrar")),
    ("POST", "/api/v1/regulator/review/R-X/check", "{\"claims\":[]}", Rule::Role("registrar")),
    ("POST", "/api/v1/regulator/review/R-X/confirm", "", Rule::Role("registrar")),
    ("POST", "/api/v1/regulator/review/R-X/reject", "{\"reason\":\"dislike\"}", Rule::Role("registrar")),
    ("POST", "/api/v1/regulator/logout", "", Rule::Official),
    ("POST", "/api/v1/accounts/report", "not json", Rule::Platform),
    ("GET", "/api/v1/accounts/%20", "", Rule::Platform),
    ("POST", "/api/v1/accounts/acc-1/claim-code", "", Rule::Platform),
    ("POST", "/api/v1/status/batch", "{\"unknown\":1}", Rule::Platform),
    ("GET", "/api/v1/changes?after=x", "", Rule::Platform),
    ("POST", "/api/v1/webhooks", "{\"url\":\"ftp://x\"}", Rule::Platform),
    ("DELETE", "/api/v1/webhooks/not-a-number", "", Rule::Platform),
    ("POST", "/api/v1/webhooks/not-a-number/rotate", "", Rule::Platform),
    ("GET", "/api/v1/webhooks/deliveries?limit=0", "", Rule::Platform),
    ("POST", "/api/v1/webhooks/deliveries/not-a-number/redeliver", "", Rule::Platform),
];

const ROLES: [&str; 4] = ["requester", "approver", "auditor", "registrar"];

async fn ask(app: &TestApp, (method, path, body): (&str, &str, &str), token: Option<&str>) -> (u16, String) {
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .insert_header(("content-type", "application/json"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reply = app.send(request, Some(body.as_bytes())).await;
    let answer: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    (reply.status, answer["error"]["code"].as_str().unwrap_or_default().to_owned())
}

#[actix_web::test]
async fn every_route_answers_every_caller_as_its_rule_says() {
    let app = spawn_app().await;
    let platform = app.add_platform("qaz");
    let mut officials = Vec::new();
    for role in ROLES {
        officials.push((role, app.official(&format!("an.{role}"), role).await));
    }
    let expired = app.official("expired.official", "requester,approver,registrar").await;
    let revoked = app.official("revoked.official", "requester,approver,registrar").await;
    let mut conn = app.pool.get().unwrap();
    let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
    let newest = sessions::table.select(diesel::dsl::max(sessions::id)).first::<Option<i64>>(&mut conn).unwrap();
    // The second-newest session is the expired official's.
    diesel::update(sessions::table.filter(sessions::id.eq(newest.unwrap() - 1)))
        .set(sessions::expires_at.eq(past))
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    let revoke = app.cli(&["official", "sessions", "revoke", "--username", "revoked.official"]);
    assert!(revoke.status.success(), "{}", String::from_utf8_lossy(&revoke.stderr));

    let mut wrong = Vec::new();
    for (method, path, body, rule) in ROUTES {
        let route = (method, path, body);
        let strangers = [
            ("no token", None),
            ("a made-up token", Some("rgo_madeup")),
            ("something that is not a token", Some("not-even-a-token")),
            ("an expired session", Some(&*expired)),
            ("a revoked session", Some(&*revoked)),
        ];
        for (who, token) in strangers {
            let answer = ask(&app, route, token).await;
            if answer != (401, "unauthorized".into()) {
                wrong.push(format!("{method} {path} by {who}: {answer:?}"));
            }
        }
        let platform_answer = ask(&app, route, Some(&platform)).await;
        let expected_platform = if rule == Rule::Platform { None } else { Some(401) };
        check(&mut wrong, route, "the platform", platform_answer, expected_platform);
        for (role, token) in &officials {
            let expected = match rule {
                Rule::Platform => Some(401),
                Rule::Official => None,
                Rule::Role(needed) if needed == *role => None,
                Rule::Role(_) => Some(403),
            };
            check(&mut wrong, route, role, ask(&app, route, Some(token)).await, expected);
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `None`: the caller may ask, so the answer is the route's own (never 401 or 403).
fn check(
    wrong: &mut Vec<String>,
    (method, path, _): (&str, &str, &str),
    who: &str,
    got: (u16, String),
    expected: Option<u16>,
) {
    let right = match expected {
        Some(status) => got.0 == status,
        None => got.0 != 401 && got.0 != 403 && got.0 < 500,
    };
    if !right {
        wrong.push(format!("{method} {path} by {who}: {got:?}, expected {expected:?}"));
    }
}
