//! Owners in a browser: claiming an account with its code, identifying,
//! signing in to `/my`.

use super::app::TestApp;
use super::data::{TEST_EMAIL, TEST_GIVEN_NAME, TEST_IIN, TEST_PATRONYMIC, TEST_SURNAME};
use std::collections::HashMap;

/// A visitor's browser: keeps cookies, submits forms, does not follow redirects.
pub struct Visitor<'a> {
    /// Where the app listens: `http://127.0.0.1:PORT`.
    base: std::borrow::Cow<'a, str>,
    pub client: awc::Client,
    pub cookies: HashMap<String, String>,
    /// Sent as `X-Forwarded-For`, as a reverse proxy in front of the app would.
    pub forwarded_for: Option<String>,
}

/// A page as the browser got it.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self::at(std::borrow::Cow::Borrowed(&app.address))
    }

    /// A visitor of an app at `base` (a `serve` process, say).
    pub fn at(base: std::borrow::Cow<'a, str>) -> Self {
        Self {
            base,
            client: awc::Client::builder().disable_redirects().finish(),
            cookies: HashMap::new(),
            forwarded_for: None,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub async fn send(&mut self, request: awc::ClientRequest, form: Option<&[(&str, &str)]>) -> Page {
        self.try_send(request, form).await.expect("the app answers")
    }

    /// [`Visitor::send`], or `None` if no whole answer came (the server went away).
    pub async fn try_send(&mut self, request: awc::ClientRequest, form: Option<&[(&str, &str)]>) -> Option<Page> {
        let mut request = request.insert_header(("cookie", self.cookie_header()));
        if let Some(client) = &self.forwarded_for {
            request = request.insert_header(("x-forwarded-for", client.as_str()));
        }
        let mut response = match form {
            Some(fields) => request.send_form(&fields).await,
            None => request.send().await,
        }
        .ok()?;
        for value in response.headers().get_all("set-cookie") {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        let body = String::from_utf8(response.body().await.ok()?.to_vec()).unwrap();
        Some(Page { status: response.status().as_u16(), location, body })
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request, None).await
    }

    /// Submits a form after loading the page that holds it (for its CSRF token).
    pub async fn submit(&mut self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        self.try_submit(page_path, action, fields).await.expect("the app answers")
    }

    /// [`Visitor::submit`], or `None` if the server went away on the way.
    pub async fn try_submit(&mut self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Option<Page> {
        let page = self.try_send(self.client.get(format!("{}{page_path}", self.base)), None).await?;
        let csrf = csrf_of(&page.body);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let request = self.client.post(format!("{}{action}", self.base));
        self.try_send(request, Some(&all)).await
    }

    /// Claims `account` on platform qaz with `code`.
    pub async fn claim(&mut self, account: &str, code: &str) -> Page {
        self.claim_on("qaz", account, code).await
    }

    pub async fn claim_on(&mut self, platform: &str, account: &str, code: &str) -> Page {
        let fields = [("platform", platform), ("account", account), ("claim_code", code)];
        self.submit("/claim?lang=en", "/claim?lang=en", &fields).await
    }

    /// Enters the code mailed for the identification this visitor started,
    /// and follows a success on to the confirmation page, as a browser would.
    pub async fn confirm(&mut self, code: &str) -> Page {
        let answer = self.submit("/claim/confirm?lang=en", "/claim/confirm?lang=en", &[("code", code)]).await;
        match answer.location.as_deref() {
            Some("/claim/done") if answer.status == 303 => self.get("/claim/done?lang=en").await,
            _ => answer,
        }
    }

    /// Signs in to `/my` with a receipt's reference and management key.
    pub async fn sign_in(&mut self, reference: &str, key: &str) -> Page {
        self.submit("/my?lang=en", "/my/sign-in?lang=en", &[("reference", reference), ("management_key", key)]).await
    }
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("a CSRF field").to_owned()
}

/// The (reference, management key) a receipt shows; both empty when the
/// account joined a record already on file.
pub fn receipt_of(receipt: &Page) -> (String, String) {
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let reference = between(&receipt.body, "<dd id=\"reference\">", "</dd>").to_owned();
    let key = between(&receipt.body, "<dd id=\"management-key\">", "</dd>").to_owned();
    (reference, key)
}

/// The text between two markers of a page.
pub fn between<'h>(html: &'h str, start: &str, end: &str) -> &'h str {
    html.split(start).nth(1).and_then(|s| s.split(end).next()).unwrap_or_default()
}

/// The identification form filled in as the test resident.
pub fn resident_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("owner_type", "resident"),
        ("iin", TEST_IIN),
        ("surname", TEST_SURNAME),
        ("given_name", TEST_GIVEN_NAME),
        ("patronymic", TEST_PATRONYMIC),
        ("email", TEST_EMAIL),
        ("consent", "yes"),
    ]
}

/// A valid IIN for test person `n`, unlike the default test resident's.
pub fn iin(n: u32) -> String {
    (n..)
        .flat_map(|m| (0..10).map(move |d| format!("8501{:03}{}{d}", m % 1000, 3001 + m / 1000)))
        .find(|candidate| registry::domain::Iin::parse(candidate).is_ok())
        .unwrap()
}

impl TestApp {
    /// Reports an account over the threshold and returns its claim code.
    pub async fn account_with_code(&self, token: &str, account_ref: &str) -> String {
        let reply = self.report(token, &[(account_ref, 9000)]).await.json();
        reply["results"][0]["claim_code"].as_str().expect("a claim code").to_owned()
    }

    /// Registers `account` on platform qaz as the test resident; returns (reference, management key).
    pub async fn register(&self, token: &str, account: &str) -> (String, String) {
        self.register_on(token, "qaz", account).await
    }

    pub async fn register_on(&self, token: &str, platform: &str, account: &str) -> (String, String) {
        self.register_with(token, platform, account, &resident_fields()).await
    }

    /// Claims `account` and submits the identification form: the visitor
    /// then waits for the mailed code.
    pub async fn start_identification(
        &self,
        token: &str,
        platform: &str,
        account: &str,
        fields: &[(&str, &str)],
    ) -> Visitor<'_> {
        let code = self.account_with_code(token, account).await;
        let mut visitor = Visitor::new(self);
        assert_eq!(visitor.claim_on(platform, account, &code).await.status, 303);
        let started = visitor.submit("/claim/identify?type=resident", "/claim/identify?lang=en", fields).await;
        assert_eq!(started.location.as_deref(), Some("/claim/confirm"), "{}", started.body);
        visitor
    }

    /// Registers `account` with these identification form fields, confirming
    /// with the code mailed; returns (reference, management key), both empty
    /// when the account joined a record already on file.
    pub async fn register_with(
        &self,
        token: &str,
        platform: &str,
        account: &str,
        fields: &[(&str, &str)],
    ) -> (String, String) {
        let mut visitor = self.start_identification(token, platform, account, fields).await;
        receipt_of(&visitor.confirm(&self.last_code()).await)
    }

    /// Registers `account` on qaz as test person `n`; returns (reference, management key).
    pub async fn register_person(&self, token: &str, account: &str, n: u32) -> (String, String) {
        let iin = iin(n);
        let fields: Vec<_> =
            resident_fields().into_iter().map(|(k, v)| (k, if k == "iin" { iin.as_str() } else { v })).collect();
        self.register_with(token, "qaz", account, &fields).await
    }
}
