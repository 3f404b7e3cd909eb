//! The real application on a free port with its own database and keys, and
//! the HTTP calls tests make to it. When a test ends, its audit chain must
//! still verify.

use super::cli::cli_command;
use super::db::{TestDb, key_file, settings_for};
use chrono::{TimeDelta, Utc};
use registry::config::Settings;
use registry::crypto::{KeyId, KeyRing};
use registry::db::Pool;
use registry::startup::Application;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct TestApp {
    pub address: String,
    /// Where `/metrics` is served, apart from the service.
    pub metrics_address: String,
    /// Held so the database outlives the server; dropping the last holder deletes the database.
    db: Arc<TestDb>,
    /// What the app started with, for [`TestApp::another_node`].
    settings: Settings,
    pub pool: Pool,
    pub keys: KeyRing,
    pub client: awc::Client,
}

/// Starts the real application on a free port with its own database and keys.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with settings adjusted first (second-scale durations, limits).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDb::new();
    let mut settings = settings_for(&db);
    adjust(&mut settings);
    let keys = KeyRing::generate(Utc::now());
    keys.create(&settings.key_file.path).unwrap();
    start(Arc::new(db), settings, keys).await
}

/// The application over `db`, started in this process on its own ports;
/// returns once it is ready (its status mirror loaded).
async fn start(db: Arc<TestDb>, settings: Settings, keys: KeyRing) -> TestApp {
    let pool = db.pool();
    let app = Application::build(settings.clone(), keys.clone(), pool.clone()).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = format!("http://127.0.0.1:{}", app.metrics_port());
    // The node stops before its database is dropped (its workers would wait
    // out their pool's timeout for connections to a database that is gone).
    let held = db.clone();
    actix_web::rt::spawn(async move {
        let stopped = app.run_until_stopped().await;
        drop(held);
        stopped
    });
    let app = TestApp { address, metrics_address, db, settings, pool, keys, client: awc::Client::default() };
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.get("/readyz").await.0 != 200 {
        assert!(Instant::now() < deadline, "the app did not become ready");
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    app
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }

    /// The error code of a JSON error envelope.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl TestApp {
    /// A second node of the same deployment, as behind a load balancer: its
    /// own server, pool, caches, rate limits and background jobs, over this
    /// app's database and key file.
    pub async fn another_node(&self) -> TestApp {
        self.another_node_with(|_| {}).await
    }

    /// [`TestApp::another_node`] with its settings adjusted first.
    pub async fn another_node_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        adjust(&mut settings);
        start(self.db.clone(), settings, self.keys.clone()).await
    }

    pub async fn get(&self, path: &str) -> (awc::http::StatusCode, awc::http::header::HeaderMap, String) {
        let mut response = self.client.get(format!("{}{path}", self.address)).send().await.unwrap();
        let body = response.body().await.unwrap();
        (response.status(), response.headers().clone(), String::from_utf8(body.to_vec()).unwrap())
    }

    /// The metrics listener's `/metrics`, as a scraper reads it.
    pub async fn metrics(&self) -> (awc::http::StatusCode, awc::http::header::HeaderMap, String) {
        let mut response = self.client.get(format!("{}/metrics", self.metrics_address)).send().await.unwrap();
        let body = response.body().await.unwrap();
        (response.status(), response.headers().clone(), String::from_utf8(body.to_vec()).unwrap())
    }

    pub fn snapshot(&self) -> TestDb {
        self.db.snapshot()
    }

    /// The key file the running app loaded (and reloads when it changes).
    pub fn key_file(&self) -> PathBuf {
        key_file(&self.db)
    }

    /// Where mail goes as files when no SMTP server is set.
    pub fn mail_dir(&self) -> PathBuf {
        self.db.dir.path().join("outbox")
    }

    /// The `registry` command against this app's database and key file.
    pub fn cli_command(&self, args: &[&str]) -> std::process::Command {
        let key_file = self.key_file();
        let env =
            [("REGISTRY_DATABASE_URL", self.db.url_string.as_str()), ("REGISTRY_KEY_FILE", key_file.to_str().unwrap())];
        cli_command(self.db.dir.path(), &env, args)
    }

    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_command(args).output().expect("the registry binary runs")
    }

    pub fn on_postgres(&self) -> bool {
        self.db.url.backend_name() == "postgres"
    }

    /// Every byte the database holds at rest.
    pub fn db_contents(&self) -> Vec<u8> {
        self.db.raw_contents()
    }

    /// Registers a platform and returns its API token.
    pub fn add_platform(&self, slug: &str) -> String {
        use registry::crypto::token::{expose, new_platform_token};
        let token = new_platform_token();
        let digest = self.keys.token_digester().digest(registry::crypto::TokenPurpose::PlatformApi, expose(&token));
        let slug = registry::domain::PlatformSlug::parse(slug).unwrap();
        let mut conn = self.pool.get().unwrap();
        registry::db::repo::platforms::create(&mut conn, &slug, "Test platform", &digest, Utc::now()).unwrap();
        expose(&token).to_owned()
    }

    pub async fn send(&self, request: awc::ClientRequest, body: Option<&[u8]>) -> Reply {
        let mut response = match body {
            Some(body) => request.send_body(body.to_vec()).await,
            None => request.send().await,
        }
        .unwrap();
        let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    pub async fn api_get(&self, token: &str, path: &str) -> Reply {
        self.send(self.client.get(format!("{}{path}", self.address)).bearer_auth(token), None).await
    }

    pub async fn api_post(&self, token: &str, path: &str, body: &serde_json::Value) -> Reply {
        self.api_post_raw(token, path, body.to_string().as_bytes()).await
    }

    pub async fn api_post_raw(&self, token: &str, path: &str, body: &[u8]) -> Reply {
        let request = self
            .client
            .post(format!("{}{path}", self.address))
            .bearer_auth(token)
            .insert_header(("content-type", "application/json"));
        self.send(request, Some(body)).await
    }

    /// Reports `(account_ref, follower_count)` pairs.
    pub async fn report(&self, token: &str, accounts: &[(&str, i64)]) -> Reply {
        let accounts: Vec<_> = accounts
            .iter()
            .map(|(r, n)| serde_json::json!({ "account_ref": r, "handle": format!("@{r}"), "follower_count": n }))
            .collect();
        self.api_post(token, "/api/v1/accounts/report", &serde_json::json!({ "accounts": accounts })).await
    }

    /// Follows the change feed from `after` to its end, `limit` at a time.
    pub async fn all_changes(&self, token: &str, after: i64, limit: i64) -> Vec<serde_json::Value> {
        let mut cursor = after;
        let mut changes = Vec::new();
        loop {
            let page = self.api_get(token, &format!("/api/v1/changes?after={cursor}&limit={limit}")).await;
            assert_eq!(page.status, 200, "{}", page.body);
            let page = page.json();
            let batch = page["changes"].as_array().unwrap().clone();
            cursor = page["next"].as_i64().unwrap();
            if batch.is_empty() {
                return changes;
            }
            changes.extend(batch);
        }
    }
}

impl TestApp {
    /// Retires master key 1 once the service's background re-wrap has moved
    /// everything off it (retiring is refused until then), as an operator
    /// would retry.
    pub async fn retire_key_1_once_unused(&self, conn: &mut registry::db::DbConnection) {
        let retire_at = Utc::now() + TimeDelta::minutes(5);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match registry::services::keys::retire(conn, &self.key_file(), KeyId(1), TimeDelta::seconds(1), retire_at) {
                Ok(()) => return,
                Err(registry::services::keys::RetireError::InUse(_)) if Instant::now() < deadline => {
                    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("retiring key 1: {e}"),
            }
        }
    }
}

/// Whatever a test did, the audit log it leaves behind must still verify
/// (unless the test failed already: then that failure is the one to see).
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let mut conn = self.pool.get().expect("a connection to check the audit chain");
        if let Err(broken) = registry::audit::verify(&mut conn).expect("the audit log is readable") {
            panic!("the test left an audit chain that does not verify: {broken}");
        }
    }
}
