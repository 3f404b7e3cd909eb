use crate::helpers::{CliFixture, expose, migration_versions, run_cli, secret, stderr, stdout};
use diesel::prelude::*;
use registry::audit;
use registry::crypto::password::verify_password;
use registry::db::repo::identities;
use registry::db::schema::officials;
use registry::db::write_tx;
use registry::domain::Field;
use registry::i18n::Lang;
use registry::mail::{Mail, MailKind};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "command failed: {}", stderr(out));
    serde_json::from_str(&stdout(out)).expect("--json prints one JSON object")
}

#[test]
fn platform_add_prints_a_token_once_and_stores_only_its_digest() {
    let fx = CliFixture::new();
    let out = json_of(&fx.run(&["platform", "add", "--slug", "qaz-video", "--name", "Qaz Video", "--json"]));
    assert_eq!(out["slug"], "qaz-video");
    let token = secret(&out["token"]);
    assert!(expose(&token).starts_with("rgp_"));
    let contents = fx.db.raw_contents();
    assert!(
        !contents.windows(expose(&token).len()).any(|w| w == expose(&token).as_bytes()),
        "token stored in plaintext"
    );

    let again = fx.run(&["platform", "add", "--slug", "qaz-video", "--name", "Other"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(stderr(&again).trim_end().lines().last().unwrap(), "error: platform already exists");
}

#[test]
fn invalid_arguments_are_rejected_with_the_flag_named() {
    let fx = CliFixture::new();
    let out = fx.run(&["platform", "add", "--slug", "Qaz Video", "--name", "Qaz"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--slug contains characters that are not allowed"), "{}", stderr(&out));
    let out = fx.run(&["official", "add", "--username", "a.user", "--roles", "requester,admin"]);
    assert!(stderr(&out).contains("--roles: unknown role"), "{}", stderr(&out));
    let mixed = fx.run(&["official", "add", "--username", "a.mixed", "--roles", "auditor,registrar"]);
    assert!(!mixed.status.success());
    assert!(stderr(&mixed).contains("the auditor role cannot be combined"), "{}", stderr(&mixed));
}

#[test]
fn official_add_prints_a_password_and_totp_secret_that_match_what_is_stored() {
    let fx = CliFixture::new();
    let out =
        json_of(&fx.run(&["official", "add", "--username", "a.approver", "--roles", "registrar,approver", "--json"]));
    assert_eq!(out["username"], "a.approver");
    assert_eq!(out["roles"], serde_json::json!(["approver", "registrar"]));
    let password = secret(&out["password"]);
    let totp = secret(&out["totp_secret"]);
    assert_eq!(expose(&totp).len(), 32);

    let pool = fx.db.pool();
    let mut conn = pool.get().unwrap();
    let (hash, roles): (String, String) = officials::table
        .filter(officials::username.eq("a.approver"))
        .select((officials::password_hash, officials::roles))
        .first(&mut conn)
        .unwrap();
    assert!(verify_password(&password, &hash));
    assert_eq!(roles, "approver,registrar");
    drop(conn);
    let contents = fx.db.raw_contents();
    for value in [expose(&password), expose(&totp)] {
        assert!(!contents.windows(value.len()).any(|w| w == value.as_bytes()), "a secret is stored in plaintext");
    }
}

#[test]
fn migrate_applies_the_schema_once() {
    let fx = CliFixture::new();
    let first = fx.run(&["migrate"]);
    assert_eq!(
        stdout(&first),
        format!("Applied {} migration(s): {}\n", migration_versions().len(), migration_versions().join(", ")),
        "{}",
        stderr(&first)
    );
    let second = fx.run(&["migrate"]);
    assert_eq!(stdout(&second), "The database schema is up to date.\n");
}

#[test]
fn a_bad_configuration_value_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cli(dir.path(), &[("REGISTRY_GRACE_PERIOD", "a month")], &["migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: configuration: REGISTRY_GRACE_PERIOD: must be a duration like 30d, 72h or 2s\n");
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

#[test]
fn a_configured_key_file_that_is_missing_is_an_error_not_a_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cli(
        dir.path(),
        &[("REGISTRY_KEY_FILE", "keys/registry.key")],
        &["platform", "add", "--slug", "qaz", "--name", "Qaz"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("key file keys/registry.key does not exist; create it with `registry keys generate`")
    );
    assert!(!dir.path().join("keys").exists());

    let pg = run_cli(dir.path(), &[("REGISTRY_DATABASE_URL", "postgres://registry@127.0.0.1:1/registry")], &["serve"]);
    assert!(stderr(&pg).contains("does not exist; create it with `registry keys generate`"), "{}", stderr(&pg));
}

#[test]
fn keys_generate_refuses_to_overwrite_a_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cli(dir.path(), &[], &["keys", "generate", "--out", "secrets/registry.key"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read(dir.path().join("secrets/registry.key")).unwrap();
    let again = run_cli(dir.path(), &[], &["keys", "generate", "--out", "secrets/registry.key"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already exists; refusing to overwrite it"));
    assert_eq!(std::fs::read(dir.path().join("secrets/registry.key")).unwrap(), written);
}

#[test]
fn keys_rotate_then_rewrap_moves_stored_data_to_the_new_key_and_retire_refuses_a_key_in_use() {
    let fx = CliFixture::new();
    let before = fx.keys();
    let pool = fx.db.pool();
    let id = crate::helpers::store_resident(&pool, &before, "R-TEST-0001");
    json_of(&fx.run(&["official", "add", "--username", "a.requester", "--roles", "requester", "--json"]));
    let to = registry::domain::ContactEmail::parse(crate::helpers::TEST_EMAIL).unwrap();
    let notice = Mail::new(MailKind::ContactChanged, &to, Lang::En).about(id);
    write_tx(&mut pool.get().unwrap(), |conn| registry::mail::queue(conn, &before, &notice, chrono::Utc::now()))
        .unwrap();

    let out = fx.run(&["keys", "rotate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Master key 2 is now active (was 1)."), "{}", stdout(&out));
    let listed = stdout(&fx.run(&["keys", "list"]));
    assert!(listed.contains("      1  old                     1             1       1"), "{listed}");
    assert!(listed.contains("      2  active                  0             0       0"), "{listed}");

    let refused = fx.run(&["keys", "retire", "1"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("master key 1 still wraps 1 identity data key(s), 1 TOTP secret(s) and 1 queued"),
        "{}",
        stderr(&refused)
    );
    assert!(!fx.run(&["keys", "retire", "2"]).status.success(), "the active key cannot be retired");

    let out = fx.run(&["keys", "rewrap"]);
    assert!(
        stdout(&out).contains(
            "Re-wrapped 1 identity data keys, 1 official TOTP secrets and 1 queued items under master key 2."
        )
    );
    let early = fx.run(&["keys", "retire", "1"]);
    assert!(stderr(&early).contains("the active key was added less than 1m ago"), "{}", stderr(&early));

    let after = fx.keys();
    assert_eq!((after.active_key_id().0, after.key_ids().len()), (2, 2), "nothing was retired");
    let mut conn = pool.get().unwrap();
    let opened = identities::open_fields(&mut conn, &after, id, &[Field::Iin]).unwrap();
    assert_eq!(opened[0].1.as_str(), crate::helpers::TEST_IIN);
    let totp_key: i32 = officials::table.select(officials::totp_key_id).first(&mut conn).unwrap();
    assert_eq!(totp_key, 2);
    let head = audit::verify(&mut conn).unwrap().unwrap();
    assert_eq!(head.entries, 2, "official.created and keys.rotated");
}

#[actix_web::test]
async fn serve_demo_on_a_fresh_directory_prints_credentials_and_becomes_ready() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(["serve", "--demo"])
        .current_dir(dir.path())
        .env_clear()
        .env("REGISTRY_BIND", "127.0.0.1:0")
        .env("REGISTRY_METRICS_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        let done = line.starts_with("Try: curl");
        printed.push(line);
        if done {
            break;
        }
    }
    let service = printed.iter().find_map(|l| l.strip_prefix("Service:")).map(str::trim).map(str::to_owned);
    let readiness = match &service {
        Some(url) => awc::Client::default().get(format!("{url}/readyz")).send().await.map(|r| r.status().as_u16()),
        None => Ok(0),
    };
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();

    assert!(service.is_some(), "no service URL in {printed:#?}\nstderr: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(readiness.unwrap(), 200);
    let printed = printed.join("\n");
    assert!(printed.contains("Platform 'demo' API token:\n  rgp_"));
    for official in [
        "demo-requester (requester)",
        "demo-approver (approver)",
        "demo-auditor (auditor)",
        "demo-registrar (registrar)",
    ] {
        assert!(printed.contains(&format!("Official {official}:")), "{official} missing from {printed}");
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("GENERATED A DEVELOPMENT KEY FILE"));
    let key_mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path().join("data/registry.key")).unwrap().permissions(),
    );
    assert_eq!(key_mode & 0o777, 0o600);
}

#[actix_web::test]
async fn resetting_disabling_and_revoking_an_official_end_their_sessions_at_once() {
    let app = crate::helpers::spawn_app().await;
    let live = |token: String| {
        let app = &app;
        async move { app.api_get(&token, "/api/v1/regulator/requests/1").await.status }
    };

    let token = app.official("a.requester", "requester").await;
    let reset = app.cli(&["official", "reset", "--username", "a.requester", "--json"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert_eq!(live(token).await, 401, "a reset ends the sessions opened with the old credentials");
    let issued: serde_json::Value = serde_json::from_slice(&reset.stdout).unwrap();
    assert_eq!(issued["roles"], serde_json::json!(["requester"]), "roles are kept");
    let secret = data_encoding::BASE32_NOPAD.decode(issued["totp_secret"].as_str().unwrap().as_bytes()).unwrap();
    let totp = totp_rs::Builder::new().with_step_duration(30).with_secret(secret).build().unwrap();
    let code = totp.generate(u64::try_from(chrono::Utc::now().timestamp()).unwrap()).to_string();
    let relogin = app.login("a.requester", issued["password"].as_str().unwrap(), &code).await;
    assert_eq!(relogin.status, 200, "{}", relogin.body);

    let token = app.official("an.approver", "approver").await;
    let disabled = app.cli(&["official", "disable", "--username", "an.approver"]);
    assert!(stdout(&disabled).contains("is disabled"), "{}", stderr(&disabled));
    assert_eq!(live(token).await, 401);
    let refused = app.login("an.approver", crate::helpers::PASSWORD, &crate::helpers::code(1)).await;
    assert_eq!(refused.status, 401, "a disabled official gets the answer an unknown one gets");
    assert!(app.cli(&["official", "enable", "--username", "an.approver"]).status.success());
    assert_eq!(app.login("an.approver", crate::helpers::PASSWORD, &crate::helpers::code(1)).await.status, 200);

    let token = app.official("an.auditor", "auditor").await;
    let revoked = app.cli(&["official", "sessions", "revoke", "--username", "an.auditor"]);
    assert!(stdout(&revoked).contains("Ended 1 session(s)"), "{}", stdout(&revoked));
    assert_eq!(live(token).await, 401);
    let unknown = app.cli(&["official", "disable", "--username", "nobody"]);
    assert!(!unknown.status.success() && stderr(&unknown).contains("official not found"), "{}", stderr(&unknown));

    let mut conn = app.pool.get().unwrap();
    let logged: Vec<String> =
        registry::db::schema::audit_log::table.select(registry::db::schema::audit_log::action).load(&mut conn).unwrap();
    for action in
        ["official.credentials_reissued", "official.disabled", "official.enabled", "official.sessions_revoked"]
    {
        assert!(logged.contains(&action.to_string()), "{action} in {logged:?}");
    }
}
