//! Officials: created with known credentials, logged in with a code an
//! authenticator app would show, filing, approving and opening requests.

use super::app::{Reply, TestApp};
use chrono::Utc;
use registry::domain::OfficialId;
use secrecy::SecretString;
use serde_json::{Value, json};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// Every test official's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// The code an authenticator app shows `steps` 30-second steps from now.
pub fn code(steps: i64) -> String {
    let secret = data_encoding::BASE32_NOPAD.decode(SECRET.as_bytes()).unwrap();
    let totp = totp_rs::Builder::new().with_step_duration(30).with_secret(secret).build().unwrap();
    totp.generate(u64::try_from(Utc::now().timestamp() + steps * 30).unwrap()).to_string()
}

/// A valid request for qaz/acc-1's surname and given name.
pub fn request_body() -> Value {
    json!({
        "target": { "platform": "qaz", "account_ref": "acc-1" },
        "legal_basis": "court_decision",
        "authority": "court",
        "basis_document": { "number": "2-1234/2026", "date": "2026-11-20", "issuer": "Almaty District Court" },
        "justification": "The account is the subject of a defamation case before the court, number 2-1234/2026.",
        "fields": ["surname", "given_name"]
    })
}

/// [`request_body`] asking for these fields.
pub fn with_fields(fields: &[&str]) -> Value {
    let mut body = request_body();
    body["fields"] = json!(fields);
    body
}

impl TestApp {
    /// Creates an official with these roles, [`PASSWORD`] and a known TOTP secret.
    pub fn add_official(&self, username: &str, roles: &str) -> OfficialId {
        let roles = registry::domain::RoleSet::parse(roles).unwrap();
        let hash = registry::crypto::password::hash_password(&SecretString::from(PASSWORD)).unwrap();
        let secret = SecretString::from(SECRET);
        let new = registry::db::repo::officials::NewOfficial {
            username,
            password_hash: &hash,
            totp_secret: &secret,
            roles: &roles,
        };
        let mut conn = self.pool.get().unwrap();
        registry::db::repo::officials::create(&mut conn, &self.keys, &new, Utc::now()).unwrap()
    }

    pub async fn login(&self, username: &str, password: &str, totp: &str) -> Reply {
        self.login_from(None, username, password, totp).await
    }

    /// A login from `client` (an `X-Forwarded-For` the app trusts only
    /// when the test made 127.0.0.1 a trusted proxy).
    pub async fn login_from(&self, client: Option<&str>, username: &str, password: &str, totp: &str) -> Reply {
        let body = json!({ "username": username, "password": password, "totp": totp });
        let mut request = self
            .client
            .post(format!("{}/api/v1/regulator/login", self.address))
            .insert_header(("content-type", "application/json"));
        if let Some(client) = client {
            request = request.insert_header(("x-forwarded-for", client));
        }
        self.send(request, Some(body.to_string().as_bytes())).await
    }

    /// An official with these roles, logged in; returns their bearer token.
    pub async fn official(&self, username: &str, roles: &str) -> String {
        self.add_official(username, roles);
        let reply = self.login(username, PASSWORD, &code(0)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["token"].as_str().unwrap().to_owned()
    }

    /// A request filed by a new requester and approved by a new approver;
    /// returns (the requester's token, the request's id).
    pub async fn approved(&self, body: Value) -> (String, i64) {
        let requester = self.official("a.requester", "requester").await;
        let approver = self.official("an.approver", "approver").await;
        let filed = self.api_post(&requester, "/api/v1/regulator/requests", &body).await;
        assert_eq!(filed.status, 201, "{}", filed.body);
        let id = filed.json()["id"].as_i64().unwrap();
        let decision = json!({ "approve": true, "reason": "In order." });
        let decided = self.api_post(&approver, &format!("/api/v1/regulator/requests/{id}/decision"), &decision).await;
        assert_eq!(decided.status, 200, "{}", decided.body);
        (requester, id)
    }

    /// A registrar's check of the test resident's declaration against evidence.
    pub async fn check(&self, token: &str, reference: &str, claims: Value) -> Reply {
        let body = json!({ "purpose": "Passport presented at the service centre.", "claims": claims });
        self.api_post(token, &format!("/api/v1/regulator/review/{reference}/check"), &body).await
    }

    /// A registrar checks every item the test resident declared (all match)
    /// and confirms the declaration.
    pub async fn confirm_declaration(&self, token: &str, reference: &str) -> Reply {
        use super::data::{TEST_GIVEN_NAME, TEST_IIN, TEST_PATRONYMIC, TEST_SURNAME};
        let claims = json!({
            "iin": TEST_IIN, "surname": TEST_SURNAME, "given_name": TEST_GIVEN_NAME, "patronymic": TEST_PATRONYMIC
        });
        let checked = self.check(token, reference, claims).await;
        assert_eq!(checked.status, 200, "{}", checked.body);
        self.api_post(token, &format!("/api/v1/regulator/review/{reference}/confirm"), &Value::Null).await
    }

    /// Opens the disclosure of request `id`.
    pub async fn open(&self, token: &str, id: i64) -> Reply {
        self.api_post(token, &format!("/api/v1/regulator/requests/{id}/disclosure"), &Value::Null).await
    }
}
