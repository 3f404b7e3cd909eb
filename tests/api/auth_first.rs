//! A made-up or missing token gets 401 before anything else of the request
//! is looked at: no body, path or query error tells a stranger what an
//! endpoint expects.

use crate::helpers::spawn_app;

/// (method, path, body): each broken in its body, path or query.
const BROKEN: [(&str, &str, &str); 10] = [
    ("POST", "/api/v1/regulator/requests", "{}"),
    ("GET", "/api/v1/regulator/requests/not-a-number", ""),
    ("POST", "/api/v1/regulator/requests/not-a-number/decision", "{\"approve\":"),
    ("POST", "/api/v1/regulator/requests/not-a-number/disclosure", ""),
    ("GET", "/api/v1/regulator/audit?limit=-5", ""),
    ("GET", "/api/v1/regulator/review?after=x", ""),
    ("POST", "/api/v1/accounts/report", "not json"),
    ("POST", "/api/v1/status/batch", "{\"unknown\":1}"),
    ("GET", "/api/v1/changes?after=x", ""),
    ("POST", "/api/v1/accounts/report", "{\"accounts\":[{\"account_ref\":\"\"}]}"),
];

#[actix_web::test]
async fn made_up_and_missing_tokens_get_401_whatever_the_request_holds() {
    let app = spawn_app().await;
    for token in [Some("rgp_madeup"), Some("not-even-a-token"), None] {
        for (method, path, body) in BROKEN {
            let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = app
                .client
                .request(method, format!("{}{path}", app.address))
                .insert_header(("content-type", "application/json"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let reply = app.send(request, Some(body.as_bytes())).await;
            assert_eq!(reply.status, 401, "{path} with {token:?}: {}", reply.body);
            assert_eq!(reply.error_code(), "unauthorized", "{path}");
        }
    }
}

#[actix_web::test]
async fn with_a_valid_token_the_same_requests_get_their_precise_400() {
    let app = spawn_app().await;
    let platform = app.add_platform("qaz");
    let official = app.official("an.auditor", "auditor").await;
    let mut answered = Vec::new();
    for (method, path, body) in BROKEN {
        let token = if path.starts_with("/api/v1/regulator") { &official } else { &platform };
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let request = app
            .client
            .request(method, format!("{}{path}", app.address))
            .insert_header(("content-type", "application/json"))
            .bearer_auth(token);
        answered.push((path, app.send(request, Some(body.as_bytes())).await.status));
    }
    assert!(answered.iter().all(|(_, status)| (400..500).contains(status) && *status != 401), "{answered:?}");
}
