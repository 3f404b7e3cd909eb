//! Status statements' signatures: detached compact JWS (RFC 7515,
//! appendix F) signed with EdDSA over Ed25519 (RFC 8037), and their public
//! keys as a JWK set (RFC 7517), each key's id the start of its RFC 7638
//! thumbprint.
//!
//! A status answer carries `header..signature`: the payload, the canonical
//! statement (`domain::statement`), is left out because the answer's own
//! fields are it. A verifier writes the statement from those fields, puts
//! its base64url between the dots and checks the result with any JOSE
//! library. The signature is made once, when the status is recorded, and
//! stored beside it; a read only encodes it.

use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A key's RFC 7638 thumbprint, base64url.
pub fn thumbprint(key: &VerifyingKey) -> String {
    // The thumbprint input is the JWK's required members in lexicographic order, no spaces.
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, BASE64URL_NOPAD.encode(key.as_bytes()));
    BASE64URL_NOPAD.encode(&Sha256::digest(canonical.as_bytes()))
}

/// The `kid` of a key: the first 16 characters (96 bits) of its thumbprint.
/// Every status answer carries it, so it is short; a registry has a
/// handful of keys, and the JWK set names the whole key beside it.
pub fn key_id(key: &VerifyingKey) -> String {
    thumbprint(key)[..16].to_owned()
}

/// The status-signing key of one master key version, with its key id.
#[derive(Clone)]
pub struct StatusKey {
    signing: SigningKey,
    kid: String,
}

impl std::fmt::Debug for StatusKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl StatusKey {
    pub fn new(signing: SigningKey) -> Self {
        let kid = key_id(&signing.verifying_key());
        Self { signing, kid }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The signature of `payload` under this key.
    pub fn sign(&self, payload: &[u8]) -> [u8; 64] {
        self.signing.sign(signing_input(&self.kid, payload).as_bytes()).to_bytes()
    }

    /// `payload` signed, as a detached compact JWS.
    pub fn sign_detached(&self, payload: &[u8]) -> String {
        detached(&self.kid, &self.sign(payload))
    }
}

/// The protected header, base64url: the same bytes for the same key.
fn header(kid: &str) -> String {
    BASE64URL_NOPAD.encode(format!(r#"{{"alg":"EdDSA","kid":"{kid}"}}"#).as_bytes())
}

fn signing_input(kid: &str, payload: &[u8]) -> String {
    format!("{}.{}", header(kid), BASE64URL_NOPAD.encode(payload))
}

/// The detached compact JWS of a stored signature: `header..signature`.
pub fn detached(kid: &str, signature: &[u8; 64]) -> String {
    format!("{}..{}", header(kid), BASE64URL_NOPAD.encode(signature))
}

/// One public key as the key set lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// The first 16 characters of the key's RFC 7638 thumbprint.
    pub kid: String,
    /// Always `EdDSA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Always `sig`.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    pub fn of(key: &VerifyingKey) -> Self {
        Self {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: BASE64URL_NOPAD.encode(key.as_bytes()),
            kid: key_id(key),
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
        }
    }

    /// The key, if this is an Ed25519 key whose `kid` is its own.
    fn verifying_key(&self) -> Option<VerifyingKey> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return None;
        }
        let bytes: [u8; 32] = BASE64URL_NOPAD.decode(self.x.as_bytes()).ok()?.try_into().ok()?;
        let key = VerifyingKey::from_bytes(&bytes).ok()?;
        (key_id(&key) == self.kid).then_some(key)
    }
}

/// A JWK set: `{"keys": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// Why a signature does not verify a statement under a key set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("not a detached compact JWS: expected a header, two dots and a signature, in base64url")]
    Malformed,
    #[error("the protected header is not {{\"alg\":\"EdDSA\",\"kid\":…}}")]
    Header,
    #[error("no key in the key set has the id {0}")]
    UnknownKey(String),
    #[error("the signature does not verify: the statement was changed or not signed by this key")]
    BadSignature,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    kid: String,
}

/// Checks a detached signature of `payload` against the keys of `set`;
/// returns the id of the key that made it.
pub fn verify(signature: &str, payload: &[u8], set: &JwkSet) -> Result<String, JwsError> {
    let (Some((header, signature)), false) = (signature.trim().split_once(".."), signature.contains("...")) else {
        return Err(JwsError::Malformed);
    };
    let decode = |part: &str| BASE64URL_NOPAD.decode(part.as_bytes()).map_err(|_| JwsError::Malformed);
    let parsed: Header = serde_json::from_slice(&decode(header)?).map_err(|_| JwsError::Header)?;
    if parsed.alg != "EdDSA" {
        return Err(JwsError::Header);
    }
    let key = set
        .keys
        .iter()
        .find(|k| k.kid == parsed.kid)
        .and_then(Jwk::verifying_key)
        .ok_or_else(|| JwsError::UnknownKey(parsed.kid.clone()))?;
    let signature: [u8; 64] = decode(signature)?.try_into().map_err(|_| JwsError::Malformed)?;
    let input = format!("{header}.{}", BASE64URL_NOPAD.encode(payload));
    key.verify_strict(input.as_bytes(), &ed25519_dalek::Signature::from_bytes(&signature))
        .map_err(|_| JwsError::BadSignature)?;
    Ok(parsed.kid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> StatusKey {
        StatusKey::new(SigningKey::from_bytes(&[seed; 32]))
    }

    #[test]
    fn the_rfc_8037_example_key_has_the_rfc_8037_thumbprint() {
        // RFC 8037, appendix A.1 and A.3.
        let x = BASE64URL_NOPAD.decode(b"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
        let key = VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        assert_eq!(thumbprint(&key), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn the_rfc_8037_example_signature_verifies() {
        // RFC 8037, appendix A.4: the payload "Example of Ed25519 signing" under the A.1 key.
        let jwk = Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into(),
            kid: "kPrK_qmxVWaYVA9w".into(),
            alg: None,
            use_: None,
        };
        let key = jwk.verifying_key().unwrap();
        let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        let sig = BASE64URL_NOPAD
            .decode(b"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")
            .unwrap();
        key.verify_strict(input.as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig.try_into().unwrap())).unwrap();
    }

    #[test]
    fn a_statement_verifies_under_its_key_and_fails_when_changed() {
        let (signer, other) = (key(1), key(2));
        let set = JwkSet { keys: vec![Jwk::of(&other.public()), Jwk::of(&signer.public())] };
        let signature = signer.sign_detached(br#"{"seq":7}"#);
        assert_eq!(verify(&signature, br#"{"seq":7}"#, &set).as_deref(), Ok(signer.kid()));
        assert_eq!(verify(&signature, br#"{"seq":8}"#, &set), Err(JwsError::BadSignature));
        let only_other = JwkSet { keys: vec![Jwk::of(&other.public())] };
        assert_eq!(verify(&signature, br#"{"seq":7}"#, &only_other), Err(JwsError::UnknownKey(signer.kid().into())));
        for malformed in ["a.b", "a...b", "", "..", "e30..!!"] {
            assert!(verify(malformed, b"{}", &set).is_err(), "{malformed}");
        }
        let (_, sig) = signature.split_once("..").unwrap();
        let none = format!(
            "{}..{sig}",
            BASE64URL_NOPAD.encode(format!(r#"{{"alg":"none","kid":"{}"}}"#, signer.kid()).as_bytes())
        );
        assert_eq!(verify(&none, br#"{"seq":7}"#, &set), Err(JwsError::Header));
    }

    #[test]
    fn a_detached_signature_is_an_ordinary_jws_once_the_payload_is_put_back() {
        let signer = key(3);
        let signature = signer.sign_detached(b"{}");
        let (header, sig) = signature.split_once("..").unwrap();
        let attached = format!("{header}.{}.{sig}", BASE64URL_NOPAD.encode(b"{}"));
        let (input, sig) = attached.rsplit_once('.').unwrap();
        let bytes: [u8; 64] = BASE64URL_NOPAD.decode(sig.as_bytes()).unwrap().try_into().unwrap();
        signer.public().verify_strict(input.as_bytes(), &ed25519_dalek::Signature::from_bytes(&bytes)).unwrap();
        assert_eq!(detached(signer.kid(), &signer.sign(b"{}")), signature, "a stored signature gives the same answer");
    }

    #[test]
    fn a_key_listed_under_another_keys_id_is_not_used() {
        let (signer, other) = (key(1), key(2));
        let mut forged = Jwk::of(&other.public());
        forged.kid = signer.kid().into();
        let signature = signer.sign_detached(b"{}");
        assert_eq!(
            verify(&signature, b"{}", &JwkSet { keys: vec![forged] }),
            Err(JwsError::UnknownKey(signer.kid().into()))
        );
    }
}
