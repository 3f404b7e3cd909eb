//! The `registry` binary as an operator runs it.

use super::db::{TestDb, key_file};
use chrono::Utc;
use registry::crypto::KeyRing;
use secrecy::{ExposeSecret, SecretString};

/// Runs the `registry` binary with only the given environment, in `dir`.
pub fn run_cli(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    cli_command(dir, env, args).output().expect("the registry binary runs")
}

pub(super) fn cli_command(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Command {
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

/// A database and a key file, and the environment that points the command line at them.
pub struct CliFixture {
    pub db: TestDb,
}

impl CliFixture {
    pub fn new() -> Self {
        let db = TestDb::new();
        KeyRing::generate(Utc::now()).create(&key_file(&db)).unwrap();
        Self { db }
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        let key_file = key_file(&self.db);
        let env =
            [("REGISTRY_DATABASE_URL", self.db.url_string.as_str()), ("REGISTRY_KEY_FILE", key_file.to_str().unwrap())];
        run_cli(self.db.dir.path(), &env, args)
    }

    /// Registers platform `slug` through the command line; returns its API token.
    pub fn add_platform(&self, slug: &str) -> String {
        let added = self.run(&["platform", "add", "--slug", slug, "--name", slug, "--json"]);
        assert!(added.status.success(), "{}", stderr(&added));
        serde_json::from_slice::<serde_json::Value>(&added.stdout).unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub fn keys(&self) -> KeyRing {
        KeyRing::load(&key_file(&self.db)).unwrap()
    }

    /// The command line over this fixture's database and key file, with `env` besides.
    pub fn command(&self, env: &[(&str, &str)], args: &[&str]) -> std::process::Command {
        let key_file = key_file(&self.db);
        let mut command = cli_command(self.db.dir.path(), env, args);
        command.env("REGISTRY_DATABASE_URL", &self.db.url_string).env("REGISTRY_KEY_FILE", key_file);
        command
    }

    /// `registry serve` on `port` over this fixture's database, with `env`
    /// besides, ready to answer; its output is dropped.
    pub async fn serve(&self, port: u16, env: &[(&str, &str)]) -> std::process::Child {
        let mut child = self
            .command(env, &["serve"])
            .env("REGISTRY_BIND", format!("127.0.0.1:{port}"))
            .env("REGISTRY_METRICS_BIND", "127.0.0.1:0")
            .env("REGISTRY_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the registry binary starts");
        let client = awc::Client::default();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            let ready = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await;
            if ready.is_ok_and(|reply| reply.status().is_success()) {
                return child;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        panic!("serve did not become ready");
    }
}
