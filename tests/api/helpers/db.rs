//! An isolated database per test: a SQLite file in a temporary directory,
//! or with `TEST_DATABASE_URL` a fresh PostgreSQL database, dropped at the end.

use diesel::{Connection, PgConnection, RunQueryDsl};
use registry::config::{DatabaseUrl, KeyFileLocation, Settings};
use registry::db::{self, Pool};
use std::io::Write;
use std::path::PathBuf;
use std::sync::LazyLock;
use tempfile::TempDir;

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
        LazyLock::force(&super::logs::CAPTURED_LOGS);
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
    settings.metrics_bind = "127.0.0.1:0".parse().unwrap();
    settings.key_file = KeyFileLocation { path: db.dir.path().join("registry.key"), configured: true };
    settings.db_pool_size = 4;
    settings.mail.dir = db.dir.path().join("outbox"); // TestApp::mail_dir
    settings.mail.retry = chrono::TimeDelta::milliseconds(500);
    settings.mail.smtp_timeout = std::time::Duration::from_secs(2);
    // Mail stays in the outbox, where tests read it (`TestApp::mail`), unless
    // a test delivers it to its own SMTP server (`with_smtp`).
    settings.mail.interval = std::time::Duration::from_secs(3600);
    settings
}

/// The key file the app and the command line use for this database.
pub fn key_file(db: &TestDb) -> PathBuf {
    db.dir.path().join("registry.key")
}

/// Every migration's version, oldest first, as the migrations folder names them.
pub fn migration_versions() -> Vec<String> {
    let mut versions: Vec<String> = std::fs::read_dir("migrations/sqlite")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap().split('_').next().unwrap().replace('-', ""))
        .collect();
    versions.sort();
    versions
}
