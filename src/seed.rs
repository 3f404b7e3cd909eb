//! A realistic synthetic dataset for tests and benchmarks (`registry seed`).
//!
//! Accounts are spread round-robin over the given platforms, with the status
//! mix of a registry some weeks after launch: half `required`, a fifth
//! `verified`, a tenth `overdue`, a fifth `not_required`. Each gets its first
//! change-feed row. Seeded accounts have no claim codes and no identity
//! records (so `verified` ones cannot be disclosed): they exist to be read.

use crate::crypto::KeyRing;
use crate::db::schema::{accounts, status_changes};
use crate::db::{DbConnection, DbError, db_time, lock_feed, write_tx};
use crate::db_run;
use crate::domain::lifecycle::accepts_claim_code;
use crate::domain::{AccountStatus, Assurance, Payload, PlatformId, RegistryPolicy, StatusStatement};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

/// Rows per INSERT: under SQLite's 32,766 bound parameters at 16 columns.
const CHUNK: usize = 2000;

/// One synthetic account: the `n`-th of a run, with the status mix above.
struct Seeded {
    id: i64,
    platform_id: PlatformId,
    account_ref: String,
    status: AccountStatus,
    followers: i64,
    crossed_at: Option<DateTime<Utc>>,
}

fn seeded(n: i64, id_base: i64, platform_ids: &[PlatformId], policy: &RegistryPolicy, now: DateTime<Utc>) -> Seeded {
    let status = match n % 10 {
        0..=4 => AccountStatus::Required,
        5 | 6 => AccountStatus::Verified,
        7 => AccountStatus::Overdue,
        _ => AccountStatus::NotRequired,
    };
    let platforms = i64::try_from(platform_ids.len()).unwrap_or(1);
    let id = id_base + n + 1;
    Seeded {
        id,
        platform_id: platform_ids[usize::try_from(n % platforms).unwrap_or(0)],
        account_ref: format!("acct-{id:08}"),
        followers: if status == AccountStatus::NotRequired { (n * 7919) % 5000 } else { 5001 + (n * 7919) % 500_000 },
        crossed_at: match status {
            AccountStatus::Overdue => Some(now - policy.grace_period - TimeDelta::days(1 + n % 10)),
            AccountStatus::NotRequired => None,
            _ => Some(now - TimeDelta::seconds(n % 86_400)),
        },
        status,
    }
}

/// Inserts `count` accounts in one transaction; returns the number inserted.
pub fn seed_accounts(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    platform_ids: &[PlatformId],
    count: usize,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    if platform_ids.is_empty() || count == 0 {
        return Ok(0);
    }
    write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let id_base: i64 =
            accounts::table.select(diesel::dsl::max(accounts::id)).first::<Option<i64>>(&mut **conn)?.unwrap_or(0);
        let now_db = db_time(now);
        for start in (0..count).step_by(CHUNK) {
            let end = (start + CHUNK).min(count);
            let mut account_rows = Vec::with_capacity(end - start);
            let mut change_rows = Vec::with_capacity(end - start);
            for i in start..end {
                let n = i64::try_from(i).unwrap_or(i64::MAX);
                let a = seeded(n, id_base, platform_ids, policy, now);
                let seq = conn.next_seq()?;
                let assurance = (a.status == AccountStatus::Verified).then_some(Assurance::Declared);
                let deadline = a.crossed_at.map(|c| db_time(c + policy.grace_period));
                let statement = StatusStatement {
                    account_ref: a.account_ref.clone(),
                    assurance,
                    deadline: deadline.filter(|_| accepts_claim_code(a.status)).map(|t| t.and_utc()),
                    platform: conn.platform_slug(a.platform_id)?,
                    seq,
                    status: a.status,
                    status_changed_at: now_db.and_utc(),
                };
                let signature = conn.status_key().sign(&statement.payload()).to_vec();
                let kid = conn.status_key().kid().to_owned();
                let assurance = assurance.map(Assurance::as_str);
                account_rows.push((
                    accounts::id.eq(a.id),
                    accounts::platform_id.eq(a.platform_id),
                    accounts::account_ref.eq(a.account_ref.clone()),
                    accounts::handle.eq(format!("@creator{}", a.id)),
                    accounts::follower_count.eq(a.followers),
                    accounts::observed_at.eq(now_db),
                    accounts::status.eq(a.status.as_str()),
                    accounts::assurance.eq(assurance),
                    accounts::crossed_at.eq(a.crossed_at.map(db_time)),
                    accounts::deadline.eq(deadline),
                    accounts::status_changed_at.eq(now_db),
                    accounts::seq.eq(seq),
                    accounts::created_at.eq(now_db),
                    accounts::version.eq(conn.next_version()),
                    accounts::statement_key.eq(kid.clone()),
                    accounts::statement_signature.eq(signature.clone()),
                ));
                change_rows.push((
                    status_changes::seq.eq(seq),
                    status_changes::platform_id.eq(a.platform_id),
                    status_changes::account_id.eq(a.id),
                    status_changes::account_ref.eq(a.account_ref),
                    status_changes::status.eq(a.status.as_str()),
                    status_changes::assurance.eq(assurance),
                    status_changes::changed_at.eq(now_db),
                    status_changes::deadline.eq(statement.deadline.map(db_time)),
                    status_changes::statement_key.eq(kid),
                    status_changes::statement_signature.eq(signature),
                ));
            }
            let db: &mut DbConnection = conn;
            db_run!(db => diesel::insert_into(accounts::table).values(&account_rows).execute(db))?;
            db_run!(db => diesel::insert_into(status_changes::table).values(&change_rows).execute(db))?;
        }
        crate::db::move_sequences_past_inserted_ids(conn)?;
        Ok(count)
    })
}
