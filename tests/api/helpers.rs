use chrono::Utc;
use diesel::{Connection, PgConnection, RunQueryDsl};
use registry::config::{DatabaseUrl, KeyFileLocation, Settings};
use registry::crypto::KeyRing;
use registry::db::{self, Pool};
use registry::startup::Application;
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use tempfile::TempDir;

/// Everything the app logged during this test run, at trace level.
pub static CAPTURED_LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buffer);
    let writer = move || CaptureWriter(Arc::clone(&sink));
    let subscriber = registry::telemetry::subscriber(
        registry::telemetry::LogFormat::Json,
        "trace,actix_server=info,actix_http=info,mio=info",
        writer,
        false,
    );
    tracing::subscriber::set_global_default(subscriber).expect("the test binary installs one subscriber");
    buffer
});

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn captured_logs() -> String {
    String::from_utf8_lossy(&CAPTURED_LOGS.lock().unwrap()).into_owned()
}

/// An isolated database: a SQLite file in a temporary directory, or a fresh
/// PostgreSQL database dropped when the test ends.
pub struct TestDb {
    pub url: DatabaseUrl,
    /// The raw URL, for child processes.
    pub url_string: String,
    pub dir: TempDir,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub fn new() -> Self {
        LazyLock::force(&CAPTURED_LOGS);
        let dir = tempfile::tempdir().unwrap();
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            None => {
                let url_string = format!("sqlite://{}", dir.path().join("registry.db").display());
                Self { url: DatabaseUrl::parse(&url_string).unwrap(), url_string, dir, postgres: None }
            }
            Some(admin_url) => {
                let name = format!("registry_test_{}", data_encoding::HEXLOWER.encode(&rand_bytes()));
                let mut admin = PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL must accept connections");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
                let url_string = format!("{base}/{name}");
                Self {
                    url: DatabaseUrl::parse(&url_string).unwrap(),
                    url_string,
                    dir,
                    postgres: Some((admin_url, name)),
                }
            }
        }
    }

    pub fn pool(&self) -> Pool {
        db::open(&self.url, 4).expect("the test database opens and migrates")
    }

    /// A consistent copy of the whole database as it is now, as a backup would hold it.
    pub fn snapshot(&self) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        match &self.postgres {
            None => {
                let path = dir.path().join("registry.db");
                let mut conn = self.pool().get().unwrap();
                diesel::sql_query(format!("VACUUM INTO '{}'", path.display())).execute(&mut *conn).unwrap();
                let url_string = format!("sqlite://{}", path.display());
                TestDb { url: DatabaseUrl::parse(&url_string).unwrap(), url_string, dir, postgres: None }
            }
            Some((admin_url, _)) => {
                let name = format!("registry_copy_{}", data_encoding::HEXLOWER.encode(&rand_bytes()));
                let mut admin = PgConnection::establish(admin_url).unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
                let url_string = format!("{base}/{name}");
                let dump = std::process::Command::new("pg_dump")
                    .args(["--no-owner", "--no-privileges", &self.url_string])
                    .output()
                    .expect("pg_dump runs");
                assert!(dump.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dump.stderr));
                let mut restore = std::process::Command::new("psql")
                    .args(["-q", "-v", "ON_ERROR_STOP=1", &url_string])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("psql runs");
                restore.stdin.take().unwrap().write_all(&dump.stdout).unwrap();
                assert!(restore.wait().unwrap().success(), "psql restores the dump");
                TestDb {
                    url: DatabaseUrl::parse(&url_string).unwrap(),
                    url_string,
                    dir,
                    postgres: Some((admin_url.clone(), name)),
                }
            }
        }
    }

    /// Every byte the database holds at rest: the SQLite files, or a pg_dump.
    pub fn raw_contents(&self) -> Vec<u8> {
        match &self.postgres {
            None => ["registry.db", "registry.db-wal"]
                .iter()
                .filter_map(|f| std::fs::read(self.dir.path().join(f)).ok())
                .flatten()
                .collect(),
            Some(_) => {
                let out = std::process::Command::new("pg_dump")
                    .args(["--data-only", "--inserts", &self.url_string])
                    .output()
                    .expect("pg_dump runs");
                assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
                out.stdout
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

fn rand_bytes() -> [u8; 8] {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

pub fn settings_for(db: &TestDb) -> Settings {
    let mut settings = Settings::from_lookup(|_| None).unwrap();
    settings.database_url = db.url.clone();
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.key_file = KeyFileLocation { path: db.dir.path().join("registry.key"), configured: true };
    settings.db_pool_size = 4;
    settings
}

pub struct TestApp {
    pub address: String,
    /// Held so the database outlives the server; dropping it deletes the database.
    _db: TestDb,
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
    let pool = db.pool();
    let app = Application::build(settings, keys.clone(), pool.clone()).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp { address, _db: db, pool, keys, client: awc::Client::default() }
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
    pub async fn get(&self, path: &str) -> (awc::http::StatusCode, awc::http::header::HeaderMap, String) {
        let mut response = self.client.get(format!("{}{path}", self.address)).send().await.unwrap();
        let body = response.body().await.unwrap();
        (response.status(), response.headers().clone(), String::from_utf8(body.to_vec()).unwrap())
    }

    pub fn snapshot(&self) -> TestDb {
        self._db.snapshot()
    }

    /// The key file the running app loaded (and reloads when it changes).
    pub fn key_file(&self) -> PathBuf {
        key_file(&self._db)
    }

    /// The `registry` command against this app's database and key file.
    pub fn cli_command(&self, args: &[&str]) -> std::process::Command {
        let key_file = self.key_file();
        let env = [
            ("REGISTRY_DATABASE_URL", self._db.url_string.as_str()),
            ("REGISTRY_KEY_FILE", key_file.to_str().unwrap()),
        ];
        cli_command(self._db.dir.path(), &env, args)
    }

    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_command(args).output().expect("the registry binary runs")
    }

    pub fn on_postgres(&self) -> bool {
        self._db.url.backend_name() == "postgres"
    }

    /// Every byte the database holds at rest.
    pub fn db_contents(&self) -> Vec<u8> {
        self._db.raw_contents()
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

/// Runs the `registry` binary with only the given environment, in `dir`.
pub fn run_cli(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    cli_command(dir, env, args).output().expect("the registry binary runs")
}

fn cli_command(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_registry"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied());
    command
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A secret printed by the CLI, kept out of assertion messages.
pub fn secret(value: &serde_json::Value) -> SecretString {
    SecretString::from(value.as_str().expect("a string").to_owned())
}

pub fn expose(secret: &SecretString) -> &str {
    secret.expose_secret()
}

pub fn key_file(db: &TestDb) -> PathBuf {
    db.dir.path().join("registry.key")
}

/// Distinctive personal data: tests grep storage and logs for each value.
pub const TEST_IIN: &str = "900115353054";
pub const TEST_SURNAME: &str = "Zhaksylykova";
pub const TEST_GIVEN_NAME: &str = "Aigerim";
pub const TEST_PATRONYMIC: &str = "Serikkyzy";
pub const TEST_EMAIL: &str = "aigerim.registry-test@example.kz";
pub const TEST_PERSONAL_DATA: [&str; 5] = [TEST_IIN, TEST_SURNAME, TEST_GIVEN_NAME, TEST_PATRONYMIC, TEST_EMAIL];

pub fn resident_declaration() -> registry::domain::Declaration {
    use registry::domain::{ContactEmail, Declaration, Iin, PersonName};
    Declaration::Resident {
        iin: Iin::parse(TEST_IIN).unwrap(),
        surname: PersonName::parse(TEST_SURNAME).unwrap(),
        given_name: PersonName::parse(TEST_GIVEN_NAME).unwrap(),
        patronymic: Some(PersonName::parse(TEST_PATRONYMIC).unwrap()),
        email: ContactEmail::parse(TEST_EMAIL).unwrap(),
    }
}

/// Stores the test resident through the same seam the forms use.
pub fn store_resident(pool: &Pool, keys: &KeyRing, reference: &str) -> registry::domain::IdentityId {
    let declaration = resident_declaration();
    let index = keys.blind_indexer().index(&declaration.identifier()).unwrap();
    let management_key = keys.token_digester().digest(registry::crypto::TokenPurpose::ManagementKey, reference);
    let mut conn = pool.get().unwrap();
    db::write_tx(&mut conn, |conn| {
        registry::db::repo::identities::create(conn, keys, &declaration, &index, reference, &management_key, Utc::now())
    })
    .unwrap()
}

/// Asserts that none of the test's personal data appears in `haystack`.
pub fn assert_no_personal_data(haystack: &[u8], what: &str) {
    for value in TEST_PERSONAL_DATA {
        let found = haystack.windows(value.len()).any(|w| w == value.as_bytes());
        assert!(!found, "{what} contains a plaintext value of the test identity");
    }
}

/// Writes an access request the way the regulator flow will, for tests of what owners and the public see.
pub struct FiledRequest<'a> {
    pub basis: &'a str,
    pub issuer: &'a str,
    pub state: &'a str,
    pub created_at: chrono::NaiveDateTime,
    /// How long the decision took (for a request that is not pending).
    pub decided_after: chrono::TimeDelta,
    pub notify_owner_after: Option<chrono::NaiveDateTime>,
}

pub fn file_request(app: &TestApp, request: &FiledRequest<'_>) -> i64 {
    use diesel::prelude::*;
    use registry::db::schema::{access_requests, officials};
    let mut conn = app.pool.get().unwrap();
    let official = |conn: &mut registry::db::DbConnection, name: &str| -> registry::domain::OfficialId {
        if let Some(id) =
            officials::table.filter(officials::username.eq(name)).select(officials::id).first(conn).optional().unwrap()
        {
            return id;
        }
        let roles = registry::domain::RoleSet::parse("requester,approver").unwrap();
        let secret = SecretString::from("JBSWY3DPEHPK3PXP");
        let new = registry::db::repo::officials::NewOfficial {
            username: name,
            password_hash: "x",
            totp_secret: &secret,
            roles: &roles,
        };
        registry::db::repo::officials::create(conn, &app.keys, &new, Utc::now()).unwrap()
    };
    let (requester, approver) = (official(&mut conn, "requester"), official(&mut conn, "approver"));
    diesel::insert_into(access_requests::table)
        .values((
            access_requests::requester_id.eq(requester),
            access_requests::target_platform_id.eq(None::<i64>),
            access_requests::target_identifier_type.eq(Some("iin")),
            access_requests::target_blind_index.eq(Some(vec![1u8; 32])),
            access_requests::legal_basis.eq(request.basis),
            access_requests::basis_document_number.eq("12-345"),
            access_requests::basis_document_date.eq(request.created_at.date()),
            access_requests::basis_document_issuer.eq(request.issuer),
            access_requests::justification.eq("A justification of at least fifty characters for this test."),
            access_requests::fields.eq("surname"),
            access_requests::state.eq(request.state),
            access_requests::created_at.eq(request.created_at),
            access_requests::decided_by.eq((request.state != "pending").then_some(approver)),
            access_requests::decided_at
                .eq((request.state != "pending").then_some(request.created_at + request.decided_after)),
            access_requests::notify_owner_after.eq(request.notify_owner_after),
            access_requests::openings.eq(0),
        ))
        .returning(access_requests::id)
        .get_result(&mut conn)
        .unwrap()
}
