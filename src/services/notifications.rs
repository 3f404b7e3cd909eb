//! Time-driven mail to owners, each at most once per event (the outbox's
//! event keys): the deadline of an account whose identification they
//! started but did not finish (7 days and 1 day before, and once overdue),
//! a disclosure that became visible to them, and the date their data will
//! be deleted. The notice that the data was deleted goes with the shredding
//! itself (`retention`). Runs in `serve`'s retention job.

use crate::crypto::KeyRing;
use crate::db::repo::access_requests::{self, Untold};
use crate::db::repo::pending::{self, Unfinished};
use crate::db::repo::{identities, outbox};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::{AccountStatus, IdentityId, RegistryPolicy};
use crate::mail::{self, Mail, MailKind};
use chrono::{DateTime, TimeDelta, Utc};

/// Disclosures and identities looked at per query.
const BATCH: i64 = 200;

/// What one run queued.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    pub reminders: usize,
    pub disclosures: usize,
    pub deletions: usize,
}

/// Queues every notice due at `now` that was not queued before.
pub fn run(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<Queued, DbError> {
    Ok(Queued {
        reminders: remind_deadlines(conn, keys, now)?,
        disclosures: tell_disclosures(conn, keys, now)?,
        deletions: announce_deletions(conn, keys, policy, now)?,
    })
}

/// Reminds owners who started an identification and did not finish it, at
/// the address they typed; drops what no account needs any more.
fn remind_deadlines(conn: &mut DbConnection, keys: &KeyRing, now: DateTime<Utc>) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        pending::delete_settled(conn)?;
        let mut queued = 0;
        for unfinished in pending::unfinished(conn, now + TimeDelta::days(7))? {
            let Some(deadline) = unfinished.deadline.map(|d| d.and_utc()) else { continue };
            let (kind, event) = match unfinished.status {
                AccountStatus::Overdue => (MailKind::Overdue, "overdue"),
                _ if deadline - now <= TimeDelta::days(1) => (MailKind::DeadlineSoon, "deadline-1d"),
                _ => (MailKind::DeadlineSoon, "deadline-7d"),
            };
            let once = format!("{event}:{}:{}", unfinished.pending.account_id, deadline.format("%Y-%m-%d"));
            if outbox::queued_before(conn, &once)? {
                continue;
            }
            queued += usize::from(remind(conn, keys, &unfinished, kind, deadline, once, now)?);
        }
        Ok(queued)
    })
}

fn remind(
    conn: &mut DbConnection,
    keys: &KeyRing,
    unfinished: &Unfinished,
    kind: MailKind,
    deadline: DateTime<Utc>,
    once: String,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let Some(to) = super::identification::typed_address(&unfinished.pending, keys)? else { return Ok(false) };
    let reminder = Mail::new(kind, &to, unfinished.pending.lang)
        .value("handle", unfinished.handle.as_str())
        .value("platform", unfinished.platform.clone())
        .date("date", deadline)
        .value("link", "/claim")
        .once(once);
    mail::queue(conn, keys, &reminder, now)
}

/// Tells owners of disclosures whose deferral has passed: the authority, the
/// legal basis and the date, nothing of what was disclosed.
fn tell_disclosures(conn: &mut DbConnection, keys: &KeyRing, now: DateTime<Utc>) -> Result<usize, DbError> {
    let mut told = 0;
    loop {
        let batch = access_requests::untold_disclosures(conn, now, BATCH)?;
        if batch.is_empty() {
            return Ok(told);
        }
        for untold in &batch {
            told += usize::from(write_tx(conn, |conn| tell(conn, keys, untold, now))?);
        }
    }
}

fn tell(conn: &mut DbConnection, keys: &KeyRing, untold: &Untold, now: DateTime<Utc>) -> Result<bool, DbError> {
    access_requests::mark_owner_told(conn, untold.request_id, now)?;
    let Some((to, lang)) = super::contact::address_of(conn, keys, untold.identity_id)? else { return Ok(false) };
    let notice = Mail::new(MailKind::DisclosureVisible, &to, lang)
        .value("authority", untold.authority.map_or("other", |a| a.as_str()))
        .value("basis", untold.legal_basis.as_str())
        .date("date", untold.opened_at.and_utc())
        .value("link", "/my")
        .about(untold.identity_id)
        .once(format!("disclosure:{}", untold.request_id));
    mail::queue(conn, keys, &notice, now)
}

/// Tells owners whose accounts all left the registry the date their data
/// will be deleted (again if it moves, when an account came back and left).
fn announce_deletions(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    let (mut after, mut announced) = (IdentityId::new(0), 0);
    loop {
        // Due by `now + retention`: every record no account needs any more.
        let leaving = identities::due_for_shredding(conn, now, after, BATCH)?;
        let Some(&last) = leaving.last() else { return Ok(announced) };
        for id in leaving {
            let Some(due) = policy.shred_due_at(&identities::retention_links(conn, id)?) else { continue };
            let once = format!("deletion:{id}:{}", due.format("%Y-%m-%d"));
            if outbox::queued_before(conn, &once)? {
                continue;
            }
            let Some((to, lang)) = super::contact::address_of(conn, keys, id)? else { continue };
            let notice = Mail::new(MailKind::DeletionScheduled, &to, lang)
                .date("date", due)
                .value("link", "/my")
                .about(id)
                .once(once);
            announced += usize::from(write_tx(conn, |conn| mail::queue(conn, keys, &notice, now))?);
        }
        after = last;
    }
}
