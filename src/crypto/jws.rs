//! Status statements as compact JWS (RFC 7515) signed with EdDSA over
//! Ed25519 (RFC 8037), and their public keys as a JWK set (RFC 7517) with
//! RFC 7638 thumbprints as key ids. Compact JWS is three base64url strings
//! joined by dots; any JOSE library (or a few lines of Python's or Node's
//! standard crypto) checks one with the published key set.
//!
//! A statement's signature is made once, when its status is recorded, and
//! stored beside it; a read puts the compact form together again from the
//! stored columns ([`compact`]), which costs encoding, not signing.

use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a statement says, named in its protected header (`typ`), so that a
/// head statement can never be taken for an account's status or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementType {
    /// One account's status: its latest recorded change.
    Status,
    /// A platform's newest change at a moment.
    Head,
}

impl StatementType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status => "registry-status+json",
            Self::Head => "registry-head+json",
        }
    }

    fn parse(typ: &str) -> Option<Self> {
        [Self::Status, Self::Head].into_iter().find(|t| t.as_str() == typ)
    }
}

/// A key's RFC 7638 thumbprint, base64url: the `kid` of its JWK.
pub fn thumbprint(key: &VerifyingKey) -> String {
    // The thumbprint input is the JWK's required members in lexicographic order, no spaces.
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, BASE64URL_NOPAD.encode(key.as_bytes()));
    BASE64URL_NOPAD.encode(&Sha256::digest(canonical.as_bytes()))
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
        let kid = thumbprint(&signing.verifying_key());
        Self { signing, kid }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The signature of `payload` as a statement of type `typ` under this key.
    pub fn sign(&self, typ: StatementType, payload: &[u8]) -> [u8; 64] {
        self.signing.sign(signing_input(typ, &self.kid, payload).as_bytes()).to_bytes()
    }

    /// `payload` signed, in compact form.
    pub fn sign_compact(&self, typ: StatementType, payload: &[u8]) -> String {
        compact(typ, &self.kid, payload, &self.sign(typ, payload))
    }
}

/// The protected header, base64url: the same bytes for the same type and key.
fn header(typ: StatementType, kid: &str) -> String {
    BASE64URL_NOPAD.encode(format!(r#"{{"alg":"EdDSA","kid":"{kid}","typ":"{}"}}"#, typ.as_str()).as_bytes())
}

fn signing_input(typ: StatementType, kid: &str, payload: &[u8]) -> String {
    format!("{}.{}", header(typ, kid), BASE64URL_NOPAD.encode(payload))
}

/// The compact JWS of a payload and its stored signature.
pub fn compact(typ: StatementType, kid: &str, payload: &[u8], signature: &[u8; 64]) -> String {
    format!("{}.{}", signing_input(typ, kid, payload), BASE64URL_NOPAD.encode(signature))
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
    /// The RFC 7638 thumbprint, base64url.
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
            kid: thumbprint(key),
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
        }
    }

    /// The key, if this is an Ed25519 key whose `kid` is its thumbprint.
    fn verifying_key(&self) -> Option<VerifyingKey> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return None;
        }
        let bytes: [u8; 32] = BASE64URL_NOPAD.decode(self.x.as_bytes()).ok()?.try_into().ok()?;
        let key = VerifyingKey::from_bytes(&bytes).ok()?;
        (thumbprint(&key) == self.kid).then_some(key)
    }
}

/// A JWK set: `{"keys": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// Why a compact JWS is not a valid statement under a key set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("not a compact JWS: expected three base64url parts separated by dots")]
    Malformed,
    #[error("the protected header is not {{\"alg\":\"EdDSA\",\"kid\":…,\"typ\":…}} with a known type")]
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
    typ: String,
}

/// A statement whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub typ: StatementType,
    pub kid: String,
    pub payload: Vec<u8>,
}

/// Checks a compact JWS against the keys of `set`.
pub fn verify(jws: &str, set: &JwkSet) -> Result<Verified, JwsError> {
    let mut parts = jws.trim().split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed);
    };
    let decode = |part: &str| BASE64URL_NOPAD.decode(part.as_bytes()).map_err(|_| JwsError::Malformed);
    let parsed: Header = serde_json::from_slice(&decode(header)?).map_err(|_| JwsError::Header)?;
    let typ = StatementType::parse(&parsed.typ).filter(|_| parsed.alg == "EdDSA").ok_or(JwsError::Header)?;
    let key = set
        .keys
        .iter()
        .find(|k| k.kid == parsed.kid)
        .and_then(Jwk::verifying_key)
        .ok_or_else(|| JwsError::UnknownKey(parsed.kid.clone()))?;
    let signature: [u8; 64] = decode(signature)?.try_into().map_err(|_| JwsError::Malformed)?;
    let signed = jws.trim().rsplit_once('.').map_or("", |(input, _)| input);
    key.verify_strict(signed.as_bytes(), &ed25519_dalek::Signature::from_bytes(&signature))
        .map_err(|_| JwsError::BadSignature)?;
    Ok(Verified { typ, kid: parsed.kid, payload: decode(payload)? })
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
            kid: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k".into(),
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
    fn a_statement_verifies_under_its_key_and_fails_when_changed_or_retyped() {
        let (signer, other) = (key(1), key(2));
        let set = JwkSet { keys: vec![Jwk::of(&other.public()), Jwk::of(&signer.public())] };
        let jws = signer.sign_compact(StatementType::Status, br#"{"seq":7}"#);
        let verified = verify(&jws, &set).unwrap();
        assert_eq!(
            (verified.typ, verified.kid.as_str(), &verified.payload[..]),
            (StatementType::Status, signer.kid(), &br#"{"seq":7}"#[..])
        );

        let (head, rest) = jws.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let changed = format!("{head}.{}.{signature}", BASE64URL_NOPAD.encode(br#"{"seq":8}"#));
        assert_eq!(verify(&changed, &set), Err(JwsError::BadSignature));
        let retyped = format!("{}.{payload}.{signature}", header(StatementType::Head, signer.kid()));
        assert_eq!(verify(&retyped, &set), Err(JwsError::BadSignature));
        assert_eq!(
            verify(&jws, &JwkSet { keys: vec![Jwk::of(&other.public())] }),
            Err(JwsError::UnknownKey(signer.kid().into()))
        );
        assert_eq!(verify("a.b", &set), Err(JwsError::Malformed));
        let none = format!(
            "{}.{payload}.{signature}",
            BASE64URL_NOPAD.encode(br#"{"alg":"none","kid":"x","typ":"registry-status+json"}"#)
        );
        assert_eq!(verify(&none, &set), Err(JwsError::Header));
    }

    #[test]
    fn a_key_listed_under_another_keys_id_is_not_used() {
        let (signer, other) = (key(1), key(2));
        let mut forged = Jwk::of(&other.public());
        forged.kid = signer.kid().into();
        let jws = signer.sign_compact(StatementType::Status, b"{}");
        assert_eq!(verify(&jws, &JwkSet { keys: vec![forged] }), Err(JwsError::UnknownKey(signer.kid().into())));
    }

    #[test]
    fn a_stored_signature_puts_the_same_statement_together_again() {
        let signer = key(3);
        let signature = signer.sign(StatementType::Status, b"{}");
        assert_eq!(
            compact(StatementType::Status, signer.kid(), b"{}", &signature),
            signer.sign_compact(StatementType::Status, b"{}")
        );
    }
}
