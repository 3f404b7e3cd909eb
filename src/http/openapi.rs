//! The OpenAPI 3 document of the JSON APIs (platforms, regulator officials,
//! the public transparency report), generated from the handlers and types
//! themselves, served at `GET /api/openapi.json`.

use super::error::{ErrorBody, ErrorResponse};
use super::platform_api::{self, dto};
use super::regulator::{self, audit, requests, review};
use super::transparency;
use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "registry: platform and regulator APIs",
        description = "Platforms report accounts over the follower threshold and read their verification status: \
                       status flags only, never personal data. Regulator officials file, decide and open access \
                       requests (two officials, a legal basis, a log entry), review declarations, and read the \
                       audit log. The transparency report is public.",
    ),
    paths(
        platform_api::report,
        platform_api::get_account,
        platform_api::batch_status,
        platform_api::changes,
        platform_api::reissue_claim_code,
        platform_api::head,
        platform_api::webhooks::list,
        platform_api::webhooks::add,
        platform_api::webhooks::remove,
        platform_api::webhooks::rotate,
        platform_api::webhooks::deliveries,
        platform_api::webhooks::redeliver,
        super::statements::keys,
        regulator::login,
        regulator::logout,
        requests::file,
        requests::get,
        requests::decide,
        requests::disclose,
        audit::list,
        review::queue,
        review::check,
        review::confirm,
        review::reject,
        transparency::report,
    ),
    components(schemas(
        ErrorResponse,
        ErrorBody,
        dto::ReportRequest,
        dto::ReportedAccount,
        dto::ReportResponse,
        dto::ReportResultDto,
        dto::StatusDto,
        dto::BatchRequest,
        dto::BatchResponse,
        dto::ChangeDto,
        dto::ChangesResponse,
        dto::ClaimCodeResponse,
        dto::HeadDto,
        platform_api::webhooks::EndpointDto,
        platform_api::webhooks::EndpointsResponse,
        platform_api::webhooks::AddEndpointRequest,
        platform_api::webhooks::IssuedEndpoint,
        platform_api::webhooks::DeliveryDto,
        platform_api::webhooks::DeliveriesResponse,
        crate::webhooks::StatusChangedEvent,
        crate::webhooks::StatusChangedData,
        crate::domain::SigningScheme,
        crate::crypto::jws::JwkSet,
        crate::crypto::jws::Jwk,
        crate::domain::AccountStatus,
        crate::domain::Assurance,
        crate::domain::AccountRef,
        crate::domain::LegalBasis,
        crate::domain::Authority,
        crate::domain::IdentifierType,
        crate::domain::RequestState,
        crate::domain::OwnerType,
        crate::domain::RejectionReason,
        crate::domain::FieldMatch,
        super::schemas::HandleText,
        super::schemas::RequestedItem,
        super::schemas::Claims,
        regulator::LoginRequest,
        regulator::LoginResponse,
        requests::FileRequest,
        requests::TargetDto,
        requests::AccountTarget,
        requests::IdentifierTarget,
        requests::BasisDocumentDto,
        requests::RequestView,
        requests::TargetView,
        requests::BasisDocumentView,
        requests::DecisionRequest,
        requests::DisclosureView,
        requests::DisclosedAccount,
        audit::AuditPage,
        audit::EntryView,
        review::ReviewQueue,
        review::Waiting,
        review::CheckRequest,
        review::CheckView,
        review::Confirmed,
        review::RejectRequest,
        review::Rejected,
        transparency::ReportView,
        transparency::RequestCountView,
        transparency::CheckpointView,
    )),
    modifiers(&Security, &Webhooks),
    tags(
        (name = "platform", description = "For platforms, with their API token"),
        (name = "regulator", description = "For regulator officials, with the token `login` returns"),
        (name = "public", description = "For anyone"),
        (name = "statements", description = "For anyone who holds a status statement: the keys that check it"),
    )
)]
pub struct ApiDoc;

/// What the operations of each audience share, added once here rather than
/// on each handler: the bearer token (a platform's from `registry platform
/// add`, an official's from `login`), and the answers any call may get.
struct Security;

const EVERY_PLATFORM_CALL: [(&str, &str); 3] = [
    ("401", "Missing, unknown or revoked token"),
    ("429", "Over the platform's rate limit; see Retry-After"),
    ("503", "Temporarily unavailable; retry"),
];
const EVERY_OFFICIAL_CALL: [(&str, &str); 2] =
    [("401", "Missing, made-up, expired or revoked token"), ("503", "Temporarily unavailable; retry")];
const EVERY_PUBLIC_CALL: [(&str, &str); 1] = [("503", "Temporarily unavailable; retry")];
const EVERY_BODY: [(&str, &str); 2] = [("413", "Body over 512 KiB"), ("415", "Body is not application/json")];

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorResponse"))).build();
    ResponseBuilder::new().description(description).content("application/json", content).build().into()
}

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for scheme in ["platform_token", "official_token"] {
            components.add_security_scheme(
                scheme,
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let public = ["/api/v1/regulator/login", "/api/v1/transparency", "/.well-known/registry-keys.json"]
                .contains(&path.as_str());
            let (scheme, every_call) = match path.strip_prefix("/api/v1/regulator/") {
                _ if public => (None, &EVERY_PUBLIC_CALL[..]),
                Some(_) => (Some("official_token"), &EVERY_OFFICIAL_CALL[..]),
                None => (Some("platform_token"), &EVERY_PLATFORM_CALL[..]),
            };
            for operation in [&mut item.get, &mut item.post, &mut item.delete].into_iter().flatten() {
                operation.security = scheme.map(|s| vec![SecurityRequirement::new(s, Vec::<String>::new())]);
                let with_body = operation.request_body.is_some();
                let extra = every_call.iter().chain(EVERY_BODY.iter().filter(|_| with_body));
                for (code, description) in extra {
                    operation.responses.responses.insert((*code).to_owned(), error_response(description));
                }
            }
        }
    }
}

/// The events the registry sends to platforms' endpoints (OpenAPI 3.1 `webhooks`).
struct Webhooks;

impl Modify for Webhooks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
        use utoipa::openapi::request_body::RequestBodyBuilder;
        use utoipa::openapi::{ObjectBuilder, PathsBuilder, Required, Type};
        let header = |name: &str, description: &str, example: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .example(Some(serde_json::json!(example)))
                .build()
        };
        let example = serde_json::json!({
            "type": "account.status_changed",
            "timestamp": "2026-11-30T10:00:00.000000Z",
            "data": { "account_ref": "1001", "status": "overdue", "assurance": null, "seq": 4711 }
        });
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("StatusChangedEvent")))
                    .example(Some(example))
                    .build(),
            )
            .build();
        let operation = OperationBuilder::new()
            .summary(Some("An account's status changed"))
            .description(Some(
                "Sent to each of the platform's endpoints per the Standard Webhooks specification, at least once: \
                 retried with exponential back-off for 3 days until a 2xx answer; a duplicate has the same \
                 `webhook-id`. `data.seq` orders the events of one account, and `/api/v1/changes?after=` catches \
                 up after any gap. No personal data.",
            ))
            .parameter(header(
                "webhook-id",
                "The message id: the same on every attempt",
                "msg_2KWPBgLlAfxdpx2AI54pPJ85",
            ))
            .parameter(header("webhook-timestamp", "Seconds since 1970 when this attempt was signed", "1764496800"))
            .parameter(header(
                "webhook-signature",
                "`v1,<base64 HMAC-SHA256>` or `v1a,<base64 Ed25519>` of `{webhook-id}.{webhook-timestamp}.{body}`; \
                 two, space-separated, for 24 hours after a secret rotation",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ))
            .request_body(Some(body))
            .response(
                "200",
                ResponseBuilder::new().description("Received (any 2xx); anything else is retried").build(),
            );
        openapi.webhooks = Some(
            PathsBuilder::new().path("account.status_changed", PathItem::new(HttpMethod::Post, operation)).build(),
        );
    }
}

/// `GET /api/openapi.json`
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
