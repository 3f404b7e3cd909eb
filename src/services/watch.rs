//! Insider alerts: each official's volumes in the last 24 hours, against
//! the daily limits, for metrics and for warnings an operator's alerting
//! can page on before a limit stops an official (DESIGN §7 abuse brakes).

use super::access::DAY;
use crate::audit::{self, AuditAction};
use crate::db::repo::{access_requests, review_checks};
use crate::db::{DbConnection, DbError};
use crate::domain::{DailyLimits, OfficialId, string_enum};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

string_enum! {
    /// What is counted of each official.
    pub enum Watched: UnknownWatched {
        Disclosures = "disclosures",
        IdentifierSearches = "identifier_searches",
        Reviews = "reviews",
        /// Wrong passwords or codes, and the failure that locked them out.
        FailedLogins = "failed_logins",
    }
}

impl Watched {
    /// The number a volume is measured against: the daily limit, or for
    /// failed logins the failures that lock an official out.
    pub fn limit(self, limits: &DailyLimits) -> u32 {
        match self {
            Watched::Disclosures => limits.disclosures,
            Watched::IdentifierSearches => limits.identifier_searches,
            Watched::Reviews => limits.reviews,
            Watched::FailedLogins => super::officials::MAX_FAILED_LOGINS.unsigned_abs(),
        }
    }
}

/// Each official's volumes in the 24 hours before `now`; officials with
/// none are left out.
pub type Volumes = BTreeMap<OfficialId, BTreeMap<Watched, i64>>;

pub fn daily_volumes(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Volumes, DbError> {
    let since = now - DAY;
    let mut volumes = Volumes::new();
    let mut add = |rows: Vec<(OfficialId, i64)>, watched: Watched| {
        for (official, count) in rows {
            *volumes.entry(official).or_default().entry(watched).or_default() += count;
        }
    };
    add(access_requests::disclosures_per_official(conn, since)?, Watched::Disclosures);
    add(access_requests::identifier_filings_per_official(conn, since)?, Watched::IdentifierSearches);
    add(review_checks::per_official(conn, since)?, Watched::Reviews);
    for action in [AuditAction::OfficialLoginFailed, AuditAction::OfficialLockedOut] {
        let per_actor = audit::count_per_actor(conn, action, since)?;
        // Unknown usernames are logged by the system, not by an official.
        let officials = per_actor.into_iter().filter_map(|(actor, count)| {
            let id = actor.strip_prefix("official:")?.parse().ok()?;
            Some((OfficialId::new(id), count))
        });
        add(officials.collect(), Watched::FailedLogins);
    }
    Ok(volumes)
}

/// The (official, what) pairs at or past `fraction` of their limit.
pub fn near_limits(volumes: &Volumes, limits: &DailyLimits, fraction: f64) -> Vec<(OfficialId, Watched, i64, u32)> {
    let mut near = Vec::new();
    for (official, counts) in volumes {
        for (watched, count) in counts {
            let limit = watched.limit(limits);
            if limit > 0 && *count as f64 >= fraction * f64::from(limit) {
                near.push((*official, *watched, *count, limit));
            }
        }
    }
    near
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_at_or_past_the_fraction_of_their_limit_are_near() {
        let limits = DailyLimits { disclosures: 20, identifier_searches: 10, reviews: 20 };
        let mut volumes = Volumes::new();
        volumes.entry(OfficialId::new(1)).or_default().insert(Watched::Disclosures, 16);
        volumes.entry(OfficialId::new(1)).or_default().insert(Watched::Reviews, 15);
        volumes.entry(OfficialId::new(2)).or_default().insert(Watched::FailedLogins, 4);
        let near = near_limits(&volumes, &limits, 0.8);
        assert_eq!(
            near,
            [(OfficialId::new(1), Watched::Disclosures, 16, 20), (OfficialId::new(2), Watched::FailedLogins, 4, 5)]
        );
        let off = DailyLimits { disclosures: 0, ..limits };
        assert!(near_limits(&volumes, &off, 0.8).iter().all(|n| n.1 != Watched::Disclosures), "0 switches it off");
    }
}
