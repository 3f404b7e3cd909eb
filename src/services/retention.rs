//! Retention (DESIGN §4): identity data the law no longer needs is
//! crypto-shredded. An identity is due once every account ever linked to it
//! left the registry (the owner withdrew it, or it dropped to `not_required`)
//! more than the retention period ago. Accounts keep their status history.
//!
//! A query finds candidates; the rule (`domain::retention`) decides for
//! each in its own transaction, under the change-feed lock, so a run can stop at any
//! point and several can run at once: each identity is shredded, and logged,
//! exactly once. The record's address is told, in a final message that
//! outlives the data (it is sealed under the master key); every other unsent
//! message about the record is dropped.

use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::KeyRing;
use crate::db::repo::{accounts, identities, outbox, owner_sessions, owner_tokens};
use crate::db::{DbConnection, DbError, lock_feed, write_tx};
use crate::domain::{ContactEmail, IdentityId, RegistryPolicy};
use crate::i18n::Lang;
use crate::mail::{self, Mail, MailKind};
use chrono::{DateTime, TimeDelta, Utc};

/// Identities looked at per query.
const BATCH: i64 = 200;

/// Shreds every identity due at `now`; returns how many this run shredded.
pub fn run(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    let cutoff = now - policy.retention;
    let (mut after, mut shredded) = (IdentityId::new(0), 0);
    loop {
        let due = identities::due_for_shredding(conn, cutoff, after, BATCH)?;
        let Some(&last) = due.last() else {
            if shredded > 0 {
                crate::db::forget_shredded(conn)?;
            }
            return Ok(shredded);
        };
        for id in due {
            shredded += usize::from(shred_if_due(conn, keys, policy, id, now)?);
        }
        after = last;
    }
}

/// How long ended owner sessions and spent or expired owner tokens are kept
/// (for looking into an incident), before they are deleted.
const KEEP_SPENT: TimeDelta = TimeDelta::days(30);

/// How long webhook deliveries that ended (delivered or given up) stay
/// listed to their platform, before they are deleted.
const KEEP_DELIVERIES: TimeDelta = TimeDelta::days(30);

/// Deletes owner sessions and tokens spent or expired more than [`KEEP_SPENT`]
/// ago, and webhook deliveries that ended more than [`KEEP_DELIVERIES`] ago.
pub fn prune(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        Ok(owner_sessions::prune(conn, now - KEEP_SPENT)?
            + owner_tokens::prune(conn, now - KEEP_SPENT)?
            + crate::db::repo::webhooks::prune(conn, now - KEEP_DELIVERIES)?)
    })
}

/// The record's former address and language, for a last notice.
pub(super) type FormerAddress = Option<(ContactEmail, Lang)>;

/// Crypto-shreds a record now, with the unsent mail about it and its mailed
/// proofs; `None` if it already was. The caller ends its links and calls
/// [`crate::db::forget_shredded`] once its transaction is over.
pub(super) fn shred_record(
    conn: &mut DbConnection,
    keys: &KeyRing,
    id: IdentityId,
    now: DateTime<Utc>,
) -> Result<Option<FormerAddress>, DbError> {
    // Read before the data key goes: a last notice is sealed under the master key.
    let address = super::contact::address_of(conn, keys, id)?;
    if !identities::shred(conn, id, now)? {
        return Ok(None);
    }
    outbox::drop_unsent_about(conn, id, now)?;
    owner_tokens::end_all(conn, id, now)?;
    Ok(Some(address))
}

/// Shreds the identity if the rule says so now; false if it is back in use
/// or another run shredded it first.
fn shred_if_due(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    id: IdentityId,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    write_tx(conn, |conn| {
        // Every status change and every new link takes this lock, so the
        // answer below holds until the transaction ends.
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let due = policy.shred_due_at(&identities::retention_links(conn, id)?);
        if due.is_none_or(|at| at > now) {
            return Ok(false); // back in use meanwhile
        }
        let released = accounts::linked_to_identity(conn, id)?;
        let Some(address) = shred_record(conn, keys, id, now)? else { return Ok(false) };
        if let Some((to, lang)) = address {
            let notice = Mail::new(MailKind::DataDeleted, &to, lang).date("date", now).once(format!("deleted:{id}"));
            mail::queue(conn, keys, &notice, now)?;
        }
        for row in &released {
            super::accounts::save_outcome(conn, row, &policy.release_identity(&row.state(), now))?;
        }
        let details = serde_json::json!({
            "reason": "retention",
            "retention_seconds": policy.retention.num_seconds(),
            "accounts_released": released.len(),
        });
        let event = AuditEvent::new(Actor::System, AuditAction::IdentityShredded, AuditSubject::Identity(id), details);
        audit::append(conn, &event, now)?;
        Ok(true)
    })
}
