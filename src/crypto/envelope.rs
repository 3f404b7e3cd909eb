//! Envelope encryption with XChaCha20-Poly1305.
//!
//! Each identity record has its own random [`DataKey`]; its fields are sealed
//! with it, and the key itself is sealed ("wrapped") by a master key version
//! as a [`MasterSealed`]. Rotation re-wraps data keys without touching the
//! fields; deleting the wrapped key makes the fields unreadable everywhere,
//! backups included.
//!
//! Sealed format: `0x01 ‖ nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes)`.
//! The associated data names what the bytes are (record, field, key version)
//! so ciphertexts cannot be moved between columns, rows or key versions.

use super::{CryptoError, KeyId, random_bytes};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
pub(crate) const KEY_LEN: usize = 32;

/// Seals with a random nonce; a 192-bit nonce makes random nonces safe.
#[expect(clippy::expect_used, reason = "encryption fails only for messages over 256 GiB")]
pub(crate) fn seal(key: &[u8; KEY_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce: [u8; NONCE_LEN] = random_bytes();
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad })
        .expect("XChaCha20-Poly1305 accepts any message a registry record can hold");
    let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    sealed.push(FORMAT_V1);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    sealed
}

pub(crate) fn open(key: &[u8; KEY_LEN], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let (&format, rest) = sealed.split_first().ok_or(CryptoError::Malformed)?;
    if format != FORMAT_V1 || rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Malformed);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| CryptoError::Malformed)?;
    XChaCha20Poly1305::new(key.into())
        .decrypt(&nonce, Payload { msg: ciphertext, aad })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Undecryptable)
}

/// A record's own encryption key. Zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; KEY_LEN]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl DataKey {
    pub(crate) fn generate() -> Self {
        Self(random_bytes())
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        bytes.try_into().map(Self).map_err(|_| CryptoError::Malformed)
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        seal(&self.0, aad, plaintext)
    }

    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open(&self.0, aad, sealed)
    }
}

/// Bytes sealed by one master key version (a wrapped data key or a small secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterSealed {
    pub key_id: KeyId,
    pub bytes: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_with_the_same_key_and_context_only() {
        let key = DataKey::generate();
        let sealed = key.seal(b"field:surname", b"Abayev");
        assert_eq!(key.open(b"field:surname", &sealed).unwrap().as_slice(), b"Abayev");
        assert_eq!(key.open(b"field:given_name", &sealed), Err(CryptoError::Undecryptable));
        assert_eq!(DataKey::generate().open(b"field:surname", &sealed), Err(CryptoError::Undecryptable));
    }

    #[test]
    fn every_single_bit_flip_is_rejected() {
        let key = DataKey::generate();
        let sealed = key.seal(b"ctx", b"900115353054");
        for i in 1..sealed.len() {
            for bit in 0..8 {
                let mut tampered = sealed.clone();
                tampered[i] ^= 1 << bit;
                assert_eq!(key.open(b"ctx", &tampered), Err(CryptoError::Undecryptable), "byte {i} bit {bit}");
            }
        }
        let mut wrong_format = sealed.clone();
        wrong_format[0] = 2;
        assert_eq!(key.open(b"ctx", &wrong_format), Err(CryptoError::Malformed));
        assert_eq!(key.open(b"ctx", &sealed[..20]), Err(CryptoError::Malformed));
        assert_eq!(key.open(b"ctx", &[]), Err(CryptoError::Malformed));
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let key = DataKey::generate();
        assert_ne!(key.seal(b"", b"same"), key.seal(b"", b"same"));
    }
}
