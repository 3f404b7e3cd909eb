//! The owner's contact address.

use super::redacted_debug;
use validator::ValidateEmail;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The value is not a usable e-mail address. Never carries the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a valid e-mail address")]
pub struct ContactEmailError;

/// The owner's contact address, trimmed and syntactically valid.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct ContactEmail(String);

redacted_debug!(ContactEmail);

impl ContactEmail {
    pub fn parse(input: &str) -> Result<Self, ContactEmailError> {
        let trimmed = input.trim();
        if trimmed.len() > 254 || !trimmed.validate_email() {
            return Err(ContactEmailError);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_trimmed_addresses_and_rejects_others() {
        assert_eq!(ContactEmail::parse(" owner@example.kz ").unwrap().expose(), "owner@example.kz");
        for bad in ["", "owner", "owner@", "@example.kz", "a b@example.kz"] {
            assert_eq!(ContactEmail::parse(bad), Err(ContactEmailError), "{bad:?}");
        }
        let long = format!("{}@example.kz", "a".repeat(250));
        assert_eq!(ContactEmail::parse(&long), Err(ContactEmailError));
    }
}
