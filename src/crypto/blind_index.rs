//! The blind index: a deterministic keyed hash of an identifier, for exact
//! lookups and de-duplication without storing the identifier.
//!
//! argon2id with the secret pepper as argon2's `secret` input and a fixed
//! per-deployment salt, so equal identifiers give equal indexes. There are
//! only ~7×10⁸ plausible IINs: the pepper, not the work factor, is what makes
//! a brute force over a stolen database impossible; argon2 keeps it slow even
//! if the pepper leaks.

use super::CryptoError;
use crate::domain::Identifier;
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// A 32-byte blind index value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BlindIndex(pub [u8; 32]);

impl std::fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndex(<redacted>)")
    }
}

/// argon2id cost parameters, fixed per deployment in the key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexParams {
    /// Memory in KiB.
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for IndexParams {
    /// OWASP's first argon2id recommendation: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self { m_cost: 19_456, t_cost: 2, p_cost: 1 }
    }
}

impl IndexParams {
    fn to_argon2(self) -> Result<Params, String> {
        Params::new(self.m_cost, self.t_cost, self.p_cost, Some(32)).map_err(|e| e.to_string())
    }

    /// Rejects parameters argon2 cannot use or that are too weak to matter.
    pub(crate) fn validate(self) -> Result<(), String> {
        if self.m_cost < 8 * 1024 {
            return Err("index_params.m_cost must be at least 8192 KiB".into());
        }
        self.to_argon2().map(|_| ()).map_err(|e| format!("index_params: {e}"))
    }
}

/// Computes blind indexes with the deployment's pepper, salt and parameters.
pub struct BlindIndexer<'k> {
    argon2: Result<Argon2<'k>, String>,
    salt: &'k [u8; 16],
}

impl<'k> BlindIndexer<'k> {
    pub(crate) fn new(pepper: &'k [u8; 32], salt: &'k [u8; 16], params: IndexParams) -> Self {
        let argon2 = params.to_argon2().and_then(|params| {
            Argon2::new_with_secret(pepper, Algorithm::Argon2id, Version::V0x13, params).map_err(|e| e.to_string())
        });
        Self { argon2, salt }
    }

    /// Costs one argon2id evaluation (tens of milliseconds): run it off the async executor.
    pub fn index(&self, identifier: &Identifier) -> Result<BlindIndex, CryptoError> {
        let argon2 = self.argon2.as_ref().map_err(|e| CryptoError::Argon2(e.clone()))?;
        let mut out = [0u8; 32];
        argon2
            .hash_password_into(identifier.index_input().as_bytes(), self.salt, &mut out)
            .map_err(|e| CryptoError::Argon2(e.to_string()))?;
        Ok(BlindIndex(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyRing;
    use crate::domain::{Bin, Iin};
    use chrono::Utc;

    fn iin(s: &str) -> Identifier {
        Identifier::Iin(Iin::parse(s).unwrap())
    }

    #[test]
    fn equal_identifiers_give_equal_indexes() {
        let ring = KeyRing::generate(Utc::now());
        let indexer = ring.blind_indexer();
        let a = indexer.index(&iin("900115353054")).unwrap();
        assert_eq!(a, indexer.index(&iin("900115 353054")).unwrap());
        assert_ne!(a, indexer.index(&iin("850612414080")).unwrap());
    }

    #[test]
    fn the_index_depends_on_the_pepper() {
        let one = KeyRing::generate(Utc::now());
        let other = KeyRing::generate(Utc::now());
        let id = iin("900115353054");
        assert_ne!(one.blind_indexer().index(&id).unwrap(), other.blind_indexer().index(&id).unwrap());
    }

    #[test]
    fn the_same_digits_as_iin_and_bin_give_different_indexes() {
        let ring = KeyRing::generate(Utc::now());
        let indexer = ring.blind_indexer();
        let digits = "050445669500";
        let as_bin = Identifier::Bin(Bin::parse(digits).unwrap());
        let as_iin = iin(digits);
        assert_ne!(indexer.index(&as_bin).unwrap(), indexer.index(&as_iin).unwrap());
    }
}
