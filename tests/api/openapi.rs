use crate::helpers::spawn_app;
use serde_json::Value;

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[actix_web::test]
async fn the_openapi_document_covers_every_api_endpoint_and_matches_the_api() {
    let app = spawn_app().await;
    let (status, _, body) = app.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    let spec: Value = serde_json::from_str(&body).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));

    let operations = [
        ("/api/v1/accounts/report", "post", Some("platform_token")),
        ("/api/v1/accounts/{account_ref}", "get", Some("platform_token")),
        ("/api/v1/status/batch", "post", Some("platform_token")),
        ("/api/v1/changes", "get", Some("platform_token")),
        ("/api/v1/accounts/{account_ref}/claim-code", "post", Some("platform_token")),
        ("/api/v1/statements/head", "get", Some("platform_token")),
        ("/.well-known/registry-keys.json", "get", None),
        ("/api/v1/webhooks", "get", Some("platform_token")),
        ("/api/v1/webhooks", "post", Some("platform_token")),
        ("/api/v1/webhooks/{id}", "delete", Some("platform_token")),
        ("/api/v1/webhooks/{id}/rotate", "post", Some("platform_token")),
        ("/api/v1/webhooks/deliveries", "get", Some("platform_token")),
        ("/api/v1/webhooks/deliveries/{id}/redeliver", "post", Some("platform_token")),
        ("/api/v1/regulator/login", "post", None),
        ("/api/v1/regulator/logout", "post", Some("official_token")),
        ("/api/v1/regulator/requests", "post", Some("official_token")),
        ("/api/v1/regulator/requests/{id}", "get", Some("official_token")),
        ("/api/v1/regulator/requests/{id}/decision", "post", Some("official_token")),
        ("/api/v1/regulator/requests/{id}/disclosure", "post", Some("official_token")),
        ("/api/v1/regulator/audit", "get", Some("official_token")),
        ("/api/v1/regulator/review", "get", Some("official_token")),
        ("/api/v1/regulator/review/{reference}/check", "post", Some("official_token")),
        ("/api/v1/regulator/review/{reference}/confirm", "post", Some("official_token")),
        ("/api/v1/regulator/review/{reference}/reject", "post", Some("official_token")),
        ("/api/v1/transparency", "get", None),
    ];
    let paths: std::collections::BTreeSet<&str> = operations.iter().map(|(path, ..)| *path).collect();
    assert_eq!(spec["paths"].as_object().unwrap().len(), paths.len());
    for (path, method, scheme) in operations {
        let op = &spec["paths"][path][method];
        let security = scheme.map_or(serde_json::Value::Null, |s| serde_json::json!([{ s: [] }]));
        assert_eq!(op["security"], security, "{method} {path}");
        let success = op["responses"].as_object().unwrap().keys().find(|code| code.starts_with('2'));
        assert!(success.is_some(), "{method} {path} documents its success");
        let mut shared = vec!["503"];
        if scheme.is_some() {
            shared.push("401");
        }
        if scheme == Some("platform_token") {
            shared.push("429");
        }
        for code in shared {
            assert!(op["responses"][code].is_object(), "{method} {path} documents {code}");
        }
        let has_body = op["requestBody"].is_object();
        for code in ["413", "415"] {
            assert_eq!(op["responses"][code].is_object(), has_body, "{method} {path}: {code} only with a body");
        }
        assert_eq!(
            op["responses"]["503"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorResponse"
        );
    }
    let mut all_refs = Vec::new();
    refs(&spec, &mut all_refs);
    for r in all_refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(spec["components"]["schemas"][name].is_object(), "{r} resolves");
    }
    // The event platforms receive, as OpenAPI 3.1 `webhooks`.
    let event = &spec["webhooks"]["account.status_changed"]["post"];
    assert_eq!(
        event["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/StatusChangedEvent"
    );
    let headers: Vec<&str> =
        event["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(headers, ["webhook-id", "webhook-timestamp", "webhook-signature"]);
    assert_eq!(event["requestBody"]["content"]["application/json"]["example"]["type"], "account.status_changed");
    let statuses: Vec<&str> = registry::domain::AccountStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(spec["components"]["schemas"]["AccountStatus"]["enum"], serde_json::json!(statuses));

    // What the API really answers has only documented fields.
    let token = app.add_platform("qaz");
    app.report(&token, &[("acc-1", 7000)]).await;
    let answer = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    let documented = spec["components"]["schemas"]["StatusDto"]["properties"].as_object().unwrap();
    for key in answer.as_object().unwrap().keys() {
        assert!(documented.contains_key(key), "{key} is documented");
    }
    for required in spec["components"]["schemas"]["StatusDto"]["required"].as_array().unwrap() {
        assert!(answer.get(required.as_str().unwrap()).is_some(), "{required} is present");
    }
}
