//! Access requests by officials (DESIGN §7).

use crate::db::schema::access_requests;
use crate::db::{DbConnection, DbError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Every request's filing time, legal basis and state, for the transparency
/// report. Requests are few (officials file them), so they are grouped in Rust
/// rather than with backend-specific date functions.
pub fn basis_and_state(conn: &mut DbConnection) -> Result<Vec<(NaiveDateTime, String, String)>, DbError> {
    Ok(access_requests::table
        .select((access_requests::created_at, access_requests::legal_basis, access_requests::state))
        .load(conn)?)
}
