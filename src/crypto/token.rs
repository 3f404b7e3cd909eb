//! High-entropy secrets handed out once (platform API tokens, claim codes,
//! management keys, session tokens, generated passwords, TOTP secrets).
//!
//! Random tokens are stored only as HMAC-SHA256 digests under the key file's
//! token key: the polling hot path pays one HMAC, never argon2, and a stolen
//! database alone cannot confirm a guess even for short, typeable codes.

use super::random_bytes;
use crate::domain::ClaimCode;
use crate::domain::claim_code::{crockford, grouped};
use data_encoding::{BASE32_NOPAD, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// What a token is for; part of the digest, so a token of one kind never matches another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    PlatformApi,
    ClaimCode,
    ManagementKey,
    OfficialSession,
    /// The anti-forgery token of a form, derived from the visitor's CSRF cookie.
    Csrf,
    /// Proof, in a cookie, that this browser entered the account's current claim code.
    ClaimTicket,
    /// An owner's signed-in session on `/my`.
    OwnerSession,
    /// A code mailed to confirm a contact address.
    EmailCode,
    /// A single-use link mailed to a record's address (report a link, replace a lost key).
    OwnerLink,
    /// Derives the audit checkpoint signing key from the token key.
    AuditSigningKey,
    /// Derives a webhook endpoint's signing secret from the token key and the endpoint's nonce.
    WebhookSecret,
    /// Derives a webhook delivery's `webhook-id` from its row id.
    WebhookMessageId,
}

impl TokenPurpose {
    fn label(self) -> &'static [u8] {
        match self {
            TokenPurpose::PlatformApi => b"platform-api",
            TokenPurpose::ClaimCode => b"claim-code",
            TokenPurpose::ManagementKey => b"management-key",
            TokenPurpose::OfficialSession => b"official-session",
            TokenPurpose::Csrf => b"csrf",
            TokenPurpose::ClaimTicket => b"claim-ticket",
            TokenPurpose::OwnerSession => b"owner-session",
            TokenPurpose::EmailCode => b"email-code",
            TokenPurpose::OwnerLink => b"owner-link",
            TokenPurpose::AuditSigningKey => b"audit-signing-key",
            TokenPurpose::WebhookSecret => b"webhook-secret",
            TokenPurpose::WebhookMessageId => b"webhook-message-id",
        }
    }
}

/// The stored form of a token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenDigest(pub [u8; 32]);

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenDigest(<redacted>)")
    }
}

impl TokenDigest {
    /// Compares in constant time: a digest match must not leak through timing.
    pub fn matches(&self, stored: &[u8]) -> bool {
        self.0.ct_eq(stored).into()
    }
}

/// Computes token digests with the deployment's token key.
pub struct TokenDigester<'k> {
    key: &'k [u8; 32],
}

impl<'k> TokenDigester<'k> {
    pub(crate) fn new(key: &'k [u8; 32]) -> Self {
        Self { key }
    }

    #[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
    pub fn digest(&self, purpose: TokenPurpose, token: &str) -> TokenDigest {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.key).expect("HMAC accepts a 32-byte key");
        mac.update(purpose.label());
        mac.update(&[0]);
        mac.update(token.as_bytes());
        TokenDigest(mac.finalize().into_bytes().into())
    }
}

const LOWER_BASE32: Encoding = data_encoding::BASE32_NOPAD_NOCASE;

/// A platform API token: 256 random bits, prefixed so secret scanners can spot a leaked one.
pub fn new_platform_token() -> SecretString {
    let body = LOWER_BASE32.encode(&random_bytes::<32>()).to_ascii_lowercase();
    SecretString::from(format!("rgp_{body}"))
}

/// A generated password: 160 random bits in 32 base32 characters.
pub fn new_password() -> SecretString {
    SecretString::from(BASE32_NOPAD.encode(&random_bytes::<20>()).to_ascii_lowercase())
}

/// A random value for cookies and mailed links: 160 bits, URL-safe.
pub fn new_url_token() -> SecretString {
    SecretString::from(BASE32_NOPAD.encode(&random_bytes::<20>()).to_ascii_lowercase())
}

/// An owner's receipt reference: `R-` and 16 characters of Crockford base32
/// in groups of four (80 random bits). Public; it names the record.
pub fn new_reference() -> String {
    format!("R-{}", grouped(&crockford(&random_bytes::<16>())))
}

/// An owner's management key: 24 characters of Crockford base32 in groups of
/// four (120 random bits), shown once on the receipt and stored only as a digest.
pub fn new_management_key() -> SecretString {
    SecretString::from(grouped(&crockford(&random_bytes::<24>())))
}

/// A code mailed to confirm an address: 8 digits, to type from the message.
/// Few guesses are allowed per code (see `services::identification`).
pub fn new_email_code() -> SecretString {
    // The modulo bias over 64 bits is below 10^-11.
    let n = u64::from_le_bytes(random_bytes::<8>()) % 100_000_000;
    SecretString::from(format!("{n:08}"))
}

/// A TOTP secret (RFC 6238, 160 bits), in the base32 form authenticator apps expect.
pub fn new_totp_secret() -> SecretString {
    SecretString::from(BASE32_NOPAD.encode(&random_bytes::<20>()))
}

/// A fresh claim code: 60 random bits in Crockford base32.
pub fn new_claim_code() -> ClaimCode {
    ClaimCode::from_random(random_bytes())
}

/// Exposes a token for a digest; named so that every use is easy to review.
pub fn expose(token: &SecretString) -> &str {
    token.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyRing;
    use chrono::Utc;

    #[test]
    fn digests_depend_on_token_purpose_and_key() {
        let ring = KeyRing::generate(Utc::now());
        let other = KeyRing::generate(Utc::now());
        let token = new_platform_token();
        let digest = ring.token_digester().digest(TokenPurpose::PlatformApi, expose(&token));
        assert_eq!(digest, ring.token_digester().digest(TokenPurpose::PlatformApi, expose(&token)));
        assert!(digest.matches(&ring.token_digester().digest(TokenPurpose::PlatformApi, expose(&token)).0));
        assert_ne!(digest, ring.token_digester().digest(TokenPurpose::ClaimCode, expose(&token)));
        assert_ne!(digest, other.token_digester().digest(TokenPurpose::PlatformApi, expose(&token)));
        assert!(!digest.matches(&[0; 32]) && !digest.matches(&[]));
    }

    #[test]
    fn generated_secrets_have_their_documented_shape() {
        let token = new_platform_token();
        assert!(expose(&token).starts_with("rgp_") && expose(&token).len() == 56);
        assert_ne!(expose(&token), expose(&new_platform_token()));
        assert_eq!(expose(&new_totp_secret()).len(), 32);
        assert_eq!(expose(&new_password()).len(), 32);
        let code = new_claim_code();
        assert_eq!(ClaimCode::parse(&code.display_form()), Ok(code.clone()));
        assert_ne!(code, new_claim_code());
        let reference = new_reference();
        assert!(reference.starts_with("R-") && reference.len() == 21, "{reference}");
        assert_ne!(reference, new_reference());
        assert_eq!(expose(&new_management_key()).len(), 29);
    }
}
