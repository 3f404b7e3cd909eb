//! The OpenAPI 3 document of the platform API, generated from the handlers
//! and types themselves, served at `GET /api/openapi.json`.

use super::error::{ErrorBody, ErrorResponse};
use super::platform_api::{self, dto};
use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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

/// `Authorization: Bearer <token>`, the token `registry platform add` printed.
struct PlatformToken;

impl Modify for PlatformToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "platform_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/openapi.json`
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
