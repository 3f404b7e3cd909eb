//! `registry`: the identification registry for anonymous online accounts over
//! the follower threshold. See `docs/ARCHITECTURE.md` for how the parts fit.

// Bad input gets an error, never a panic: the few true invariants say why at the site.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod audit;
pub mod background;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod seed;
pub mod services;
pub mod startup;
pub mod status_mirror;
pub mod telemetry;
pub mod webhooks;
pub mod witness;
