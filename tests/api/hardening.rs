//! What an outside attacker tries first against any web service: compressed
//! bodies, invented methods, and the files the service leaves on disk.

use crate::helpers::{spawn_app, stderr};
use std::os::unix::fs::PermissionsExt;

#[actix_web::test]
async fn compressed_request_bodies_are_refused_before_anything_reads_them() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    for path in ["/api/v1/accounts/report", "/claim"] {
        let request = app
            .client
            .post(format!("{}{path}", app.address))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("content-type", "application/json"))
            .insert_header(("content-encoding", "gzip"));
        let reply = app.send(request, Some(&[0x1f, 0x8b, 0x08, 0x00])).await;
        assert_eq!(reply.status, 415, "{path}: {}", reply.body);
        assert_eq!(reply.error_code(), "unsupported_media_type", "{path}");
    }
}

#[actix_web::test]
async fn invented_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    for n in 0..50 {
        let method = awc::http::Method::from_bytes(format!("INVENTED{n}").as_bytes()).unwrap();
        let request = app.client.request(method, format!("{}/healthz", app.address));
        app.send(request, None).await;
    }
    let (_, _, metrics) = app.metrics().await;
    assert!(!metrics.contains("INVENTED"), "an invented method became a label");
    assert!(metrics.contains("method=\"OTHER\""), "{metrics}");
}

#[actix_web::test]
async fn a_known_path_asked_with_another_method_answers_405_with_allow() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let cases = [
        ("PATCH", "/healthz", "GET"),
        ("DELETE", "/api/v1/accounts/acc-1", "GET"),
        ("GET", "/api/v1/status/batch", "POST"),
        ("PUT", "/api/v1/regulator/requests/1", "GET"),
        ("GET", "/api/v1/regulator/login", "POST"),
        ("GET", "/api/v1/regulator/review/R-X/check", "POST"),
        ("PATCH", "/claim", "GET, POST"),
        ("DELETE", "/regulator/review", "GET"),
    ];
    for (method, path, allow) in cases {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let request = app.client.request(method.clone(), format!("{}{path}", app.address)).bearer_auth(&token);
        let reply = app.send(request, None).await;
        assert_eq!((reply.status, reply.error_code()), (405, "method_not_allowed".to_string()), "{method} {path}");
        assert_eq!(reply.header("allow").as_deref(), Some(allow), "{method} {path}");
    }
    // `GET /api/v1/accounts/report` still reads the account whose ref is "report".
    app.report(&token, &[("report", 9000)]).await;
    assert_eq!(app.api_get(&token, "/api/v1/accounts/report").await.status, 200);
    assert_eq!(app.api_get(&token, "/api/v1/no/such/path").await.status, 404, "unknown paths stay 404");
}

#[actix_web::test]
async fn the_database_files_are_readable_by_the_service_only() {
    let app = spawn_app().await;
    if app.on_postgres() {
        return;
    }
    app.add_platform("qaz");
    let dir = app.key_file().parent().unwrap().to_owned();
    for file in ["registry.db", "registry.db-wal", "registry.db-shm"] {
        let mode = std::fs::metadata(dir.join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} has mode {mode:o}");
    }
}

#[actix_web::test]
async fn a_key_file_others_can_read_stops_every_command() {
    let app = spawn_app().await;
    std::fs::set_permissions(app.key_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = app.cli(&["keys", "list"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("has mode 644"), "{}", stderr(&out));
}
