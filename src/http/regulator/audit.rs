//! `GET /api/v1/regulator/audit`: auditors page through the log. Each entry
//! comes with its stored hashes, so an auditor can recompute the chain with
//! the canonical form documented in `crate::audit`.

use super::OfficialAuth;
use crate::audit;
use crate::domain::Role;
use crate::http::error::ApiError;
use crate::http::{AppState, with_conn};
use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use data_encoding::HEXLOWER;
use serde::Serialize;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Serialize)]
struct EntryView {
    seq: i64,
    occurred_at: DateTime<Utc>,
    actor: String,
    action: String,
    subject: String,
    details: serde_json::Value,
    prev_hash: String,
    hash: String,
}

impl From<audit::Entry> for EntryView {
    fn from(entry: audit::Entry) -> Self {
        Self {
            seq: entry.seq,
            occurred_at: entry.occurred_at.and_utc(),
            // Stored details that no longer parse were tampered with: show them as they are.
            details: serde_json::from_str(&entry.details).unwrap_or(serde_json::Value::String(entry.details)),
            actor: entry.actor,
            action: entry.action,
            subject: entry.subject,
            prev_hash: HEXLOWER.encode(&entry.prev_hash),
            hash: HEXLOWER.encode(&entry.hash),
        }
    }
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<EntryView>,
    /// Pass as `after` to continue; equal to `after` when there is nothing new.
    next: i64,
}

/// `GET /api/v1/regulator/audit?after=&limit=` (auditor role).
pub(super) async fn list(
    auth: OfficialAuth,
    state: web::Data<AppState>,
    query: web::Query<super::Cursor>,
) -> Result<HttpResponse, ApiError> {
    if !auth.0.roles.contains(Role::Auditor) {
        return Err(ApiError::Forbidden("reading the audit log needs the auditor role"));
    }
    let (after, limit) = query.into_inner().parse(DEFAULT_LIMIT, MAX_LIMIT)?;
    let entries = with_conn(&state.pool, move |conn| Ok(audit::page(conn, after, limit)?)).await?;
    let next = entries.last().map_or(after, |e| e.seq);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AuditPage { entries: entries.into_iter().map(EntryView::from).collect(), next }))
}
