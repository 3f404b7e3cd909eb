use crate::helpers::{CliFixture, TestDb, settings_for, spawn_app};
use chrono::Utc;
use registry::config::DatabaseUrl;
use registry::crypto::KeyRing;
use registry::db::ConnectionManager;
use registry::startup::Application;
use std::time::Duration;

#[actix_web::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let (status, _, body) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"status":"ok"}"#);
}

#[actix_web::test]
async fn readyz_answers_200_when_the_database_answers() {
    let app = spawn_app().await;
    let (status, _, body) = app.get("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"status":"ready"}"#);
}

#[actix_web::test]
async fn readyz_answers_503_when_the_database_is_unreachable() {
    let db = TestDb::new();
    let settings = settings_for(&db);
    // Nothing listens on port 1.
    let unreachable = DatabaseUrl::parse("postgres://registry@127.0.0.1:1/registry").unwrap();
    let pool = r2d2::Pool::builder()
        .min_idle(Some(0))
        .connection_timeout(Duration::from_millis(500))
        .build_unchecked(ConnectionManager::new(unreachable));
    let app = Application::build(settings, KeyRing::generate(Utc::now()), pool).unwrap();
    let address = format!("http://127.0.0.1:{}/readyz", app.port());
    actix_web::rt::spawn(app.run_until_stopped());

    let mut response = awc::Client::default().get(address).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(body["error"]["message"], "the database is not available");
}

#[actix_web::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    for path in ["/healthz", "/no-such-page"] {
        let (_, headers, _) = app.get(path).await;
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        assert!(header("content-security-policy").contains("frame-ancestors 'none'"), "{path}");
        assert!(header("content-security-policy").contains("default-src 'self'"), "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-request-id").len(), 16, "{path}");
    }
    let (_, first, _) = app.get("/healthz").await;
    let (_, second, _) = app.get("/healthz").await;
    assert_ne!(first.get("x-request-id"), second.get("x-request-id"));
}

#[actix_web::test]
async fn unknown_routes_get_the_json_error_envelope() {
    let app = spawn_app().await;
    let (status, headers, body) = app.get("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    assert_eq!(body, r#"{"error":{"code":"not_found","message":"route not found"}}"#);
}

#[actix_web::test]
async fn metrics_count_requests_per_route_pattern_and_status_class() {
    let app = spawn_app().await;
    app.get("/healthz").await;
    app.get("/healthz").await;
    app.get("/accounts/secret-looking-path").await;
    let (status, headers, body) = app.metrics().await;
    assert_eq!(status, 200);
    assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("application/openmetrics-text"));
    assert!(body.contains(r#"registry_http_requests_total{method="GET",route="/healthz",status="2xx"} 2"#), "{body}");
    assert!(body.contains(r#"registry_http_requests_total{method="GET",route="unmatched",status="4xx"} 1"#), "{body}");
    assert!(
        body.contains(r#"registry_http_request_duration_seconds_count{method="GET",route="/healthz",status="2xx"} 2"#)
    );
    assert!(!body.contains("secret-looking-path"), "raw paths never become labels");
    let (public, _, _) = app.get("/metrics").await;
    assert_eq!(public.as_u16(), 404, "the service's own listener does not show them");
}

#[actix_web::test]
async fn a_node_whose_statuses_have_not_loaded_is_not_ready_and_asks_status_readers_to_retry() {
    let fx = CliFixture::new();
    let token = fx.add_platform("qaz");
    // The pool reaches the database; the status mirror's own connection never does.
    let mut settings = settings_for(&fx.db);
    settings.database_url = DatabaseUrl::parse("postgres://registry@127.0.0.1:1/registry").unwrap();
    let app = Application::build(settings, fx.keys(), fx.db.pool()).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    let client = awc::Client::default();

    let mut ready = client.get(format!("{address}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["error"]["message"], "the node is still loading statuses");
    for read in [
        client.get(format!("{address}/api/v1/accounts/acc-1")).bearer_auth(&token).send().await.unwrap(),
        client
            .post(format!("{address}/api/v1/status/batch"))
            .bearer_auth(&token)
            .send_json(&serde_json::json!({ "account_refs": ["acc-1"] }))
            .await
            .unwrap(),
    ] {
        assert_eq!(read.status(), 503, "never a 404 for an account the node has not loaded yet");
        assert_eq!(read.headers().get("retry-after").unwrap(), "1");
    }
    let report = client
        .post(format!("{address}/api/v1/accounts/report"))
        .bearer_auth(&token)
        .send_json(
            &serde_json::json!({ "accounts": [{ "account_ref": "acc-1", "handle": "@a", "follower_count": 9000 }] }),
        )
        .await
        .unwrap();
    assert_eq!(report.status(), 200, "writes do not wait for the mirror");
}
