//! The OpenAPI 3 document of the platform API, generated from the handlers
//! and types themselves, served at `GET /api/openapi.json`.

use super::error::{ErrorBody, ErrorResponse};
use super::platform_api::{self, dto};
use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "registry: platform API",
        description = "Report accounts over the follower threshold and read their verification status. \
                       Platforms see status flags only, never personal data.",
    ),
    paths(
        platform_api::report,
        platform_api::get_account,
        platform_api::batch_status,
        platform_api::changes,
        platform_api::reissue_claim_code,
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
        crate::domain::AccountStatus,
        crate::domain::Assurance,
    )),
    modifiers(&PlatformToken),
    tags((name = "platform", description = "For platforms, with their API token"))
)]
pub struct ApiDoc;

/// What every platform operation shares, added once here rather than on each
/// handler: `Authorization: Bearer <token>` (the token `registry platform add`
/// printed), and the answers any call may get.
struct PlatformToken;

const EVERY_CALL: [(&str, &str); 3] = [
    ("401", "Missing, unknown or revoked token"),
    ("429", "Over the platform's rate limit; see Retry-After"),
    ("503", "Temporarily unavailable; retry"),
];
const EVERY_BODY: [(&str, &str); 2] = [("413", "Body over 512 KiB"), ("415", "Body is not application/json")];

fn error_response(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorResponse"))).build();
    ResponseBuilder::new().description(description).content("application/json", content).build().into()
}

impl Modify for PlatformToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "platform_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                operation.security = Some(vec![SecurityRequirement::new("platform_token", Vec::<String>::new())]);
                let with_body = operation.request_body.is_some();
                let extra = EVERY_CALL.iter().chain(EVERY_BODY.iter().filter(|_| with_body));
                for (code, description) in extra {
                    operation.responses.responses.insert((*code).to_owned(), error_response(description));
                }
            }
        }
    }
}

/// `GET /api/openapi.json`
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
