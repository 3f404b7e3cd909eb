//! A realistic synthetic dataset for tests and benchmarks (`registry seed`).
//!
//! Accounts are spread round-robin over the given platforms, with the status
//! mix of a registry some weeks after launch: half `required`, a fifth
//! `verified`, a tenth `overdue`, a fifth `not_required`. Each gets its first
//! change-feed row. Seeded accounts have no claim codes and no identity
//! records (so `verified` ones cannot be disclosed): they exist to be read.

use crate::db::schema::{accounts, status_changes};
use crate::db::{DbConnection, DbError, db_time, lock_feed, write_tx};
use crate::db_run;
use crate::domain::{AccountStatus, Assurance, PlatformId, RegistryPolicy};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

/// Rows per INSERT: under SQLite's 32,766 bound parameters at 14 columns.
const CHUNK: usize = 2000;

fn status_of(i: i64) -> AccountStatus {
    match i % 10 {
        0..=4 => AccountStatus::Required,
        5 | 6 => AccountStatus::Verified,
        7 => AccountStatus::Overdue,
        _ => AccountStatus::NotRequired,
    }
}

/// Inserts `count` accounts in one transaction; returns the number inserted.
pub fn seed_accounts(
    conn: &mut DbConnection,
    policy: &RegistryPolicy,
    platform_ids: &[PlatformId],
    count: usize,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    if platform_ids.is_empty() || count == 0 {
        return Ok(0);
    }
    write_tx(conn, |conn| {
        lock_feed(conn)?;
        let id_base: i64 =
            accounts::table.select(diesel::dsl::max(accounts::id)).first::<Option<i64>>(conn)?.unwrap_or(0);
        let seq_base: i64 = status_changes::table
            .select(diesel::dsl::max(status_changes::seq))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0);
        let now_db = db_time(now);
        let platforms = i64::try_from(platform_ids.len()).unwrap_or(1);
        for start in (0..count).step_by(CHUNK) {
            let end = (start + CHUNK).min(count);
            let mut account_rows = Vec::with_capacity(end - start);
            let mut change_rows = Vec::with_capacity(end - start);
            for i in start..end {
                let n = i64::try_from(i).unwrap_or(i64::MAX);
                let (id, seq) = (id_base + n + 1, seq_base + n + 1);
                let platform_id = platform_ids[usize::try_from(n % platforms).unwrap_or(0)];
                let status = status_of(n);
                let over = status != AccountStatus::NotRequired;
                let followers = if over { 5001 + (n * 7919) % 500_000 } else { (n * 7919) % 5000 };
                let crossed_at = match status {
                    AccountStatus::Overdue => Some(now - policy.grace_period - TimeDelta::days(1 + n % 10)),
                    AccountStatus::NotRequired => None,
                    _ => Some(now - TimeDelta::seconds(n % 86_400)),
                };
                let deadline = crossed_at.map(|c| db_time(c + policy.grace_period));
                let assurance = (status == AccountStatus::Verified).then_some(Assurance::Declared.as_str());
                let account_ref = format!("acct-{id:08}");
                account_rows.push((
                    accounts::id.eq(id),
                    accounts::platform_id.eq(platform_id),
                    accounts::account_ref.eq(account_ref.clone()),
                    accounts::handle.eq(format!("@creator{id}")),
                    accounts::follower_count.eq(followers),
                    accounts::observed_at.eq(now_db),
                    accounts::status.eq(status.as_str()),
                    accounts::assurance.eq(assurance),
                    accounts::crossed_at.eq(crossed_at.map(db_time)),
                    accounts::deadline.eq(deadline),
                    accounts::status_changed_at.eq(now_db),
                    accounts::seq.eq(seq),
                    accounts::created_at.eq(now_db),
                ));
                change_rows.push((
                    status_changes::seq.eq(seq),
                    status_changes::platform_id.eq(platform_id),
                    status_changes::account_id.eq(id),
                    status_changes::account_ref.eq(account_ref),
                    status_changes::status.eq(status.as_str()),
                    status_changes::assurance.eq(assurance),
                    status_changes::changed_at.eq(now_db),
                ));
            }
            db_run!(conn => diesel::insert_into(accounts::table).values(&account_rows).execute(conn))?;
            db_run!(conn => diesel::insert_into(status_changes::table).values(&change_rows).execute(conn))?;
        }
        crate::db::move_sequences_past_inserted_ids(conn)?;
        Ok(count)
    })
}
