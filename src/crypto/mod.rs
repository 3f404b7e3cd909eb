//! Every cryptographic operation of the registry, behind small typed APIs.
//!
//! - [`KeyRing`]: the secrets loaded from the key file (never the database):
//!   versioned master keys, the blind-index pepper and salt, the token key.
//! - [`envelope`]: per-record data keys wrapped by a master key version;
//!   deleting the wrapped key is crypto-shredding.
//! - [`blind_index`]: argon2id keyed with the pepper, for exact lookups.
//! - [`password`]: argon2id PHC strings for officials' passwords.
//! - [`token`]: random secrets shown once and stored as HMAC digests.
//! - [`jws`]: status statements, signed (Ed25519 compact JWS) with a key
//!   derived from the active master key, and their published key set.

pub mod blind_index;
pub mod envelope;
pub mod jws;
pub mod key_ring;
pub mod password;
pub mod token;
pub mod webhook;

pub use blind_index::BlindIndex;
pub use envelope::{DataKey, MasterSealed};
pub use key_ring::{KeyFileError, KeyId, KeyRing, RetireError};
pub use token::{TokenDigest, TokenPurpose};

/// A failure of a cryptographic operation. Never carries key or plaintext bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("master key {0} is not in the key file")]
    UnknownKey(KeyId),
    /// Wrong key, wrong context or modified bytes: AEAD authentication failed.
    #[error("ciphertext does not authenticate")]
    Undecryptable,
    #[error("ciphertext has an unknown format")]
    Malformed,
    #[error("argon2 failed: {0}")]
    Argon2(String),
}

/// Fills an array from the operating system's random source.
///
/// # Panics
/// If the OS has no random source: nothing secure can be done without one.
#[expect(clippy::expect_used, reason = "without a random source no key, token or nonce can be made safely")]
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    bytes
}
