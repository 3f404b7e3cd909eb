//! Running behind a TLS-terminating reverse proxy: cookies, HSTS, and the
//! client address the limits count.

use crate::helpers::{Visitor, resident_fields, spawn_app_with};
use registry::config::AddressBlock;

#[actix_web::test]
async fn behind_tls_cookies_are_host_only_and_browsers_are_told_to_stay_on_https() {
    let app = spawn_app_with(|s| s.public.url = "https://registry.example".parse().unwrap()).await;
    let token = app.add_platform("qaz");
    let code = app.account_with_code(&token, "acc-1").await;

    let (_, headers, _) = app.get("/claim").await;
    let hsts = headers.get("strict-transport-security").expect("HSTS behind TLS").to_str().unwrap();
    assert!(hsts.starts_with("max-age=63072000"), "{hsts}");
    let set_cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set_cookie.starts_with("__Host-csrf="), "{set_cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute} in {set_cookie}");
    }

    let mut visitor = Visitor::new(&app);
    let claimed = visitor.claim("acc-1", &code).await;
    assert_eq!(claimed.status, 303, "{}", claimed.body);
    assert!(visitor.cookies.contains_key("__Host-claim"), "{:?}", visitor.cookies.keys());
    assert!(!visitor.cookies.contains_key("claim"));
    visitor.submit("/claim/identify?type=resident", "/claim/identify?lang=en", &resident_fields()).await;
    let receipt = visitor.confirm(&app.last_code()).await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert!(!visitor.cookies.contains_key("__Host-claim"), "the receipt ends the claim ticket");
}

#[actix_web::test]
async fn without_tls_there_is_no_hsts_and_cookies_keep_plain_names() {
    let app = spawn_app_with(|_| {}).await;
    let (_, headers, _) = app.get("/claim").await;
    assert!(headers.get("strict-transport-security").is_none());
    assert!(headers.get("set-cookie").unwrap().to_str().unwrap().starts_with("csrf="));
}

/// Claims from one visitor, as a proxy forwards them, until refused.
async fn attempts_until_limited(visitor: &mut Visitor<'_>, forwarded_for: &str, tries: usize) -> Option<usize> {
    visitor.forwarded_for = Some(forwarded_for.to_owned());
    for attempt in 1..=tries {
        let account = format!("acc-{attempt}");
        if visitor.claim(&account, "x").await.status == 429 {
            return Some(attempt);
        }
    }
    None
}

#[actix_web::test]
async fn the_address_limit_counts_the_client_behind_a_trusted_proxy_only() {
    let app = spawn_app_with(|s| {
        s.claim_attempts_per_minute = 3.try_into().unwrap();
        s.public.trusted_proxies = vec![AddressBlock::parse("127.0.0.0/8").unwrap()];
    })
    .await;
    app.add_platform("qaz");
    let mut first = Visitor::new(&app);
    assert_eq!(attempts_until_limited(&mut first, "203.0.113.7", 5).await, Some(4), "three a minute per client");
    let mut second = Visitor::new(&app);
    assert_eq!(attempts_until_limited(&mut second, "203.0.113.8", 3).await, None, "another client behind the proxy");
    let mut spoofing = Visitor::new(&app);
    assert_eq!(
        attempts_until_limited(&mut spoofing, "198.51.100.1, 203.0.113.7", 1).await,
        Some(1),
        "the proxy's own entry is the one believed, not what the client prepended"
    );
}

#[actix_web::test]
async fn forwarded_addresses_from_an_untrusted_peer_are_ignored() {
    let app = spawn_app_with(|s| s.claim_attempts_per_minute = 3.try_into().unwrap()).await;
    app.add_platform("qaz");
    let mut visitor = Visitor::new(&app);
    assert_eq!(attempts_until_limited(&mut visitor, "203.0.113.1", 2).await, None);
    let mut rotating = Visitor::new(&app);
    assert_eq!(
        attempts_until_limited(&mut rotating, "203.0.113.2", 2).await,
        Some(2),
        "a made-up X-Forwarded-For does not buy a fresh allowance"
    );
}

#[actix_web::test]
async fn strangers_failing_claims_for_an_account_do_not_hold_its_owner_off() {
    let app = spawn_app_with(|s| s.public.trusted_proxies = vec![AddressBlock::parse("127.0.0.0/8").unwrap()]).await;
    let token = app.add_platform("qaz");
    let code = app.account_with_code(&token, "acc-1").await;
    for n in 1..=12 {
        let mut stranger = Visitor::new(&app);
        stranger.forwarded_for = Some(format!("198.51.100.{n}"));
        assert_eq!(stranger.claim("acc-1", "AAAA-AAAA-AAAA").await.status, 422);
    }
    let mut owner = Visitor::new(&app);
    owner.forwarded_for = Some("203.0.113.5".into());
    assert_eq!(owner.claim("acc-1", &code).await.status, 303, "only failures count, and only against their sender");
}
