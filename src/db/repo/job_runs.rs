//! Which node runs a background job this interval: the one whose
//! conditional update of the job's row succeeds. Row locks (PostgreSQL) or
//! the single writer (SQLite) make exactly one of racing nodes win.

use crate::db::schema::job_runs;
use crate::db::{DbConnection, DbError, database_now, db_time, write_tx};
use chrono::{DateTime, TimeDelta};
use diesel::prelude::*;

/// The jobs that run once per interval across the cluster. Mail delivery
/// (leased per message) and the officials' watch (each node's own login
/// counts) run on every node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Transitions,
    Checkpoints,
    Retention,
    Rewrap,
    StatusHeads,
}

impl Job {
    pub fn as_str(self) -> &'static str {
        match self {
            Job::Transitions => "transitions",
            Job::Checkpoints => "checkpoints",
            Job::Retention => "retention",
            Job::Rewrap => "rewrap",
            Job::StatusHeads => "status_heads",
        }
    }
}

/// Takes this interval's run of `job` if no node started it within the last
/// nine tenths of `interval` (the tenth absorbs the jitter of one node's
/// ticks, so the node that runs a job keeps it), by the database's clock.
/// Returns whether this caller runs it now.
pub fn claim(conn: &mut DbConnection, job: Job, interval: TimeDelta) -> Result<bool, DbError> {
    write_tx(conn, |conn| {
        let now = database_now(conn)?;
        let started_before = db_time(now - interval * 9 / 10);
        let never = (job_runs::job.eq(job.as_str()), job_runs::started_at.eq(db_time(DateTime::UNIX_EPOCH)));
        crate::db_run!(conn => diesel::insert_into(job_runs::table).values(never).on_conflict_do_nothing().execute(conn))?;
        let won = diesel::update(job_runs::table.find(job.as_str()).filter(job_runs::started_at.le(started_before)))
            .set(job_runs::started_at.eq(db_time(now)))
            .execute(conn)?;
        Ok(won == 1)
    })
}
