//! `registry backup` and `registry restore` on the running registry's
//! database, and a service's data read back from the restored copy.

use crate::helpers::{TestDb, request_body, run_cli, spawn_app, stderr, stdout};
use diesel::prelude::*;
use registry::db::schema::{audit_log, disclosures};

#[actix_web::test]
async fn a_backup_restored_into_a_new_database_verifies_and_holds_the_disclosure() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    app.register(&token, "acc-1").await;
    let (requester, id) = app.approved(request_body()).await;
    assert_eq!(app.open(&requester, id).await.status, 200);

    let kept = tempfile::tempdir().unwrap();
    let file = kept.path().join("registry.backup");
    let file_arg = file.to_str().unwrap();
    let made = app.cli(&["backup", "--out", file_arg]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(stdout(&made).contains("The key file is not in the backup"), "{}", stdout(&made));
    let again = app.cli(&["backup", "--out", file_arg]);
    assert_eq!(again.status.code(), Some(1), "a backup never overwrites a file");

    // Into a database that did not exist (SQLite) or is empty (PostgreSQL), with the same key file.
    let fresh = TestDb::new();
    let key_file = app.key_file();
    let env = [("REGISTRY_DATABASE_URL", fresh.url_string.as_str()), ("REGISTRY_KEY_FILE", key_file.to_str().unwrap())];
    let restored = run_cli(fresh.dir.path(), &env, &["restore", "--from", file_arg]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(stdout(&restored).contains("The audit log verifies"), "{}", stdout(&restored));
    let mut conn = fresh.pool().get().unwrap();
    assert_eq!(disclosures::table.count().get_result::<i64>(&mut conn).unwrap(), 1, "the disclosure came back");
    let opened: i64 =
        audit_log::table.filter(audit_log::action.eq("disclosure.opened")).count().get_result(&mut conn).unwrap();
    assert_eq!(opened, 1, "with its entry in the audit log");

    // Never over live data.
    let over = run_cli(fresh.dir.path(), &env, &["restore", "--from", file_arg]);
    assert_eq!(over.status.code(), Some(1), "{}", stdout(&over));
    assert!(stderr(&over).contains("restore into a new"), "{}", stderr(&over));
}
