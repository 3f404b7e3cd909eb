//! Officials' passwords: argon2id PHC strings with a random salt.

use super::CryptoError;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

/// argon2id v19, 19 MiB, 2 passes, 1 lane (OWASP). Stored in each PHC
/// string, so raising it later still verifies old hashes.
fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

pub fn hash_password(password: &SecretString) -> Result<String, CryptoError> {
    hasher()
        .hash_password(password.expose_secret().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| CryptoError::Argon2(e.to_string()))
}

/// Constant-time in the password; false for any malformed hash.
pub fn verify_password(password: &SecretString, phc: &str) -> bool {
    hasher().verify_password(password.expose_secret().as_bytes(), phc).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let password = SecretString::from("correct horse battery staple");
        let phc = hash_password(&password).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password(&password, &phc));
        assert!(!verify_password(&SecretString::from("correct horse battery stapler"), &phc));
        assert!(!verify_password(&password, "not a phc string"));
        assert_ne!(phc, hash_password(&password).unwrap(), "salts are random");
    }
}
