use crate::helpers::{Reply, TestApp, spawn_app};

async fn page(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = app.client.get(format!("{}{path}", app.address));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    app.send(request, None).await
}

fn title(html: &str) -> &str {
    html.split("<h1>").nth(1).and_then(|rest| rest.split("</h1>").next()).unwrap_or_default()
}

#[actix_web::test]
async fn the_home_page_speaks_the_language_asked_for_and_remembers_it() {
    let app = spawn_app().await;
    let titles = [
        ("kk", "Жазылушылары көп анонимді аккаунттарды сәйкестендіру"),
        ("ru", "Идентификация анонимных аккаунтов с большим числом подписчиков"),
        ("en", "Identification of anonymous accounts with many followers"),
    ];
    for (lang, expected) in titles {
        let reply = page(&app, &format!("/?lang={lang}"), &[]).await;
        assert_eq!(reply.status, 200);
        assert_eq!(title(&reply.body), expected);
        assert!(reply.body.contains(&format!("<html lang=\"{lang}\">")));
        assert_eq!(reply.header("content-language").as_deref(), Some(lang));
        let cookie = reply.header("set-cookie").unwrap();
        assert!(cookie.starts_with(&format!("lang={lang};")) && cookie.contains("SameSite=Strict"), "{cookie}");

        let remembered = page(&app, "/", &[("cookie", &format!("lang={lang}")), ("accept-language", "de")]).await;
        assert_eq!(title(&remembered.body), expected, "the cookie wins over the browser");
        assert!(remembered.header("set-cookie").is_none());
    }
    let browser = page(&app, "/transparency", &[("accept-language", "de-DE,ru;q=0.9,en;q=0.8")]).await;
    assert_eq!(title(&browser.body), "Отчёт о прозрачности");
    let nothing = page(&app, "/", &[]).await;
    assert!(nothing.body.contains("<html lang=\"kk\">"), "Kazakh by default");
}

#[actix_web::test]
async fn the_language_switch_keeps_the_page_and_its_query() {
    let app = spawn_app().await;
    let reply = page(&app, "/my/recover?token=abc&lang=en", &[]).await;
    assert!(reply.body.contains(r#"href="/my/recover?token=abc&#38;lang=kk""#), "{}", reply.body);
    assert!(reply.body.contains(r#"href="/my/recover?token=abc&#38;lang=ru""#));
    let home = page(&app, "/?lang=en", &[]).await;
    assert!(home.body.contains(r#"href="/?lang=kk""#), "{}", home.body);
}

#[actix_web::test]
async fn the_home_page_states_the_configured_threshold_and_retention() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.policy.threshold = 7000;
        s.policy.retention = chrono::TimeDelta::days(90);
        s.policy.hysteresis = chrono::TimeDelta::days(21);
    })
    .await;
    let reply = page(&app, "/?lang=en", &[]).await;
    assert!(reply.body.contains("more than 7,000 followers"), "numbers are grouped: {}", reply.body);
    assert!(reply.body.contains("deleted for good 90 days after"));
    assert!(reply.body.contains("at or below the threshold for 21 days no longer"));
    let ru = page(&app, "/?lang=ru", &[]).await;
    assert!(ru.body.contains("которые 21 день остаются"), "Russian plural of days");
}

#[actix_web::test]
async fn the_transparency_report_counts_accounts_by_status() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("a", 7000), ("b", 8000), ("c", 10)]).await;
    let reply = page(&app, "/transparency?lang=en", &[]).await;
    let row = |label: &str| format!("<tr><td>{label}</td><td class=\"number\">");
    assert!(reply.body.contains(&format!("{}2</td>", row("Registration required"))), "{}", reply.body);
    assert!(reply.body.contains(&format!("{}1</td>", row("Not required"))));
    assert!(reply.body.contains(&format!("{}0</td>", row("Verified"))));
    assert!(reply.body.contains("<td class=\"number\">3 accounts</td>"));
    let ru = page(&app, "/transparency?lang=ru", &[]).await;
    assert!(ru.body.contains("3 аккаунта"), "Russian plural");
}

#[actix_web::test]
async fn pages_need_no_script_and_load_their_own_stylesheet() {
    let app = spawn_app().await;
    for path in ["/", "/transparency"] {
        let reply = page(&app, path, &[]).await;
        assert!(!reply.body.contains("<script"), "{path}: no JavaScript");
        assert!(!reply.body.contains("style="), "{path}: no inline styles (CSP)");
        assert!(reply.body.contains(r#"<link rel="stylesheet" href="/static/registry.css">"#));
        let csp = reply.header("content-security-policy").unwrap();
        assert!(!csp.contains("unsafe-inline"), "{csp}");
    }
    let css = page(&app, "/static/registry.css", &[]).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type").as_deref(), Some("text/css; charset=utf-8"));
    assert!(css.header("cache-control").unwrap().starts_with("public"));
}

#[actix_web::test]
async fn transparency_counts_are_reused_for_a_minute() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("a", 7000)]).await;
    let first = page(&app, "/transparency?lang=en", &[]).await;
    assert!(first.body.contains("<td class=\"number\">1 account</td>"));
    app.report(&token, &[("b", 7000)]).await;
    let second = page(&app, "/transparency?lang=en", &[]).await;
    assert!(second.body.contains("<td class=\"number\">1 account</td>"), "served from the one-minute cache");
    assert!(second.body.contains("Counts are refreshed every minute."));
}

#[actix_web::test]
async fn readers_who_miss_the_cache_together_wait_for_one_computation() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("a", 7000)]).await;
    let readers = (0..16).map(|_| async { app.get("/api/v1/transparency").await });
    let replies = futures_util::future::join_all(readers).await;
    let computed: std::collections::BTreeSet<String> = replies
        .iter()
        .map(|(status, _, body)| {
            assert_eq!(status.as_u16(), 200, "{body}");
            serde_json::from_str::<serde_json::Value>(body).unwrap()["computed_at"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(computed.len(), 1, "one report for sixteen readers: {computed:?}");
}

#[actix_web::test]
async fn the_transparency_report_counts_disclosure_requests_by_month_basis_and_outcome() {
    use crate::helpers::{FiledRequest, file_request};
    let app = spawn_app().await;
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    for (basis, state, when, hours) in [
        ("court_decision", "approved", "2026-10-03 10:00:00", 2),
        ("court_decision", "approved", "2026-10-20 10:00:00", 30),
        ("court_decision", "denied", "2026-10-21 10:00:00", 4),
        ("prosecutor_request", "pending", "2026-11-02 09:00:00", 0),
    ] {
        let decided_after = chrono::TimeDelta::hours(hours);
        let request = FiledRequest {
            basis,
            issuer: "Court",
            state,
            created_at: at(when),
            decided_after,
            notify_owner_after: None,
            authority: None,
        };
        file_request(&app, &request);
    }
    let body = page(&app, "/transparency?lang=en", &[]).await.body;
    let rows: Vec<&str> = body
        .split("<tr><td>")
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap())
        .filter(|r| r.contains(" 2026</td>"))
        .collect();
    assert_eq!(
        rows,
        [
            "November 2026</td><td>Prosecutor&#39;s request</td><td>Awaiting decision</td><td class=\"number\">1</td>",
            "October 2026</td><td>Court decision</td><td>Approved</td><td class=\"number\">2</td>",
            "October 2026</td><td>Court decision</td><td>Denied</td><td class=\"number\">1</td>",
        ],
        "{body}"
    );
    assert!(body.contains("Median time from request to decision: 4 hours."), "of 2, 4 and 30 hours");
    let none = page(&spawn_app().await, "/transparency?lang=en", &[]).await.body;
    assert!(none.contains("No disclosure requests have been made."));
    assert!(none.contains("No request has been decided yet."));
}

#[actix_web::test]
async fn the_transparency_report_is_published_as_json_with_the_checkpoint_it_was_taken_at() {
    use crate::helpers::request_body;
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.report(&token, &[("a", 7000), ("b", 100)]).await;
    let requester = app.official("a.requester", "requester").await;
    let approver = app.official("an.approver", "approver").await;
    let id =
        app.api_post(&requester, "/api/v1/regulator/requests", &request_body()).await.json()["id"].as_i64().unwrap();
    let decision = serde_json::json!({ "approve": false, "reason": "The court decision does not name this account." });
    assert_eq!(
        app.api_post(&approver, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await.status,
        200
    );

    let reply = app.get("/api/v1/transparency").await;
    assert_eq!(reply.0, 200, "public, no token: {}", reply.2);
    assert_eq!(reply.1.get("cache-control").unwrap(), "public, max-age=60");
    let report: serde_json::Value = serde_json::from_str(&reply.2).unwrap();
    assert_eq!(
        report["accounts"],
        serde_json::json!({ "required": 1, "verified": 0, "overdue": 0, "not_required": 1, "total": 2 })
    );
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(
        report["requests"],
        serde_json::json!([{ "month": month, "legal_basis": "court_decision", "outcome": "denied", "count": 1 }])
    );
    assert!(report["median_seconds_to_decision"].as_i64().unwrap() < 60);

    // The checkpoint covers the decision: it is the head of the chain, signed
    // by this deployment's key, and `audit verify` accepts it.
    let checkpoint = &report["checkpoint"];
    let mut conn = app.pool.get().unwrap();
    let head = registry::audit::verify(&mut conn).unwrap().unwrap();
    assert_eq!(checkpoint["seq"], head.entries);
    assert_eq!(checkpoint["hash"], data_encoding::HEXLOWER.encode(&head.hash));
    let key = app.keys.audit_signing_key().verifying_key();
    assert_eq!(checkpoint["public_key"], data_encoding::HEXLOWER.encode(&key.to_bytes()));
    assert_eq!(registry::audit::checkpoint::verify(&mut conn, &key).unwrap(), Ok(1));

    let html = page(&app, "/transparency?lang=en", &[]).await.body;
    assert!(html.contains(&format!("<dd>{}</dd>", head.entries)), "{html}");
    assert!(html.contains(checkpoint["signature"].as_str().unwrap()));
}

#[actix_web::test]
async fn the_home_and_claim_pages_say_who_keeps_the_registry_what_to_have_ready_and_where_to_get_help() {
    use registry::domain::{CodeLocation, PlatformName, PlatformSlug};
    use registry::services::IfExists;
    use registry::services::platforms::{NewPlatform, register};
    let app = crate::helpers::spawn_app_with(|s| {
        s.policy.grace_period = chrono::TimeDelta::days(30);
        s.public.help_contact = Some("1414 or help@registry.example.kz".into());
    })
    .await;
    let home = page(&app, "/?lang=ru", &[]).await.body;
    assert!(home.contains("Министерство культуры и информации Республики Казахстан"), "{home}");
    assert!(home.contains("около 5 минут"), "before you start");
    assert!(home.contains("У вас есть 30 дней с момента уведомления платформы"), "the deadline: {home}");
    assert!(
        home.contains("<p id=\"help\">Если что-то не работает или есть вопрос: 1414 or help@registry.example.kz</p>")
    );

    let (slug, name) = (PlatformSlug::parse("qaz").unwrap(), PlatformName::parse("Qaz Social").unwrap());
    let location = CodeLocation::parse("Settings → Account → Registry code").unwrap();
    let platform = NewPlatform { slug: &slug, name: &name, code_location: Some(&location) };
    register(&mut app.pool.get().unwrap(), &app.keys, &platform, IfExists::Fail, chrono::Utc::now()).unwrap();
    app.add_platform("other");
    let claim = page(&app, "/claim?lang=en", &[]).await.body;
    assert!(claim.contains("<li><strong>Qaz Social</strong>: Settings → Account → Registry code</li>"), "{claim}");
    assert_eq!(claim.matches("<li><strong>").count(), 1, "only platforms that said where");
    assert!(claim.contains("help@registry.example.kz"));
    let plain = page(&spawn_app().await, "/?lang=en", &[]).await.body;
    assert!(!plain.contains("id=\"help\""), "no help line unless the operator set one");
}
