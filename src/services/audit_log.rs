//! What auditors do: read the audit log, page by page, with the stored
//! hashes they need to recompute the chain (`crate::audit` documents how).

use super::officials::Official;
use crate::audit::{self, Entry};
use crate::db::{DbConnection, DbError};
use crate::domain::{Page, PageBounds, PageError, Role};

/// Entries per read: 100 unless asked, at most 1,000.
pub const PAGE_BOUNDS: PageBounds = PageBounds { default_limit: 100, max_limit: 1000 };

#[derive(Debug, thiserror::Error)]
pub enum AuditLogError {
    #[error("reading the audit log needs the auditor role")]
    Forbidden,
    #[error(transparent)]
    Invalid(#[from] PageError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Up to `limit` entries after the entry `after`, oldest first; auditors only.
pub fn page(
    conn: &mut DbConnection,
    official: &Official,
    after: i64,
    limit: Option<i64>,
) -> Result<Vec<Entry>, AuditLogError> {
    if !official.roles.contains(Role::Auditor) {
        return Err(AuditLogError::Forbidden);
    }
    let page = Page::parse(after, limit, PAGE_BOUNDS)?;
    Ok(audit::page(conn, page.after, page.limit)?)
}
