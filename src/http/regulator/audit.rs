//! `GET /api/v1/regulator/audit`: auditors page through the log. Each entry
//! comes with its stored hashes, so an auditor can recompute the chain with
//! the canonical form documented in `crate::audit`, and with its salt, so
//! they can tie it to the public commitment in the log's tiles.

use super::{Auditor, WithRole};
use crate::audit::Entry;
use crate::domain::Role;
use crate::http::error::ApiError;
use crate::http::error::ErrorResponse;
use crate::http::extract::Then;
use crate::http::{AppState, call};
use crate::services::audit_log::{self, AuditLogError};
use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use data_encoding::HEXLOWER;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct EntryView {
    seq: i64,
    occurred_at: DateTime<Utc>,
    actor: String,
    action: String,
    subject: String,
    #[schema(value_type = Object)]
    details: serde_json::Value,
    prev_hash: String,
    hash: String,
    /// The entry's private salt (hex): with it, `SHA-256(salt ‖ canonical entry)`
    /// is the commitment published as leaf `seq - 1` of the log's Merkle tree.
    /// `null` for an entry written before the tree existed that has not joined it yet.
    salt: Option<String>,
    /// The commitment (hex), as the public entry bundles hold it; `null` without a salt
    /// or when the stored entry no longer reads.
    commitment: Option<String>,
}

impl From<Entry> for EntryView {
    fn from(entry: Entry) -> Self {
        let commitment = entry.commitment().map(|c| HEXLOWER.encode(&c));
        Self {
            salt: entry.salt.as_deref().map(|s| HEXLOWER.encode(s)),
            commitment,
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

#[derive(Serialize, ToSchema)]
pub(crate) struct AuditPage {
    entries: Vec<EntryView>,
    /// Pass as `after` to continue; equal to `after` when there is nothing new.
    next: i64,
}

/// An auditor pages through the log, each entry with its hashes.
#[utoipa::path(
    get,
    path = "/api/v1/regulator/audit",
    tag = "regulator",
    params(super::Cursor),
    responses(
        (status = 200, description = "Entries after `after`, oldest first", body = AuditPage),
        (status = 400, description = "Invalid or unknown query parameter", body = ErrorResponse),
        (status = 403, description = "Without the auditor role", body = ErrorResponse),
    )
)]
pub(crate) async fn list(
    Then(auth, query): Then<WithRole<Auditor>, web::Query<super::Cursor>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let super::Cursor { after, limit } = query.into_inner();
    let entries =
        call(&state, move |conn| audit_log::page(conn, &auth.0, after, limit)).await?.map_err(|e| match e {
            AuditLogError::Forbidden => ApiError::Forbidden(Role::Auditor.refusal()),
            AuditLogError::Invalid(e) => super::invalid_page(e),
            AuditLogError::Db(e) => e.into(),
        })?;
    let next = entries.last().map_or(after, |e| e.seq);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AuditPage { entries: entries.into_iter().map(EntryView::from).collect(), next }))
}
