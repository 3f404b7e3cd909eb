//! `registry`: the identification registry for anonymous online accounts over
//! the follower threshold. See `docs/ARCHITECTURE.md` for how the parts fit.

pub mod audit;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod seed;
pub mod services;
pub mod startup;
pub mod telemetry;
