//! All SQL, one module per aggregate. Functions take `&mut DbConnection` so
//! the caller owns the transaction, and return `Result<_, DbError>`. Rows
//! come back as named structs of typed values (`db::columns`).

pub mod access_requests;
pub mod accounts;
pub mod identities;
pub mod job_runs;
pub mod officials;
pub mod outbox;
pub mod owner_sessions;
pub mod owner_tokens;
pub mod pending;
pub mod platforms;
pub mod review_checks;
pub mod sessions;
pub mod status_heads;
pub mod status_keys;
pub mod webhooks;

/// How many stored secrets one master key version seals.
#[derive(Debug, Clone, Copy, diesel::Queryable)]
pub struct KeyUse {
    /// The version, as the column stores it.
    pub key_id: i32,
    pub count: i64,
}
