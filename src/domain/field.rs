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

/// What an official asks for: fields, in the order asked, and perhaps
/// `accounts` (every account of the person, not only the target's); at
/// least one item, each once. Stored as comma-separated codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldList {
    fields: Vec<Field>,
    accounts: bool,
}

/// The code that asks for the person's other accounts.
pub const ACCOUNTS: &str = "accounts";

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
        let (mut fields, mut accounts) = (Vec::with_capacity(names.len()), false);
        for name in names {
            if name.as_ref() == ACCOUNTS {
                if accounts {
                    return Err(FieldListError::Repeated);
                }
                accounts = true;
                continue;
            }
            let field: Field = name.as_ref().parse().map_err(|_| FieldListError::Unknown)?;
            if fields.contains(&field) {
                return Err(FieldListError::Repeated);
            }
            fields.push(field);
        }
        Ok(Self { fields, accounts })
    }

    /// The stored form, `surname,given_name`.
    pub fn parse_codes(codes: &str) -> Result<Self, FieldListError> {
        Self::parse(&codes.split(',').collect::<Vec<_>>())
    }

    pub fn to_codes(&self) -> String {
        self.codes().collect::<Vec<_>>().join(",")
    }

    /// Every item's code: the fields, then `accounts` if asked for.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields.iter().map(|f| f.as_str()).chain(self.accounts.then_some(ACCOUNTS))
    }

    /// The identity fields asked for.
    pub fn as_slice(&self) -> &[Field] {
        &self.fields
    }

    /// Whether every account of the person is asked for.
    pub fn includes_accounts(&self) -> bool {
        self.accounts
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
        assert_eq!(FieldList::parse_codes(&list.to_codes()), Ok(list.clone()));
        assert_eq!(FieldList::parse::<&str>(&[]), Err(FieldListError::Empty));
        assert_eq!(FieldList::parse(&["surname", "address"]), Err(FieldListError::Unknown));
        assert_eq!(FieldList::parse(&["email", "email"]), Err(FieldListError::Repeated));
        let with_accounts = FieldList::parse(&["accounts", "surname"]).unwrap();
        assert_eq!((with_accounts.as_slice(), with_accounts.includes_accounts()), ([Field::Surname].as_slice(), true));
        assert_eq!(with_accounts.to_codes(), "surname,accounts");
        assert!(!list.includes_accounts());
        assert!(FieldList::parse(&["accounts"]).is_ok(), "the accounts alone are a request");
        assert_eq!(FieldList::parse(&["accounts", "accounts"]), Err(FieldListError::Repeated));
    }
}
