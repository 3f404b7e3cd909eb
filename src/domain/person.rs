//! Names and dates of birth: personal data, always redacted in `Debug`.

use super::{is_forbidden_text_char, redacted_debug};
use chrono::NaiveDate;
use zeroize::{Zeroize, ZeroizeOnDrop};

const MAX_PERSON_NAME_CHARS: usize = 100;
const MAX_LEGAL_NAME_CHARS: usize = 300;

/// Why a name was rejected. Never carries the rejected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("is too long")]
    TooLong,
    #[error("contains characters that are not allowed in a name")]
    BadCharacter,
}

/// Trims, collapses inner whitespace and checks length and characters.
fn parse_text(input: &str, max_chars: usize, allowed: impl Fn(char) -> bool) -> Result<String, NameError> {
    let normalized = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if normalized.is_empty() {
        return Err(NameError::Empty);
    }
    if normalized.chars().count() > max_chars {
        return Err(NameError::TooLong);
    }
    if normalized.chars().any(|c| is_forbidden_text_char(c) || !allowed(c)) {
        return Err(NameError::BadCharacter);
    }
    Ok(normalized)
}

/// A surname, given name or patronymic in any script.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct PersonName(String);

/// The registered name of a legal entity.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct LegalName(String);

redacted_debug!(PersonName, LegalName, BirthDate);

impl PersonName {
    /// Letters of any script, spaces, hyphens, apostrophes and periods.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        parse_text(input, MAX_PERSON_NAME_CHARS, |c| {
            c.is_alphabetic() || c.is_whitespace() || matches!(c, '-' | '\'' | '’' | '.')
        })
        .map(Self)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl LegalName {
    /// Any printable text: company names contain digits, quotes and punctuation.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        parse_text(input, MAX_LEGAL_NAME_CHARS, |_| true).map(Self)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Why a date of birth was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BirthDateError {
    #[error("must be a date in the form YYYY-MM-DD")]
    Malformed,
    #[error("must not be in the future")]
    InFuture,
    #[error("must be after 1900-01-01")]
    TooEarly,
}

/// A plausible date of birth: not in the future, not before 1900.
#[derive(Clone, PartialEq, Eq)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    /// `today` is an argument so that this stays a pure function.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, BirthDateError> {
        let date = NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d").map_err(|_| BirthDateError::Malformed)?;
        if date > today {
            return Err(BirthDateError::InFuture);
        }
        if date < NaiveDate::from_ymd_opt(1900, 1, 1).ok_or(BirthDateError::Malformed)? {
            return Err(BirthDateError::TooEarly);
        }
        Ok(Self(date))
    }

    /// ISO 8601 (`YYYY-MM-DD`), the form that is encrypted and disclosed.
    pub fn expose(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_are_accepted_and_trimmed() {
        assert_eq!(PersonName::parse("  Әбішұлы ").unwrap().expose(), "Әбішұлы");
        assert_eq!(PersonName::parse("O'Neil-Smith  Jr.").unwrap().expose(), "O'Neil-Smith Jr.");
    }

    #[test]
    fn names_reject_digits_controls_and_overlong_input() {
        assert_eq!(PersonName::parse("   "), Err(NameError::Empty));
        assert_eq!(PersonName::parse("R2D2"), Err(NameError::BadCharacter));
        assert_eq!(PersonName::parse("Ann\u{202E}"), Err(NameError::BadCharacter));
        assert_eq!(PersonName::parse(&"a".repeat(101)), Err(NameError::TooLong));
        assert_eq!(LegalName::parse("«Алем-2» ЖШС"), Ok(LegalName("«Алем-2» ЖШС".into())));
    }

    #[test]
    fn birth_dates_are_bounded_by_today_and_1900() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(BirthDate::parse("1990-02-28", today).unwrap().expose(), "1990-02-28");
        assert_eq!(BirthDate::parse("1990-02-30", today), Err(BirthDateError::Malformed));
        assert_eq!(BirthDate::parse("28.02.1990", today), Err(BirthDateError::Malformed));
        assert_eq!(BirthDate::parse("2026-11-24", today), Err(BirthDateError::InFuture));
        assert_eq!(BirthDate::parse("1899-12-31", today), Err(BirthDateError::TooEarly));
    }
}
