//! What a platform (or an operator for it) does with webhook endpoints:
//! add, list, remove and rotate them; see deliveries and ask for one again.
//! Every use case is keyed by the platform: another platform's endpoints
//! and deliveries are not found.

use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::config::WebhookSettings;
use crate::crypto::KeyRing;
use crate::crypto::webhook::EndpointSecret;
use crate::db::repo::webhooks::{self as repo, DeliveryRow, EndpointRow, Redelivery};
use crate::db::{DbConnection, DbError, write_tx};
use crate::domain::webhook::{EndpointUrlError, may_reach};
use crate::domain::{DeliveryId, EndpointId, EndpointUrl, PlatformId, SigningScheme};
use chrono::{DateTime, Utc};

/// The most endpoints one platform may have: each status change is sent to every one.
pub const MAX_ENDPOINTS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no such webhook endpoint")]
    NotFound,
    #[error("no such delivery")]
    DeliveryNotFound,
    #[error("{0}")]
    Url(#[from] EndpointUrlError),
    #[error(
        "its host does not resolve to an address deliveries may reach (private, loopback, link-local and metadata \
         addresses are refused unless the operator allows them)"
    )]
    Unreachable,
    #[error("a platform may have at most {MAX_ENDPOINTS} webhook endpoints")]
    TooMany,
    #[error("the endpoint is disabled; add it again to receive deliveries")]
    Disabled,
    #[error("the delivery is still queued: it is sent without asking")]
    Pending,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who asks: a platform through its API, or an operator at the command line (audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    Platform,
    Operator,
}

/// A new or rotated endpoint, with what is shown once: the shared secret
/// (`whsec_…`) or the public key (`whpk_…`).
#[derive(Debug)]
pub struct Issued {
    pub endpoint: EndpointRow,
    pub secret: String,
}

/// How long a registration waits for the endpoint's name to resolve.
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The endpoint a platform names, checked: a valid URL whose host resolves,
/// within [`LOOKUP_TIMEOUT`], to at least one address a delivery may reach
/// (every delivery checks again, on the addresses it connects to). Takes no
/// database connection: call it before the use case that stores it.
pub fn check_endpoint(url: &str, settings: &WebhookSettings) -> Result<EndpointUrl, WebhookError> {
    use std::net::ToSocketAddrs;
    let url = EndpointUrl::parse(url, settings.allow_http)?;
    let (host, port) = url.host_and_port().ok_or(WebhookError::Unreachable)?;
    let (sender, answer) = std::sync::mpsc::sync_channel(1);
    // A name server that never answers holds this thread until the system's resolver gives up, not the caller.
    std::thread::spawn(move || sender.send((host.as_str(), port).to_socket_addrs().map(Vec::from_iter)).ok());
    let found = answer.recv_timeout(LOOKUP_TIMEOUT).map_err(|_| WebhookError::Unreachable)?;
    let found = found.map_err(|_| WebhookError::Unreachable)?;
    found.iter().any(|a| may_reach(a.ip(), &settings.allow)).then_some(url).ok_or(WebhookError::Unreachable)
}

fn new_nonce() -> [u8; 16] {
    crate::crypto::random_bytes()
}

/// Registers an endpoint (checked by [`check_endpoint`]) for the platform.
pub fn add(
    conn: &mut DbConnection,
    keys: &KeyRing,
    (platform_id, requester): (PlatformId, Requester),
    (url, scheme): (&EndpointUrl, SigningScheme),
    now: DateTime<Utc>,
) -> Result<Issued, WebhookError> {
    let nonce = new_nonce();
    write_tx(conn, |conn| {
        // Racing adds count one after the other.
        repo::lock_platform(conn, platform_id)?;
        if repo::list(conn, platform_id)?.len() >= MAX_ENDPOINTS {
            return Err(WebhookError::TooMany);
        }
        let id = repo::create(conn, platform_id, url.as_str(), scheme, &nonce, now)?;
        if requester == Requester::Operator {
            let details = serde_json::json!({ "endpoint": id.get(), "scheme": scheme.as_str() });
            let event = AuditEvent::new(
                Actor::Operator,
                AuditAction::PlatformWebhookAdded,
                AuditSubject::Platform(platform_id),
                details,
            );
            audit::append(conn, &event, now)?;
        }
        let endpoint = repo::find(conn, platform_id, id)?.ok_or(WebhookError::NotFound)?;
        Ok(Issued { endpoint, secret: EndpointSecret::derive(&keys.token_digester(), scheme, &nonce).shown() })
    })
}

/// The platform's endpoints, oldest first.
pub fn list(conn: &mut DbConnection, platform_id: PlatformId) -> Result<Vec<EndpointRow>, DbError> {
    repo::list(conn, platform_id)
}

/// Removes one of the platform's endpoints; what was queued for it is dropped.
pub fn remove(conn: &mut DbConnection, platform_id: PlatformId, id: EndpointId) -> Result<(), WebhookError> {
    write_tx(conn, |conn| repo::delete(conn, platform_id, id)?.then_some(()).ok_or(WebhookError::NotFound))
}

/// A new secret for one of the platform's endpoints. Deliveries carry the
/// signatures of both the new and the previous secret for
/// [`crate::webhooks::ROTATION_OVERLAP`], so the receiver can switch without losing any.
pub fn rotate(
    conn: &mut DbConnection,
    keys: &KeyRing,
    platform_id: PlatformId,
    id: EndpointId,
    now: DateTime<Utc>,
) -> Result<Issued, WebhookError> {
    let nonce = new_nonce();
    write_tx(conn, |conn| {
        let endpoint = repo::find(conn, platform_id, id)?.ok_or(WebhookError::NotFound)?;
        repo::rotate(conn, id, &endpoint.secret_nonce, &nonce, now + crate::webhooks::ROTATION_OVERLAP)?;
        let endpoint = repo::find(conn, platform_id, id)?.ok_or(WebhookError::NotFound)?;
        Ok(Issued { secret: EndpointSecret::derive(&keys.token_digester(), endpoint.scheme, &nonce).shown(), endpoint })
    })
}

/// The platform's deliveries, newest first, before the cursor `before`.
pub fn deliveries(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    endpoint: Option<EndpointId>,
    before: Option<DeliveryId>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, DbError> {
    repo::list_deliveries(conn, platform_id, endpoint, before, limit)
}

/// Sends one of the platform's deliveries again, with the same `webhook-id`.
pub fn redeliver(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    id: DeliveryId,
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    write_tx(conn, |conn| match repo::redeliver(conn, platform_id, id, now)? {
        Redelivery::Queued => Ok(()),
        Redelivery::NotFound => Err(WebhookError::DeliveryNotFound),
        Redelivery::EndpointDisabled => Err(WebhookError::Disabled),
        Redelivery::Pending => Err(WebhookError::Pending),
    })
}
