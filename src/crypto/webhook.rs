//! Signing webhook deliveries per the Standard Webhooks specification: the
//! signed content is `{webhook-id}.{webhook-timestamp}.{body}`; `v1` is its
//! HMAC-SHA256 under the endpoint's secret, `v1a` its Ed25519 signature,
//! each base64. An endpoint's secret is derived from the key file's token
//! key and a random nonce the database keeps, so the database alone cannot
//! sign, and a rotation is a new nonce.

use super::{TokenPurpose, token::TokenDigester};
use crate::domain::{DeliveryId, SigningScheme};
use data_encoding::BASE64;
use ed25519_dalek::Signer as _;
use hmac::{KeyInit, Mac};
use zeroize::Zeroizing;

/// An endpoint's signing secret, as derived; never stored, never logged.
pub struct EndpointSecret {
    scheme: SigningScheme,
    bytes: Zeroizing<[u8; 32]>,
}

impl EndpointSecret {
    pub fn derive(digester: &TokenDigester<'_>, scheme: SigningScheme, nonce: &[u8]) -> Self {
        let digest = digester.digest(TokenPurpose::WebhookSecret, &BASE64.encode(nonce));
        Self { scheme, bytes: Zeroizing::new(digest.0) }
    }

    /// What the platform is given once: the shared secret (`whsec_…`) for
    /// `v1`, the public key (`whpk_…`) for `v1a`, as Standard Webhooks
    /// libraries take them.
    pub fn shown(&self) -> String {
        match self.scheme {
            SigningScheme::Hmac => format!("whsec_{}", BASE64.encode(&self.bytes[..])),
            SigningScheme::Ed25519 => {
                let key = ed25519_dalek::SigningKey::from_bytes(&self.bytes);
                format!("whpk_{}", BASE64.encode(key.verifying_key().as_bytes()))
            }
        }
    }

    /// One `webhook-signature` entry: `v1,<base64>` or `v1a,<base64>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let content = [id.as_bytes(), b".", timestamp.to_string().as_bytes(), b".", body].concat();
        match self.scheme {
            SigningScheme::Hmac => format!("v1,{}", BASE64.encode(&hmac_sha256(&self.bytes[..], &content))),
            SigningScheme::Ed25519 => {
                let key = ed25519_dalek::SigningKey::from_bytes(&self.bytes);
                format!("v1a,{}", BASE64.encode(&key.sign(&content).to_bytes()))
            }
        }
    }
}

/// A delivery's `webhook-id`: the same on every attempt and redelivery, and
/// keyed, so that ids do not count the deliveries of other platforms.
pub fn message_id(digester: &TokenDigester<'_>, delivery: DeliveryId) -> String {
    let digest = digester.digest(TokenPurpose::WebhookMessageId, &delivery.get().to_string());
    format!("msg_{}", data_encoding::BASE64URL_NOPAD.encode(&digest.0[..15]))
}

#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn hmac_sha256(key: &[u8], content: &[u8]) -> [u8; 32] {
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(content);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_example_signature_is_reproduced() {
        // The specification's example (its secret is 24 bytes; ours are 32).
        let key = BASE64.decode(b"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let content = br#"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}"#;
        assert_eq!(BASE64.encode(&hmac_sha256(&key, content)), "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn each_scheme_signs_as_the_platform_checks_it() {
        let digester = TokenDigester::new(&[7; 32]);
        let hmac = EndpointSecret::derive(&digester, SigningScheme::Hmac, b"nonce-1");
        let signature = hmac.sign("msg_1", 1_700_000_000, b"{}");
        let shown = BASE64.decode(hmac.shown().strip_prefix("whsec_").unwrap().as_bytes()).unwrap();
        let expected = hmac_sha256(&shown, b"msg_1.1700000000.{}");
        assert_eq!(signature, format!("v1,{}", BASE64.encode(&expected)));

        let ed = EndpointSecret::derive(&digester, SigningScheme::Ed25519, b"nonce-1");
        let public = BASE64.decode(ed.shown().strip_prefix("whpk_").unwrap().as_bytes()).unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().unwrap()).unwrap();
        let signed =
            BASE64.decode(ed.sign("msg_1", 1_700_000_000, b"{}").strip_prefix("v1a,").unwrap().as_bytes()).unwrap();
        key.verify_strict(b"msg_1.1700000000.{}", &ed25519_dalek::Signature::from_bytes(&signed.try_into().unwrap()))
            .unwrap();
        let ids = [message_id(&digester, DeliveryId::new(1)), message_id(&digester, DeliveryId::new(2))];
        assert!(ids[0].starts_with("msg_") && ids[0].len() == 24, "{}", ids[0]);
        assert_ne!(ids[0], ids[1]);
        assert_eq!(ids[0], message_id(&digester, DeliveryId::new(1)), "stable");
        assert_ne!(
            EndpointSecret::derive(&digester, SigningScheme::Hmac, b"nonce-2").shown(),
            hmac.shown(),
            "a new nonce is a new secret"
        );
    }
}
