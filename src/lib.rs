//! `registry`: the identification registry for anonymous online accounts over
//! the follower threshold. See `docs/ARCHITECTURE.md` for how the parts fit.

pub mod crypto;
pub mod domain;
