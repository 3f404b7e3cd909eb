//! Black-box tests: the real app on a real port, a real database.
//!
//! SQLite by default. With `TEST_DATABASE_URL=postgres://…/db` every test
//! gets a fresh PostgreSQL database created from that server.

mod audit_chain;
mod audit_cli;
mod authorization;
mod backup;
mod cli;
mod cluster;
mod deployment;
mod docs;
mod durability;
mod hardening;
mod health;
mod helpers;
mod identification;
mod identities;
mod key_rotation;
mod logs;
mod mail;
mod notifications;
mod openapi;
mod owner_forms;
mod owner_record;
mod owner_sessions;
mod pages;
mod platform_errors;
mod platform_lifecycle;
mod platform_reads;
mod recovery;
mod regulator_audit;
mod regulator_disclosure;
mod regulator_limits;
mod regulator_login;
mod regulator_pages;
mod regulator_requests;
mod regulator_review;
mod retention;
mod seed;
mod statements;
mod storage;
mod transparency_log;
mod webhooks;
