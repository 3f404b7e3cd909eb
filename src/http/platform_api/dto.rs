//! The JSON shapes of the platform API (DESIGN §5), and their parsing into
//! domain values. Field names and status codes here are the contract.

use crate::domain::{AccountRef, AccountStatus, Assurance, FollowerCount, Handle};
use crate::http::error::ApiError;
use crate::http::schemas::HandleText;
use crate::services::accounts::{Change, Report, ReportResult, StatusView};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::statement::rfc3339;

/// The most accounts one report or batch call may carry.
pub const MAX_BATCH: usize = 1000;
pub const MAX_CHANGES_LIMIT: i64 = 10_000;
pub const DEFAULT_CHANGES_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// 1 to 1,000 accounts. A ref named twice counts once, by its newest
    /// observation (the later entry on a tie); each entry gets its result.
    #[schema(min_items = 1, max_items = 1000)]
    pub accounts: Vec<ReportedAccount>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedAccount {
    #[schema(value_type = AccountRef)]
    pub account_ref: String,
    #[schema(value_type = HandleText)]
    pub handle: String,
    /// Signed, so that a negative count gets a precise message rather than a
    /// type error. JSON's `7300.0` is the integer 7300, as the schema says.
    #[schema(minimum = 0, maximum = 9_223_372_036_854_775_807_i64)]
    #[serde(deserialize_with = "whole_number")]
    pub follower_count: i64,
    /// When the platform observed the count (default: now). An older report never overwrites a newer one.
    #[serde(default)]
    pub observed_at: Option<DateTime<Utc>>,
}

/// 2^63: every whole float below it in size is an `i64`.
const I64_BOUND: f64 = 9_223_372_036_854_775_808.0;

/// An integer written as JSON writes numbers: `7300` or `7300.0`.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(d)?;
    let whole = number
        .as_i64()
        .or_else(|| number.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < I64_BOUND).map(|f| f as i64));
    whole.ok_or_else(|| {
        serde::de::Error::invalid_value(
            serde::de::Unexpected::Other("a fraction or a number out of range"),
            &"a whole number",
        )
    })
}

fn check_batch_size(len: usize, field: &str) -> Result<(), ApiError> {
    if len == 0 || len > MAX_BATCH {
        return Err(ApiError::invalid_field(field, format_args!("must hold 1 to {MAX_BATCH} items (got {len})")));
    }
    Ok(())
}

fn parse_ref(path: impl std::fmt::Display, input: &str) -> Result<AccountRef, ApiError> {
    AccountRef::parse(input).map_err(|e| ApiError::invalid_field(path, e))
}

impl ReportRequest {
    pub fn parse(self) -> Result<Vec<Report>, ApiError> {
        check_batch_size(self.accounts.len(), "accounts")?;
        self.accounts
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let account_ref = parse_ref(format_args!("accounts[{i}].account_ref"), &a.account_ref)?;
                Ok(Report {
                    account_ref,
                    handle: Handle::parse(&a.handle)
                        .map_err(|e| ApiError::invalid_field(format_args!("accounts[{i}].handle"), e))?,
                    follower_count: FollowerCount::parse(a.follower_count)
                        .map_err(|e| ApiError::invalid_field(format_args!("accounts[{i}].follower_count"), e))?,
                    observed_at: a.observed_at,
                })
            })
            .collect()
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportResponse {
    pub results: Vec<ReportResultDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportResultDto {
    pub account_ref: String,
    pub status: AccountStatus,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub deadline: Option<DateTime<Utc>>,
    /// Present only when this report issued a new code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_code: Option<String>,
}

impl From<ReportResult> for ReportResultDto {
    fn from(r: ReportResult) -> Self {
        Self {
            account_ref: r.account_ref.into(),
            status: r.status,
            deadline: r.deadline,
            claim_code: r.claim_code.map(|c| c.display_form()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusDto {
    pub account_ref: String,
    pub handle: String,
    pub status: AccountStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assurance: Option<Assurance>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub deadline: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339::serialize")]
    pub status_changed_at: DateTime<Utc>,
    pub seq: i64,
    /// The registry's signature of the fields above but the handle, with the
    /// platform's slug, as a statement (docs/STATEMENTS.md): a detached compact
    /// JWS (EdDSA), checked with `/.well-known/registry-keys.json`. Keep the
    /// answer as proof of what the registry said.
    #[schema(example = "eyJhbGciOiJFZERTQSIsImtpZCI6Imt…In0..hgyY0il_MGCjP0JzlnLWG1PPOt7…")]
    #[cfg_attr(feature = "unsigned-reads", serde(skip))]
    pub signature: String,
}

impl From<StatusView> for StatusDto {
    fn from(v: StatusView) -> Self {
        Self {
            account_ref: v.account_ref.into(),
            handle: v.handle.into(),
            status: v.status,
            assurance: v.assurance,
            deadline: v.deadline,
            status_changed_at: v.status_changed_at,
            seq: v.seq,
            signature: v.signature,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 1,000 account refs.
    #[schema(value_type = Vec<AccountRef>, min_items = 1, max_items = 1000)]
    pub account_refs: Vec<String>,
}

impl BatchRequest {
    pub fn parse(self) -> Result<Vec<AccountRef>, ApiError> {
        check_batch_size(self.account_refs.len(), "account_refs")?;
        self.account_refs.iter().enumerate().map(|(i, r)| parse_ref(format_args!("account_refs[{i}]"), r)).collect()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    pub statuses: Vec<StatusDto>,
    pub unknown: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Return changes with `seq` greater than this (0 for the beginning).
    #[serde(default)]
    #[param(minimum = 0, default = 0)]
    pub after: i64,
    /// At most this many changes (1–10,000).
    #[serde(default = "default_changes_limit")]
    #[param(minimum = 1, maximum = 10000, default = 1000)]
    pub limit: i64,
}

fn default_changes_limit() -> i64 {
    DEFAULT_CHANGES_LIMIT
}

impl ChangesQuery {
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.after < 0 {
            return Err(ApiError::invalid_field("after", "must not be negative"));
        }
        if !(1..=MAX_CHANGES_LIMIT).contains(&self.limit) {
            return Err(ApiError::invalid_field("limit", format_args!("must be 1 to {MAX_CHANGES_LIMIT}")));
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    pub account_ref: String,
    pub status: AccountStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assurance: Option<Assurance>,
    pub seq: i64,
    #[serde(serialize_with = "rfc3339::serialize")]
    pub changed_at: DateTime<Utc>,
    /// For a `required` or `overdue` account, when its owner had to identify.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "rfc3339::option::serialize")]
    pub deadline: Option<DateTime<Utc>>,
    /// The registry's signature of the change as a statement, as for a status
    /// read (its `status_changed_at` is `changed_at`).
    #[cfg_attr(feature = "unsigned-reads", serde(skip))]
    pub signature: String,
}

impl From<Change> for ChangeDto {
    fn from(Change { row, signature }: Change) -> Self {
        Self {
            status: row.status,
            assurance: row.assurance,
            seq: row.seq,
            changed_at: row.changed_at.and_utc(),
            deadline: row.deadline.map(|t| t.and_utc()),
            account_ref: row.account_ref.into(),
            signature,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesResponse {
    pub changes: Vec<ChangeDto>,
    /// Pass as `after` to continue; equal to `after` when there is nothing new.
    pub next: i64,
}

/// A platform's newest change at a moment, signed.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadDto {
    pub platform: String,
    /// The platform's newest change (0 before any).
    pub seq: i64,
    #[serde(serialize_with = "rfc3339::serialize")]
    pub issued_at: DateTime<Utc>,
    /// The registry's signature of the three fields above (a detached compact JWS).
    pub signature: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClaimCodeResponse {
    pub claim_code: String,
    #[serde(serialize_with = "rfc3339::serialize")]
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(json: &str) -> Result<i64, serde_json::Error> {
        let body = format!(r#"{{"account_ref":"x","handle":"x","follower_count":{json}}}"#);
        serde_json::from_str::<ReportedAccount>(&body).map(|a| a.follower_count)
    }

    #[test]
    fn a_follower_count_written_with_a_zero_fraction_is_that_whole_number() {
        assert_eq!(count("7300").unwrap(), 7300);
        assert_eq!(count("7300.0").unwrap(), 7300);
        // Found by the schema fuzz: without exact float parsing this came out as …573.5.
        assert_eq!(count("4159403149697574.0").unwrap(), 4_159_403_149_697_574);
        assert!(count("7300.5").is_err());
        assert!(count("1e300").is_err());
    }
}
