//! `GET /api/v1/transparency`: the public report as JSON, and the cache the
//! `/transparency` page shares.

use super::AppState;
use super::error::ApiError;
use crate::domain::{LegalBasis, RequestState};
use crate::services::transparency::{self, Report};
use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use data_encoding::HEXLOWER;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// How long a report is reused: it is public, counting a large registry takes
/// tens of milliseconds, and each new report may sign a checkpoint.
const REPORT_TTL: Duration = Duration::from_secs(60);

/// The most recent report and when it was computed.
#[derive(Default)]
pub struct ReportCache {
    latest: Mutex<Option<(Instant, Arc<Report>)>>,
    /// Held while a report is computed: readers who miss the cache together
    /// wait for one computation instead of each counting (and each signing
    /// in a write transaction that holds the appenders off).
    computing: Mutex<()>,
}

impl ReportCache {
    fn fresh(&self) -> Option<Arc<Report>> {
        let cached = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        cached.as_ref().filter(|(at, _)| at.elapsed() < REPORT_TTL).map(|(_, report)| report.clone())
    }

    /// A fresh report: the one computed while this caller waited its turn,
    /// or a new one. Blocks; waiters hold no database connection.
    fn refresh(&self, compute: impl FnOnce() -> Result<Report, ApiError>) -> Result<Arc<Report>, ApiError> {
        let _one_at_a_time = self.computing.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(report) = self.fresh() {
            return Ok(report);
        }
        let report = Arc::new(compute()?);
        *self.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), report.clone()));
        Ok(report)
    }
}

/// The report, at most [`REPORT_TTL`] old.
pub async fn current(state: &web::Data<AppState>) -> Result<Arc<Report>, ApiError> {
    if let Some(report) = state.report_cache.fresh() {
        return Ok(report);
    }
    let state = state.clone();
    // A full count: on the blocking pool, never on a worker thread.
    web::block(move || {
        state.report_cache.refresh(|| {
            let mut conn = state.pool.get().map_err(crate::db::DbError::from)?;
            let key = state.keys.audit_signing_key();
            Ok(transparency::compute(&mut conn, &key, &state.settings.witnesses, crate::db::now())?)
        })
    })
    .await
    .map_err(ApiError::internal)?
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RequestCountView<'a> {
    /// `YYYY-MM`.
    month: &'a str,
    legal_basis: LegalBasis,
    outcome: RequestState,
    count: i64,
}

/// The signed audit checkpoint the counts were taken at (hex).
#[derive(Serialize, ToSchema)]
pub(crate) struct CheckpointView {
    seq: i64,
    hash: String,
    signed_at: DateTime<Utc>,
    public_key: String,
    signature: String,
}

/// The published head of the audit log's Merkle tree (C2SP tlog-checkpoint),
/// as `GET /log/checkpoint` serves it.
#[derive(Serialize, ToSchema)]
pub(crate) struct LogView {
    /// Entries in the tree.
    pub(crate) size: u64,
    /// The root hash, base64.
    pub(crate) root: String,
    pub(crate) signed_at: DateTime<Utc>,
    /// The log's public key in signed-note form (`origin+id+base64`).
    pub(crate) key: String,
    /// The witnesses that cosigned it, by name.
    pub(crate) cosigned_by: Vec<String>,
    /// How many witnesses are configured.
    pub(crate) witnesses: usize,
    /// The signed note, cosignatures included.
    pub(crate) checkpoint: String,
}

impl LogView {
    pub(crate) fn of(state: &AppState, published: &crate::audit::witnesses::Published) -> Self {
        let key = crate::audit::note::LogKey::new(state.settings.log_origin.clone(), state.keys.audit_signing_key());
        Self {
            size: published.head.size,
            root: published.head.root.to_string(),
            signed_at: published.head.signed_at.and_utc(),
            key: key.verifier_key(),
            cosigned_by: published.cosigned_by.clone(),
            witnesses: state.settings.witnesses.witnesses.len(),
            checkpoint: published.note.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ReportView<'a> {
    computed_at: DateTime<Utc>,
    /// Accounts by status, and `total`.
    #[schema(value_type = BTreeMap<String, i64>)]
    accounts: serde_json::Map<String, serde_json::Value>,
    requests: Vec<RequestCountView<'a>>,
    median_seconds_to_decision: Option<i64>,
    checkpoint: Option<CheckpointView>,
    /// `null` before the first tree head is published.
    log: Option<LogView>,
}

/// The public transparency report: counts only, refreshed every minute.
#[utoipa::path(
    get,
    path = "/api/v1/transparency",
    tag = "public",
    security(()),
    responses((status = 200, description = "The report", body = ReportView)),
)]
pub async fn report(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let report = current(&state).await?;
    let mut accounts: serde_json::Map<_, _> =
        report.accounts.iter().map(|(status, n)| (status.as_str().to_owned(), (*n).into())).collect();
    accounts.insert("total".into(), report.accounts.iter().map(|(_, n)| n).sum::<i64>().into());
    let view = ReportView {
        computed_at: report.computed_at,
        accounts,
        requests: report
            .requests
            .iter()
            .map(|r| RequestCountView {
                month: &r.month,
                legal_basis: r.legal_basis,
                outcome: r.outcome,
                count: r.count,
            })
            .collect(),
        median_seconds_to_decision: report.median_time_to_decision.map(|d| d.num_seconds()),
        checkpoint: report.checkpoint.as_ref().map(|c| CheckpointView {
            seq: c.seq,
            hash: HEXLOWER.encode(&c.hash),
            signed_at: c.signed_at.and_utc(),
            public_key: HEXLOWER.encode(&c.public_key),
            signature: HEXLOWER.encode(&c.signature),
        }),
        log: report.published.as_ref().map(|p| LogView::of(&state, p)),
    };
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "public, max-age=60")).json(view))
}
