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
async fn the_home_page_states_the_configured_threshold_and_retention() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.policy.threshold = 7000;
        s.policy.retention = chrono::TimeDelta::days(90);
        s.policy.hysteresis = chrono::TimeDelta::days(21);
    })
    .await;
    let reply = page(&app, "/?lang=en", &[]).await;
    assert!(reply.body.contains("more than 7000 followers"), "{}", reply.body);
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
async fn the_transparency_report_counts_disclosure_requests_by_month_basis_and_outcome() {
    use crate::helpers::{FiledRequest, file_request};
    let app = spawn_app().await;
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    for (basis, state, when) in [
        ("court_decision", "approved", "2026-10-03 10:00:00"),
        ("court_decision", "approved", "2026-10-20 10:00:00"),
        ("court_decision", "denied", "2026-10-21 10:00:00"),
        ("prosecutor_request", "pending", "2026-11-02 09:00:00"),
    ] {
        file_request(
            &app,
            &FiledRequest { basis, issuer: "Court", state, created_at: at(when), notify_owner_after: None },
        );
    }
    let body = page(&app, "/transparency?lang=en", &[]).await.body;
    let rows: Vec<&str> = body.split("<tr><td>2026-").skip(1).map(|r| r.split("</tr>").next().unwrap()).collect();
    assert_eq!(
        rows,
        [
            "11</td><td>Prosecutor&#39;s request</td><td>Awaiting decision</td><td class=\"number\">1</td>",
            "10</td><td>Court decision</td><td>Approved</td><td class=\"number\">2</td>",
            "10</td><td>Court decision</td><td>Denied</td><td class=\"number\">1</td>",
        ],
        "{body}"
    );
    let none = page(&spawn_app().await, "/transparency?lang=en", &[]).await.body;
    assert!(none.contains("No disclosure requests have been made."));
}
