//! `registry`: the identification registry for anonymous online accounts over
//! the follower threshold. See `docs/ARCHITECTURE.md` for how the parts fit.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod key_rotation;
pub mod officials;
pub mod owners;
pub mod retention;
pub mod review;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod transparency;
