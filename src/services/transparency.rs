//! The public transparency report (DESIGN §6–§8): aggregate counts only,
//! tied to a signed checkpoint of the audit log.
//!
//! Every change to an access request appends to the audit log in the same
//! transaction. The request counts are read in one write transaction that
//! holds the appenders off and signs the chain's head, so the checkpoint
//! named in the report covers exactly the requests counted.

use crate::audit::witnesses::{Published, WitnessPolicy, published};
use crate::audit::{self, checkpoint::Checkpoint};
use crate::db::repo::{access_requests, accounts};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{AccountStatus, LegalBasis, RequestState};
use chrono::{DateTime, TimeDelta, Utc};
use ed25519_dalek::SigningKey;
use std::collections::BTreeMap;

/// Requests filed in one month on one legal basis with one outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCount {
    /// `YYYY-MM` of filing (UTC).
    pub month: String,
    pub legal_basis: LegalBasis,
    /// As stored: pending, approved or denied.
    pub outcome: RequestState,
    pub count: i64,
}

#[derive(Debug, Clone)]
pub struct Report {
    /// Every status, in [`AccountStatus::ALL`] order, with its count.
    pub accounts: Vec<(AccountStatus, i64)>,
    /// Newest month first.
    pub requests: Vec<RequestCount>,
    /// Over all decided requests; `None` before the first decision.
    pub median_time_to_decision: Option<TimeDelta>,
    /// The signed head of the audit log the request counts were taken at;
    /// `None` while the log is empty.
    pub checkpoint: Option<Checkpoint>,
    /// The published head of the log's Merkle tree (cosigned by a quorum of
    /// the witnesses, when there are any); `None` before the first.
    pub published: Option<Published>,
    pub computed_at: DateTime<Utc>,
}

pub fn compute(
    conn: &mut DbConnection,
    key: &SigningKey,
    witnesses: &WitnessPolicy,
    now: DateTime<Utc>,
) -> Result<Report, DbError> {
    // Account statuses are not audit events: counted outside the transaction
    // so that a large registry does not hold the writers off.
    let by_status = accounts::count_by_status(conn)?;
    let accounts = AccountStatus::ALL
        .iter()
        .map(|status| {
            let count = by_status.iter().find(|c| c.status == *status).map_or(0, |c| c.accounts);
            (*status, count)
        })
        .collect();
    let (checkpoint, rows) = write_tx(conn, |conn| {
        crate::db::serialize_appenders(conn)?;
        let checkpoint = audit::checkpoint::sign_head(conn, key, now)?;
        Ok::<_, DbError>((checkpoint, access_requests::facts(conn)?))
    })?;
    // Keyed by the codes, so that a month's rows come in the order of their codes.
    let mut grouped: BTreeMap<(String, &str, &str), RequestCount> = BTreeMap::new();
    let mut decision_times = Vec::new();
    for request in rows {
        if let Some(decided_at) = request.decided_at {
            decision_times.push(decided_at - request.created_at);
        }
        let month = request.created_at.format("%Y-%m").to_string();
        grouped
            .entry((month.clone(), request.legal_basis.as_str(), request.state.as_str()))
            .or_insert(RequestCount { month, legal_basis: request.legal_basis, outcome: request.state, count: 0 })
            .count += 1;
    }
    let mut requests: Vec<RequestCount> = grouped.into_values().collect();
    requests.sort_by(|a, b| b.month.cmp(&a.month));
    Ok(Report {
        accounts,
        requests,
        median_time_to_decision: median(decision_times),
        checkpoint,
        published: published(conn, witnesses)?,
        computed_at: now,
    })
}

fn median(mut durations: Vec<TimeDelta>) -> Option<TimeDelta> {
    durations.sort();
    let middle = durations.len() / 2;
    match durations.len() {
        0 => None,
        n if n % 2 == 1 => Some(durations[middle]),
        _ => Some((durations[middle - 1] + durations[middle]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones() {
        let minutes = |ms: &[i64]| ms.iter().map(|m| TimeDelta::minutes(*m)).collect::<Vec<_>>();
        assert_eq!(median(vec![]), None);
        assert_eq!(median(minutes(&[30])), Some(TimeDelta::minutes(30)));
        assert_eq!(median(minutes(&[90, 10, 30])), Some(TimeDelta::minutes(30)));
        assert_eq!(median(minutes(&[40, 10, 20, 1000])), Some(TimeDelta::minutes(30)));
    }
}
