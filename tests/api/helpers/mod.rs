//! What the tests share: an isolated database, the real app on a real port,
//! the flows that tests build on (an owner registering, an official logging
//! in, filing, approving and opening a request), the command line, the
//! captured log, and distinctive personal data to grep for. No test file
//! imports another.

mod app;
mod cli;
mod data;
mod db;
mod logs;
mod officials;
mod outbox;
mod owners;
mod receiver;
mod smtp;
mod witness;

pub use app::{Reply, TestApp, spawn_app, spawn_app_with};
pub use cli::{CliFixture, expose, run_cli, secret, stderr, stdout};
pub use data::*;
pub use db::{TestDb, key_file, migration_versions, settings_for};
pub use logs::captured_logs;
pub use officials::{PASSWORD, code, request_body, with_fields};
pub use outbox::queued_mail_in;
pub use owners::{Page, Visitor, between, iin, receipt_of, resident_fields};
pub use receiver::{Mode, RECEIVER_HOST, Received, Receiver, verify_with_python};
pub use smtp::{SmtpServer, delivering, free_port, smtp_url, with_smtp};
pub use witness::WitnessProcess;
