use crate::helpers::{PASSWORD, TestApp, code, spawn_app, spawn_app_with};
use chrono::Utc;
use diesel::prelude::*;
use registry::db::schema::{audit_log, sessions};

async fn logout(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.send(app.client.post(format!("{}/api/v1/regulator/logout", app.address)).bearer_auth(token), None).await
}

fn actions(app: &TestApp) -> Vec<String> {
    let mut conn = app.pool.get().unwrap();
    audit_log::table.order(audit_log::seq).select(audit_log::action).load(&mut conn).unwrap()
}

#[actix_web::test]
async fn an_official_logs_in_with_password_and_code_and_logs_out() {
    let app = spawn_app().await;
    app.add_official("a.requester", "requester");
    let reply = app.login("a.requester", PASSWORD, &code(0)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));

    assert_eq!(logout(&app, &token).await.status, 204);
    assert_eq!(logout(&app, &token).await.status, 401, "a revoked session no longer works");
    assert_eq!(actions(&app), ["official.logged_in", "official.logged_out"]);
}

#[actix_web::test]
async fn every_bad_login_gets_the_same_answer_and_is_logged() {
    let app = spawn_app().await;
    app.add_official("a.requester", "requester");
    let attempts = [
        app.login("nobody", PASSWORD, &code(0)).await,
        app.login("a.requester", "wrong password", &code(0)).await,
        app.login("a.requester", PASSWORD, &code(5)).await,
        app.login("a.requester", PASSWORD, "12345").await,
    ];
    for reply in &attempts {
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json()["error"]["code"], "invalid_credentials");
        assert_eq!(reply.body, attempts[0].body);
    }
    // An unknown username is not an entry of its own, but part of a count per
    // address block (below), which the watch may already have written.
    let mut conn = app.pool.get().unwrap();
    let by_officials: Vec<String> = audit_log::table
        .filter(audit_log::actor.ne("system"))
        .order(audit_log::seq)
        .select(audit_log::action)
        .load(&mut conn)
        .unwrap();
    assert_eq!(by_officials, ["official.login_failed"; 3]);
}

#[actix_web::test]
async fn unknown_and_known_usernames_lock_alike_so_no_answer_tells_them_apart() {
    let app = spawn_app().await;
    app.add_official("a.requester", "requester");
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..6 {
        known.push(app.login("a.requester", "guess", &code(0)).await);
        unknown.push(app.login("no.such.official", "guess", &code(0)).await);
    }
    for (k, u) in known.iter().zip(&unknown) {
        assert_eq!((k.status, k.error_code()), (u.status, u.error_code()), "{} / {}", k.body, u.body);
        let retry = |r: &crate::helpers::Reply| r.header("retry-after").map(|s| s.parse::<i64>().unwrap());
        if let (Some(k), Some(u)) = (retry(k), retry(u)) {
            assert!((k - u).abs() <= 2, "the lock-outs run alike: {k} / {u}");
        }
    }
    assert_eq!((unknown[5].status, unknown[5].error_code()), (429, "locked".to_string()));
    let retry: i64 = unknown[5].header("retry-after").unwrap().parse().unwrap();
    assert!((800..=900).contains(&retry), "{retry}");
    // The same names typed otherwise are the same names, locked alike.
    let known = app.login(" A.Requester ", PASSWORD, &code(0)).await;
    let unknown = app.login("NO.SUCH.OFFICIAL", PASSWORD, &code(0)).await;
    assert_eq!((known.status, known.error_code()), (429, "locked".to_string()), "{}", known.body);
    assert_eq!((unknown.status, unknown.error_code()), (429, "locked".to_string()), "{}", unknown.body);
}

#[actix_web::test]
async fn racing_attempts_near_the_lock_are_answered_alike_for_known_and_unknown_names() {
    let app = spawn_app().await;
    app.add_official("a.requester", "requester");
    for name in ["a.requester", "no.such.official"] {
        for _ in 0..4 {
            assert_eq!(app.login(name, "guess", &code(0)).await.status, 401, "{name}");
        }
        let now = code(0);
        let (a, b) = futures_util::future::join(app.login(name, "guess", &now), app.login(name, "guess", &now)).await;
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [401, 429], "{name}: the fifth is checked, the sixth refused at once");
    }
}

#[actix_web::test]
async fn a_login_flood_is_counted_not_logged_per_attempt_and_leaves_others_working() {
    use registry::config::AddressBlock;
    let app = spawn_app_with(|s| {
        s.public.trusted_proxies = vec![AddressBlock::parse("127.0.0.1").unwrap()];
        s.watch_interval = chrono::TimeDelta::seconds(1);
    })
    .await;
    let platform = app.add_platform("qaz");
    app.add_official("a.requester", "requester");
    let mut statuses = Vec::new();
    for n in 0..25 {
        let reply = app.login_from(Some("203.0.113.7"), &format!("guess.{n}"), "guess", "000000").await;
        statuses.push((reply.status, reply.error_code()));
    }
    assert!(statuses[..20].iter().all(|(s, _)| *s == 401), "{statuses:?}");
    assert!(
        statuses[20..].iter().all(|(s, c)| *s == 429 && c == "rate_limited"),
        "the address is barred: {statuses:?}"
    );

    let genuine = app.login_from(Some("198.51.100.4"), "a.requester", PASSWORD, &code(0)).await;
    assert_eq!(genuine.status, 200, "another official's login works: {}", genuine.body);
    let (reference, _) = app.register(&platform, "acc-1").await;
    assert!(reference.starts_with("R-"), "an owner's identification works");

    // The twenty unknown usernames become counts for the address block, one
    // row per watch interval (a second here) at most, not a row per attempt.
    let (mut counted, mut total) = (Vec::new(), 0);
    for _ in 0..100 {
        let mut conn = app.pool.get().unwrap();
        counted = audit_log::table
            .filter(audit_log::action.eq("official.login_failed"))
            .select(audit_log::details)
            .load::<String>(&mut conn)
            .unwrap();
        total = counted
            .iter()
            .map(|d| serde_json::from_str::<serde_json::Value>(d).unwrap())
            .inspect(|d| assert_eq!(d["address_block"], "203.0.113.0/24"))
            .map(|d| d["count"].as_u64().unwrap())
            .sum::<u64>();
        if total >= 20 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(total, 20, "{counted:?}");
    assert!(counted.len() <= 5, "a count per interval, not a row per attempt: {counted:?}");
}

#[actix_web::test]
async fn a_code_is_accepted_once() {
    let app = spawn_app().await;
    app.add_official("a.requester", "requester");
    let now = code(0);
    assert_eq!(app.login("a.requester", PASSWORD, &now).await.status, 200);
    assert_eq!(app.login("a.requester", PASSWORD, &now).await.status, 401, "a replayed code is refused");
    assert_eq!(app.login("a.requester", PASSWORD, &code(-1)).await.status, 401, "so is an older one");
}

#[actix_web::test]
async fn repeated_failures_lock_the_official_out_even_with_the_right_password() {
    let app = spawn_app().await;
    app.add_official("a.requester", "requester");
    for _ in 0..5 {
        assert_eq!(app.login("a.requester", "guess", &code(0)).await.status, 401);
    }
    let locked = app.login("a.requester", PASSWORD, &code(0)).await;
    assert_eq!(locked.status, 429);
    assert_eq!(locked.json()["error"]["code"], "locked");
    let retry: i64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((800..=900).contains(&retry), "{retry}");
    let logged = actions(&app);
    assert_eq!(
        logged[3..],
        ["official.login_failed".to_string(), "official.locked_out".into(), "official.login_refused_locked".into()]
    );
}

#[actix_web::test]
async fn an_expired_session_is_refused() {
    let app = spawn_app().await;
    app.add_official("a.requester", "requester");
    let token = app.login("a.requester", PASSWORD, &code(0)).await.json()["token"].as_str().unwrap().to_owned();
    let mut conn = app.pool.get().unwrap();
    diesel::update(sessions::table)
        .set(sessions::expires_at.eq(Utc::now().naive_utc() - chrono::TimeDelta::seconds(1)))
        .execute(&mut conn)
        .unwrap();
    let reply =
        app.send(app.client.post(format!("{}/api/v1/regulator/logout", app.address)).bearer_auth(token), None).await;
    assert_eq!(reply.status, 401);
}

#[actix_web::test]
async fn one_code_opens_one_session_even_when_logins_race() {
    // Room for every attempt to hash at once: the race is the point.
    let app = spawn_app_with(|s| s.argon2_concurrency = 12).await;
    app.add_official("a.requester", "requester");
    let now = code(0);
    let attempts = futures_util::future::join_all((0..6).map(|_| app.login("a.requester", PASSWORD, &now))).await;
    let statuses: Vec<u16> = attempts.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 401), "{statuses:?}");
    let mut conn = app.pool.get().unwrap();
    assert_eq!(sessions::table.count().get_result::<i64>(&mut conn).unwrap(), 1);
}

#[actix_web::test]
async fn racing_wrong_passwords_get_five_checks_and_then_the_lock() {
    let app = spawn_app_with(|s| s.argon2_concurrency = 12).await;
    app.add_official("a.requester", "requester");
    let now = code(0);
    let attempts = futures_util::future::join_all((0..12).map(|_| app.login("a.requester", "guess", &now))).await;
    let statuses: Vec<u16> = attempts.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "five passwords checked: {statuses:?}");
    let locked = attempts.iter().filter(|r| r.status == 429 && r.error_code() == "locked").count();
    assert_eq!(locked, 7, "the rest refused unchecked: {statuses:?}");
    assert_eq!(app.login("a.requester", PASSWORD, &code(0)).await.status, 429, "locked out");
}
