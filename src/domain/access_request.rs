//! An official's request to see a person's identity (DESIGN §7), parsed.

use super::{AccountRef, Authority, FieldList, Identifier, LegalBasis, PlatformSlug, string_enum};
use chrono::{DateTime, NaiveDate, Utc};

string_enum! {
    /// Where an access request stands (DESIGN §7).
    pub enum RequestState: UnknownRequestState {
        /// Filed, waiting for an approver.
        Pending = "pending",
        /// Approved, and still within its validity window.
        Approved = "approved",
        Denied = "denied",
        /// Approved, but the validity window has passed. Never stored: see [`RequestState::at`].
        Expired = "expired",
    }
}

impl RequestState {
    /// The state as of `now`, from the stored one: an approval past its
    /// validity window has expired.
    pub fn at(self, valid_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match (self, valid_until) {
            (RequestState::Approved, Some(until)) if until <= now => RequestState::Expired,
            (state, _) => state,
        }
    }
}

/// Whose data is asked for.
#[derive(Debug, Clone)]
pub enum Target {
    Account {
        platform: PlatformSlug,
        account_ref: AccountRef,
    },
    /// Every account of one person, found through the blind index.
    Identifier(Identifier),
}

/// The document the legal basis rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasisDocument {
    pub number: String,
    pub date: NaiveDate,
    pub issuer: String,
}

/// A complete, valid request.
#[derive(Debug, Clone)]
pub struct NewAccessRequest {
    pub target: Target,
    pub legal_basis: LegalBasis,
    /// Who asks; optional for clients written before it existed.
    pub authority: Option<Authority>,
    pub basis_document: BasisDocument,
    pub justification: String,
    pub fields: FieldList,
}

pub const MIN_JUSTIFICATION_CHARS: usize = 50;
pub const MAX_JUSTIFICATION_CHARS: usize = 4000;

/// Why a request is invalid: the JSON path of the field and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct RequestError {
    pub field: &'static str,
    pub problem: String,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> RequestError {
    RequestError { field, problem: problem.into() }
}

fn bounded_text(field: &'static str, value: &str, max: usize) -> Result<String, RequestError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(invalid(field, format!("must be 1 to {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

impl BasisDocument {
    pub fn parse(number: &str, date: &str, issuer: &str, today: NaiveDate) -> Result<Self, RequestError> {
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| invalid("basis_document.date", "must be a date in the form YYYY-MM-DD"))?;
        if date > today {
            return Err(invalid("basis_document.date", "must not be in the future"));
        }
        Ok(Self {
            number: bounded_text("basis_document.number", number, 64)?,
            date,
            issuer: bounded_text("basis_document.issuer", issuer, 200)?,
        })
    }
}

/// At least [`MIN_JUSTIFICATION_CHARS`] characters of explanation.
pub fn parse_justification(value: &str) -> Result<String, RequestError> {
    let text = value.trim();
    let chars = text.chars().count();
    if chars < MIN_JUSTIFICATION_CHARS {
        return Err(invalid(
            "justification",
            format!("must be at least {MIN_JUSTIFICATION_CHARS} characters (got {chars})"),
        ));
    }
    bounded_text("justification", text, MAX_JUSTIFICATION_CHARS)
}

/// A non-empty list of known field names, each once.
pub fn parse_fields(names: &[String]) -> Result<FieldList, RequestError> {
    FieldList::parse(names).map_err(|e| invalid("fields", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Field;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_justification_needs_fifty_characters() {
        assert_eq!(parse_justification(&"x".repeat(49)).unwrap_err().field, "justification");
        assert!(parse_justification(&"x".repeat(50)).is_ok());
        assert!(parse_justification(&format!("  {}  ", "x".repeat(49))).is_err(), "padding does not count");
    }

    #[test]
    fn an_approval_expires_at_the_end_of_its_validity_window() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let later = Some(now + chrono::TimeDelta::seconds(1));
        assert_eq!(RequestState::Approved.at(later, now), RequestState::Approved);
        assert_eq!(RequestState::Approved.at(Some(now), now), RequestState::Expired);
        assert_eq!(RequestState::Pending.at(Some(now), now), RequestState::Pending);
        assert_eq!(RequestState::Denied.at(None, now), RequestState::Denied);
    }

    #[test]
    fn fields_are_known_and_unique() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_fields(&names(&["surname", "iin"])).unwrap().as_slice(), [Field::Surname, Field::Iin]);
        assert!(parse_fields(&[]).is_err());
        assert!(parse_fields(&names(&["surname", "address"])).is_err());
        assert!(parse_fields(&names(&["email", "email"])).is_err());
    }

    #[test]
    fn basis_documents_are_dated_in_the_past() {
        assert!(BasisDocument::parse("2-1234/2026", "2026-11-20", "Almaty District Court", today()).is_ok());
        assert_eq!(BasisDocument::parse("1", "2026-12-01", "Court", today()).unwrap_err().field, "basis_document.date");
        assert_eq!(
            BasisDocument::parse("", "2026-11-01", "Court", today()).unwrap_err().field,
            "basis_document.number"
        );
        assert_eq!(BasisDocument::parse("1", "01.11.2026", "Court", today()).unwrap_err().field, "basis_document.date");
    }
}
