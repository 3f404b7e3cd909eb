//! `registry seed`: a synthetic dataset for tests and benchmarks.

use super::CliError;
use crate::config::Settings;
use crate::crypto::token::expose;
use crate::db::DbError;
use crate::domain::{PlatformId, PlatformName, PlatformSlug};
use crate::services::IfExists;
use crate::services::platforms::{self, NewPlatform};
use crate::startup::open_storage;
use std::time::Instant;

/// `registry seed --accounts N --platforms P`: platforms `seed-1` … `seed-P`
/// (tokens re-issued and printed) and N new accounts spread over them.
pub fn run(settings: &Settings, accounts: usize, platforms: usize, json: bool) -> Result<(), CliError> {
    if platforms == 0 {
        return Err(CliError::Invalid("--platforms must be at least 1".into()));
    }
    let (keys, pool) = open_storage(settings)?;
    let mut conn = pool.get().map_err(DbError::from)?;
    let mut issued = Vec::with_capacity(platforms);
    for n in 1..=platforms {
        let slug = PlatformSlug::parse(&format!("seed-{n}")).map_err(|e| CliError::Invalid(e.to_string()))?;
        let name = PlatformName::parse(&format!("Seed platform {n}")).map_err(|e| CliError::Invalid(e.to_string()))?;
        let (id, token) = platforms::register(
            &mut conn,
            &keys,
            &NewPlatform { slug: &slug, name: &name, code_location: None },
            IfExists::Reissue,
            crate::db::now(),
        )?;
        issued.push((slug, id, token));
    }
    let ids: Vec<PlatformId> = issued.iter().map(|(_, id, _)| *id).collect();
    let started = Instant::now();
    let inserted = crate::seed::seed_accounts(&mut conn, &keys, &settings.policy, &ids, accounts, crate::db::now())?;
    let seconds = started.elapsed().as_secs_f64();
    if json {
        let platforms: Vec<_> = issued
            .iter()
            .map(|(slug, id, token)| serde_json::json!({ "id": id, "slug": slug.as_str(), "token": expose(token) }))
            .collect();
        println!("{}", serde_json::json!({ "accounts": inserted, "seconds": seconds, "platforms": platforms }));
    } else {
        println!("Seeded {inserted} accounts over {platforms} platform(s) in {seconds:.1} s.");
        for (slug, _, token) in &issued {
            println!("  {}: {}", slug.as_str(), expose(token));
        }
    }
    Ok(())
}
