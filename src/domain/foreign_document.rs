//! The identity document of a non-resident individual.

use super::{redacted_debug, string_enum};
use zeroize::{Zeroize, ZeroizeOnDrop};

string_enum! {
    /// The kind of document a non-resident identifies with.
    pub enum DocumentType: UnknownDocumentType {
        Passport = "passport",
        IdCard = "id_card",
        ResidencePermit = "residence_permit",
    }
}

/// Why a document number was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DocumentNumberError {
    #[error("must be 4 to 20 letters or digits")]
    WrongLength,
    #[error("may contain only Latin letters and digits")]
    BadCharacter,
}

/// A document number, normalized to upper case without spaces or hyphens so
/// that the same document always gives the same blind index.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct DocumentNumber(String);

redacted_debug!(DocumentNumber);

impl DocumentNumber {
    pub fn parse(input: &str) -> Result<Self, DocumentNumberError> {
        let mut normalized = String::with_capacity(input.len());
        for c in input.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            if !c.is_ascii_alphanumeric() {
                return Err(DocumentNumberError::BadCharacter);
            }
            normalized.push(c.to_ascii_uppercase());
        }
        if !(4..=20).contains(&normalized.len()) {
            return Err(DocumentNumberError::WrongLength);
        }
        Ok(Self(normalized))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The value is not an assigned ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be an ISO 3166-1 two-letter country code")]
pub struct CountryCodeError;

/// An assigned ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode(isocountry::CountryCode);

impl CountryCode {
    pub fn parse(input: &str) -> Result<Self, CountryCodeError> {
        let code = input.trim().to_ascii_uppercase();
        isocountry::CountryCode::for_alpha2(&code).map(Self).map_err(|_| CountryCodeError)
    }

    pub fn as_str(self) -> &'static str {
        self.0.alpha2()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_are_normalized() {
        assert_eq!(DocumentNumber::parse(" n12-34 5678 ").unwrap().expose(), "N12345678");
    }

    #[test]
    fn document_numbers_are_bounded() {
        assert_eq!(DocumentNumber::parse("A1"), Err(DocumentNumberError::WrongLength));
        assert_eq!(DocumentNumber::parse(&"9".repeat(21)), Err(DocumentNumberError::WrongLength));
        assert_eq!(DocumentNumber::parse("N12/345"), Err(DocumentNumberError::BadCharacter));
    }

    #[test]
    fn country_codes_must_be_assigned() {
        assert_eq!(CountryCode::parse("de").unwrap().as_str(), "DE");
        assert_eq!(CountryCode::parse("KZ").unwrap().as_str(), "KZ");
        assert_eq!(CountryCode::parse("XX"), Err(CountryCodeError));
        assert_eq!(CountryCode::parse("DEU"), Err(CountryCodeError));
        assert_eq!(CountryCode::parse(""), Err(CountryCodeError));
    }

    #[test]
    fn document_types_round_trip_through_their_codes() {
        for t in DocumentType::ALL {
            assert_eq!(t.as_str().parse::<DocumentType>(), Ok(*t));
        }
        assert!("visa".parse::<DocumentType>().is_err());
    }
}
