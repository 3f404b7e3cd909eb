//! The items of identification data (DESIGN §4), one by one and as the
//! list an official asks for.

use super::string_enum;

string_enum! {
    /// One item of identification data (DESIGN §4). Each is encrypted
    /// separately, so a disclosure decrypts only the approved ones.
    pub enum Field: UnknownField {
        Iin = "iin",
        Bin = "bin",
        DocumentType = "document_type",
        DocumentNumber = "document_number",
        Country = "country",
        Surname = "surname",
        GivenName = "given_name",
        Patronymic = "patronymic",
        LegalName = "legal_name",
        BirthDate = "birth_date",
        Email = "email",
    }
}

/// The fields an official asks for: at least one, each once, in the order
/// asked. Stored as comma-separated codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldList(Vec<Field>);

/// Why a list of field names was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldListError {
    #[error("must name at least one field")]
    Empty,
    #[error("contains an unknown field name")]
    Unknown,
    #[error("names a field twice")]
    Repeated,
}

impl FieldList {
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, FieldListError> {
        if names.is_empty() {
            return Err(FieldListError::Empty);
        }
        let mut fields = Vec::with_capacity(names.len());
        for name in names {
            let field: Field = name.as_ref().parse().map_err(|_| FieldListError::Unknown)?;
            if fields.contains(&field) {
                return Err(FieldListError::Repeated);
            }
            fields.push(field);
        }
        Ok(Self(fields))
    }

    /// The stored form, `surname,given_name`.
    pub fn parse_codes(codes: &str) -> Result<Self, FieldListError> {
        Self::parse(&codes.split(',').collect::<Vec<_>>())
    }

    pub fn to_codes(&self) -> String {
        self.0.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn as_slice(&self) -> &[Field] {
        &self.0
    }
}

impl std::str::FromStr for FieldList {
    type Err = FieldListError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_codes(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lists_are_known_unique_and_round_trip_through_their_codes() {
        let list = FieldList::parse(&["surname", "iin"]).unwrap();
        assert_eq!(list.as_slice(), [Field::Surname, Field::Iin]);
        assert_eq!(FieldList::parse_codes(&list.to_codes()), Ok(list));
        assert_eq!(FieldList::parse::<&str>(&[]), Err(FieldListError::Empty));
        assert_eq!(FieldList::parse(&["surname", "address"]), Err(FieldListError::Unknown));
        assert_eq!(FieldList::parse(&["email", "email"]), Err(FieldListError::Repeated));
    }
}
