//! `/api/v1/regulator/requests`: file, read and decide access requests.

use super::{Approver, OfficialAuth, Requester, WithRole};
use crate::domain::access_request::{
    BasisDocument, NewAccessRequest, RequestError, Target, parse_fields, parse_justification,
};
use crate::domain::{
    AccountRef, Authority, Bin, CountryCode, DocumentNumber, Identifier, IdentifierType, Iin, LegalBasis, OfficialId,
    PlatformSlug, RequestId, RequestState,
};
use crate::http::error::ApiError;
use crate::http::error::ErrorResponse;
use crate::http::extract::Then;
use crate::http::schemas::{RequestedItem, requested_items};
use crate::http::{AppState, BlindIndexError, blind_index, call};
use crate::services::access::{self, AccessError, Disclosed, RequestRow, ShownIdentifier, Verdict};
use crate::services::officials::Official;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One account on a platform.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountTarget {
    /// The platform's slug.
    #[schema(min_length = 2, max_length = 32, pattern = "^[a-z][a-z0-9-]*$")]
    pub platform: String,
    #[schema(value_type = AccountRef)]
    pub account_ref: String,
}

/// Every account of one person or organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IdentifierTarget {
    #[schema(value_type = IdentifierType)]
    pub identifier_type: String,
    /// An IIN or BIN (12 digits with a valid check digit) or a foreign document's number.
    #[schema(min_length = 1, max_length = 64)]
    pub identifier: String,
    /// The document's issuing country (ISO 3166-1), for `document` only.
    #[serde(default)]
    #[schema(min_length = 2, max_length = 3)]
    pub country: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum TargetDto {
    Account(AccountTarget),
    Identifier(IdentifierTarget),
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BasisDocumentDto {
    #[schema(min_length = 1, max_length = 64)]
    pub number: String,
    /// Not in the future.
    #[schema(value_type = NaiveDate)]
    pub date: String,
    #[schema(min_length = 1, max_length = 200)]
    pub issuer: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileRequest {
    pub target: TargetDto,
    #[schema(value_type = LegalBasis)]
    pub legal_basis: String,
    /// The body asking, as the person is told of it; optional for clients written before it existed.
    #[serde(default)]
    #[schema(value_type = Option<Authority>)]
    pub authority: Option<String>,
    pub basis_document: BasisDocumentDto,
    /// Why the data is needed: 50 to 4,000 characters once trimmed, no control characters.
    #[schema(min_length = 50, max_length = 4000)]
    pub justification: String,
    #[schema(schema_with = requested_items)]
    pub fields: Vec<String>,
}

fn parse_target(target: TargetDto) -> Result<Target, RequestError> {
    let bad = |field: &'static str| RequestError { field, problem: "is not valid".into() };
    Ok(match target {
        TargetDto::Account(t) => Target::Account {
            platform: PlatformSlug::parse(&t.platform).map_err(|_| bad("target.platform"))?,
            account_ref: AccountRef::parse(&t.account_ref).map_err(|_| bad("target.account_ref"))?,
        },
        TargetDto::Identifier(t) => Target::Identifier(match t.identifier_type.parse::<IdentifierType>() {
            Ok(IdentifierType::Iin | IdentifierType::Bin) if t.country.is_some() => {
                return Err(bad("target.country"));
            }
            Ok(IdentifierType::Iin) => {
                Identifier::Iin(Iin::parse(&t.identifier).map_err(|_| bad("target.identifier"))?)
            }
            Ok(IdentifierType::Bin) => {
                Identifier::Bin(Bin::parse(&t.identifier).map_err(|_| bad("target.identifier"))?)
            }
            Ok(IdentifierType::Document) => Identifier::Document {
                country: CountryCode::parse(t.country.as_deref().unwrap_or("")).map_err(|_| bad("target.country"))?,
                number: DocumentNumber::parse(&t.identifier).map_err(|_| bad("target.identifier"))?,
            },
            Err(_) => {
                return Err(RequestError {
                    field: "target.identifier_type",
                    problem: "must be iin, bin or document".into(),
                });
            }
        }),
    })
}

impl FileRequest {
    /// The request as the domain checks it; the error names the first field at fault.
    pub(crate) fn parse(self, today: NaiveDate) -> Result<NewAccessRequest, RequestError> {
        self.parse_all(today).map_err(|mut errors| errors.remove(0))
    }

    /// The request as the domain checks it, or every part at fault (in the
    /// order of the form), for a page that names them all at once.
    pub(crate) fn parse_all(self, today: NaiveDate) -> Result<NewAccessRequest, Vec<RequestError>> {
        let target = parse_target(self.target);
        let legal_basis = self.legal_basis.parse::<LegalBasis>().map_err(|_| RequestError {
            field: "legal_basis",
            problem: "must be court_decision, criminal_investigation, prosecutor_request or administrative_case".into(),
        });
        let authority = self.authority.as_deref().map(str::parse::<Authority>).transpose().map_err(|_| RequestError {
            field: "authority",
            problem: format!(
                "must be one of {}",
                Authority::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
            ),
        });
        let basis_document = BasisDocument::parse(
            &self.basis_document.number,
            &self.basis_document.date,
            &self.basis_document.issuer,
            today,
        );
        let justification = parse_justification(&self.justification);
        let fields = parse_fields(&self.fields);
        match (target, legal_basis, authority, basis_document, justification, fields) {
            (Ok(target), Ok(legal_basis), Ok(authority), Ok(basis_document), Ok(justification), Ok(fields)) => {
                Ok(NewAccessRequest { target, legal_basis, authority, basis_document, justification, fields })
            }
            (target, legal_basis, authority, basis_document, justification, fields) => Err([
                target.err(),
                legal_basis.err(),
                authority.err(),
                basis_document.err(),
                justification.err(),
                fields.err(),
            ]
            .into_iter()
            .flatten()
            .collect()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct BasisDocumentView {
    number: String,
    date: NaiveDate,
    issuer: String,
}

/// Whose data a request is for, as officials see it.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum TargetView {
    Account {
        platform: String,
        account_ref: String,
    },
    /// `identifier` (and `country`) only for its requester and approvers.
    Identifier {
        /// Never null: the table's CHECK constraint makes a target one shape or the other.
        #[schema(required = true)]
        identifier_type: Option<IdentifierType>,
        #[serde(skip_serializing_if = "Option::is_none")]
        identifier: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        country: Option<String>,
    },
}

/// A request as the API shows it. An identifier target shows only its type,
/// except to its requester and approvers, who see the identifier (logged).
#[derive(Serialize, ToSchema)]
pub(crate) struct RequestView {
    #[schema(value_type = i64)]
    id: RequestId,
    state: RequestState,
    target: TargetView,
    legal_basis: LegalBasis,
    #[serde(skip_serializing_if = "Option::is_none")]
    authority: Option<Authority>,
    basis_document: BasisDocumentView,
    justification: String,
    #[schema(value_type = Vec<RequestedItem>)]
    fields: Vec<&'static str>,
    #[schema(value_type = i64)]
    requested_by: OfficialId,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    decided_by: Option<OfficialId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_owner_after: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<DateTime<Utc>>,
    openings: i32,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

impl RequestView {
    fn of(row: RequestRow, now: DateTime<Utc>) -> Self {
        Self::with_identifier(row, now, None)
    }

    fn with_identifier(row: RequestRow, now: DateTime<Utc>, shown: Option<ShownIdentifier>) -> Self {
        let target = match (&row.target_platform, &row.target_account_ref, row.target_identifier_type) {
            (Some(platform), Some(account_ref), _) => {
                TargetView::Account { platform: platform.as_str().into(), account_ref: account_ref.as_str().into() }
            }
            (_, _, identifier_type) => TargetView::Identifier {
                identifier_type,
                identifier: shown.as_ref().map(|s| s.identifier.clone()),
                country: shown.as_ref().and_then(|s| s.country.clone()),
            },
        };
        Self {
            state: row.state_at(now),
            id: row.id,
            target,
            legal_basis: row.legal_basis,
            authority: row.authority,
            basis_document: BasisDocumentView {
                number: row.basis_document_number,
                date: row.basis_document_date,
                issuer: row.basis_document_issuer,
            },
            justification: row.justification,
            fields: row.fields.codes().collect(),
            requested_by: row.requester_id,
            created_at: utc(row.created_at),
            decided_by: row.decided_by,
            decided_at: row.decided_at.map(utc),
            decision_reason: row.decision_reason,
            notify_owner_after: row.notify_owner_after.map(utc),
            valid_until: row.valid_until.map(utc),
            openings: row.openings,
        }
    }
}

fn invalid(e: RequestError) -> ApiError {
    ApiError::invalid_field(e.field, e.problem)
}

pub(crate) fn access_error(e: AccessError) -> ApiError {
    match e {
        AccessError::Forbidden(why) => ApiError::Forbidden(why),
        AccessError::NotFound => ApiError::NotFound("access request"),
        e @ AccessError::AlreadyDecided => ApiError::Conflict { code: "already_decided", message: e.to_string() },
        e @ AccessError::NotApproved => ApiError::Conflict { code: "not_approved", message: e.to_string() },
        e @ AccessError::ApprovalExpired => ApiError::Conflict { code: "approval_expired", message: e.to_string() },
        e @ AccessError::OpeningsUsed => ApiError::Conflict { code: "openings_used", message: e.to_string() },
        AccessError::NoIdentity => ApiError::NotFound("identity for the request's target"),
        AccessError::DataDeleted(at) => ApiError::DataDeleted(at.date_naive()),
        AccessError::Invalid(e) => invalid(e),
        AccessError::DailyLimit(reached) => reached.into(),
        AccessError::Db(e) => e.into(),
    }
}

/// Why a request was not filed: the API and the forms answer each in their own way.
pub(crate) enum NotFiled {
    /// The argon2 gate is full (a request by identifier needs its blind index).
    Busy,
    Refused(AccessError),
}

/// Files a request for `official`; shared by the API and the forms. The
/// outer error is the infrastructure's.
pub(crate) async fn file_request(
    state: &AppState,
    official: Official,
    request: NewAccessRequest,
) -> Result<Result<RequestRow, NotFiled>, ApiError> {
    let now = crate::db::now();
    let blind_index = match &request.target {
        Target::Identifier(identifier) => match blind_index(state, identifier.clone()).await {
            Ok(index) => Some(index),
            Err(BlindIndexError::Busy) => return Ok(Err(NotFiled::Busy)),
            Err(BlindIndexError::Failed(e)) => return Err(e),
        },
        Target::Account { .. } => None,
    };
    let (keys, limits) = (state.keys.clone(), state.settings.policy.daily_limits);
    let filed = call(state, move |conn| {
        let id = access::file(conn, &keys, &official, &request, blind_index.as_ref(), &limits, now)?;
        access::view(conn, &official, id)
    })
    .await?;
    if let Ok(row) = &filed {
        tracing::info!(access_request.id = row.id.get(), "access request filed");
    }
    Ok(filed.map_err(NotFiled::Refused))
}

/// A requester files a request; another official with the approver role decides it.
#[utoipa::path(
    post,
    path = "/api/v1/regulator/requests",
    tag = "regulator",
    request_body = FileRequest,
    responses(
        (status = 201, description = "Filed, pending a decision", body = RequestView),
        (status = 400, description = "An invalid value, named by its path (an identifier's check digit, a date in the future, an unknown platform)", body = ErrorResponse),
        (status = 403, description = "Without the requester role", body = ErrorResponse),
        (status = 429, description = "Identifier searches over the daily limit; see Retry-After", body = ErrorResponse),
    )
)]
pub(crate) async fn file(
    Then(auth, body): Then<WithRole<Requester>, web::Json<FileRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner().parse(crate::db::now().date_naive()).map_err(invalid)?;
    let row = file_request(&state, auth.0, request).await?.map_err(|e| match e {
        NotFiled::Busy => ApiError::TooManyRequests(1),
        NotFiled::Refused(e) => access_error(e),
    })?;
    Ok(HttpResponse::Created().json(RequestView::of(row, crate::db::now())))
}

/// A request, to its requester, approvers and auditors. Its requester and
/// approvers also see the identifier of a request by identifier (logged).
#[utoipa::path(
    get,
    path = "/api/v1/regulator/requests/{id}",
    tag = "regulator",
    params(("id" = i64, Path, description = "The request's number")),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 400, description = "The id is not a number", body = ErrorResponse),
        (status = 404, description = "No such request, or not one the caller may see", body = ErrorResponse),
    )
)]
pub(crate) async fn get(
    Then(auth, path): Then<OfficialAuth, web::Path<RequestId>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, keys) = (path.into_inner(), state.keys.clone());
    let (row, shown) = call(&state, move |conn| {
        let row = access::view(conn, &auth.0, id)?;
        Ok((row, access::identifier(conn, &keys, &auth.0, id, crate::db::now())?))
    })
    .await?
    .map_err(access_error)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RequestView::with_identifier(row, crate::db::now(), shown)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionRequest {
    pub approve: bool,
    /// 1 to 2,000 characters once trimmed.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Tell the owner only from this moment (at most 180 days ahead).
    #[serde(default)]
    pub notify_owner_after: Option<DateTime<Utc>>,
}

/// Records a decision; shared by the API and the forms.
pub(crate) async fn decide_request(
    state: &AppState,
    official: Official,
    id: RequestId,
    body: DecisionRequest,
) -> Result<Result<RequestRow, AccessError>, ApiError> {
    let policy = state.settings.policy.clone();
    let decided = call(state, move |conn| {
        let verdict =
            Verdict { approve: body.approve, reason: &body.reason, notify_owner_after: body.notify_owner_after };
        access::decide(conn, &official, id, &verdict, &policy, crate::db::now())
    })
    .await?;
    if let Ok(row) = &decided {
        tracing::info!(
            access_request.id = id.get(),
            approved = row.state == RequestState::Approved,
            "access request decided"
        );
    }
    Ok(decided)
}

/// An approver, never the requester, approves or denies a pending request.
#[utoipa::path(
    post,
    path = "/api/v1/regulator/requests/{id}/decision",
    tag = "regulator",
    params(("id" = i64, Path, description = "The request's number")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "The decided request", body = RequestView),
        (status = 400, description = "An invalid value, named by its path", body = ErrorResponse),
        (status = 403, description = "Without the approver role, or the caller's own request", body = ErrorResponse),
        (status = 404, description = "No such request", body = ErrorResponse),
        (status = 409, description = "Already decided", body = ErrorResponse),
        (status = 410, description = "The identity's data was deleted under retention", body = ErrorResponse),
    )
)]
pub(crate) async fn decide(
    Then(auth, (path, body)): Then<WithRole<Approver>, (web::Path<RequestId>, web::Json<DecisionRequest>)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let row = decide_request(&state, auth.0, path.into_inner(), body.into_inner()).await?.map_err(access_error)?;
    Ok(HttpResponse::Ok().json(RequestView::of(row, crate::db::now())))
}

/// Opens a disclosure; shared by the API and the forms. When the opening
/// cannot be recorded it fails closed with 503 and nothing is disclosed.
pub(crate) async fn open_disclosure(
    state: &AppState,
    official: Official,
    id: RequestId,
) -> Result<Result<Disclosed, AccessError>, ApiError> {
    let (keys, limits) = (state.keys.clone(), state.settings.policy.daily_limits);
    let disclosed =
        call(state, move |conn| access::disclose(conn, &keys, &official, id, &limits, crate::db::now())).await?;
    match disclosed {
        Err(AccessError::Db(e)) => {
            tracing::error!(access_request.id = id.get(), error = %e, "disclosure not recorded; nothing disclosed");
            Err(ApiError::Unavailable("the disclosure could not be recorded, so nothing was disclosed"))
        }
        Ok(disclosed) => {
            tracing::info!(access_request.id = id.get(), "disclosure opened");
            Ok(Ok(disclosed))
        }
        Err(refused) => Ok(Err(refused)),
    }
}

/// An account in a disclosure.
#[derive(Serialize, ToSchema)]
pub(crate) struct DisclosedAccount {
    platform: String,
    account_ref: String,
    status: crate::domain::AccountStatus,
}

/// What a disclosure shows: the accounts and only the approved fields.
#[derive(Serialize, ToSchema)]
pub(crate) struct DisclosureView {
    accounts: Vec<DisclosedAccount>,
    /// Field name → value, for the approved fields the record has.
    identity: std::collections::BTreeMap<&'static str, String>,
}

/// The requester opens an approved request: counted, logged and recorded
/// for the owner before anything is decrypted; fails closed.
#[utoipa::path(
    post,
    path = "/api/v1/regulator/requests/{id}/disclosure",
    tag = "regulator",
    params(("id" = i64, Path, description = "The request's number")),
    responses(
        (status = 200, description = "The approved data", body = DisclosureView),
        (status = 400, description = "The id is not a number", body = ErrorResponse),
        (status = 403, description = "Not the official who filed it", body = ErrorResponse),
        (status = 404, description = "No such request, or nobody on file for its target", body = ErrorResponse),
        (status = 409, description = "Not approved, the approval expired, or opened as often as allowed", body = ErrorResponse),
        (status = 410, description = "The identity's data was deleted under retention", body = ErrorResponse),
        (status = 429, description = "Disclosures over the daily limit; see Retry-After", body = ErrorResponse),
    )
)]
pub(crate) async fn disclose(
    Then(auth, path): Then<WithRole<Requester>, web::Path<RequestId>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let disclosed = open_disclosure(&state, auth.0, path.into_inner()).await?.map_err(access_error)?;
    let view = DisclosureView {
        accounts: disclosed
            .accounts
            .iter()
            .map(|a| DisclosedAccount {
                platform: a.platform.as_str().into(),
                account_ref: a.account_ref.as_str().into(),
                status: a.status,
            })
            .collect(),
        identity: disclosed.fields.iter().map(|(field, value)| (field.as_str(), value.as_str().to_owned())).collect(),
    };
    Ok(HttpResponse::Ok().insert_header((actix_web::http::header::CACHE_CONTROL, "no-store")).json(view))
}
