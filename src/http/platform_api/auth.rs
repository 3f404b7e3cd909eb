//! `Authorization: Bearer <token>` for platforms: one HMAC, then the token
//! cache or one indexed lookup, never argon2; then the per-platform rate limit.

use crate::crypto::{KeyRing, TokenPurpose};
use crate::domain::PlatformId;
use crate::http::error::ApiError;
use crate::http::{bearer_credentials, read};
use crate::services::accounts::Platform;
use crate::services::platforms;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The authenticated platform. A handler that takes it cannot run without a valid token.
#[derive(Debug, Clone)]
pub struct PlatformAuth {
    pub platform_id: PlatformId,
    /// Its slug, as statements name it.
    pub slug: Arc<str>,
}

impl PlatformAuth {
    /// The platform as the status services take it.
    pub fn platform<'a>(&'a self, keys: &'a KeyRing) -> Platform<'a> {
        Platform { id: self.platform_id, slug: &self.slug, keys }
    }
}

impl FromRequest for PlatformAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credentials = bearer_credentials(req);
        Box::pin(async move {
            let (state, token) = credentials?;
            let digest = state.keys.token_digester().digest(TokenPurpose::PlatformApi, &token);
            let (platform_id, slug) = match state.token_cache.get(&digest) {
                Some(known) => known,
                None => {
                    let lookup = digest.clone();
                    let (id, slug) = read(&state, move |conn| Ok(platforms::authenticate(conn, &lookup)?))
                        .await?
                        .ok_or(ApiError::Unauthorized)?;
                    let known = (id, Arc::<str>::from(slug));
                    state.token_cache.insert(&digest, known.clone());
                    known
                }
            };
            if let Err(not_until) = state.platform_limiter.check_key(&platform_id) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                tracing::info!(platform.id = platform_id.get(), "platform over its rate limit");
                return Err(ApiError::TooManyRequests(wait.as_secs().max(1)));
            }
            tracing::Span::current().record("platform.id", platform_id.get());
            Ok(Self { platform_id, slug })
        })
    }
}
