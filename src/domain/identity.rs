//! An owner's identification, as declared on the form (DESIGN §4).

use super::{
    Bin, BirthDate, ContactEmail, CountryCode, DocumentNumber, DocumentType, Field, Iin, LegalName, PersonName,
    string_enum,
};
use zeroize::Zeroizing;

string_enum! {
    /// Which of the three identification forms an owner filled in.
    pub enum OwnerType: UnknownOwnerType {
        Resident = "resident",
        NonResident = "non_resident",
        LegalEntity = "legal_entity",
    }
}

string_enum! {
    /// Which kind of identifier an official searches by.
    pub enum IdentifierType: UnknownIdentifierType {
        Iin = "iin",
        Bin = "bin",
        /// A foreign document's number with its issuing country.
        Document = "document",
    }
}

/// What identifies a person or entity uniquely: the input of the blind index.
#[derive(Debug, Clone)]
pub enum Identifier {
    Iin(Iin),
    Bin(Bin),
    Document { country: CountryCode, number: DocumentNumber },
}

impl Identifier {
    pub fn kind(&self) -> IdentifierType {
        match self {
            Identifier::Iin(_) => IdentifierType::Iin,
            Identifier::Bin(_) => IdentifierType::Bin,
            Identifier::Document { .. } => IdentifierType::Document,
        }
    }

    /// The canonical string that is hashed into the blind index. Each kind has
    /// its own prefix so that equal digits of different kinds never collide.
    pub fn index_input(&self) -> Zeroizing<String> {
        Zeroizing::new(match self {
            Identifier::Iin(iin) => format!("iin:{}", iin.expose()),
            Identifier::Bin(bin) => format!("bin:{}", bin.expose()),
            Identifier::Document { country, number } => format!("doc:{}:{}", country.as_str(), number.expose()),
        })
    }
}

/// A complete, parsed declaration: exactly the §4 fields of one owner type.
#[derive(Debug, Clone)]
pub enum Declaration {
    Resident {
        iin: Iin,
        surname: PersonName,
        given_name: PersonName,
        patronymic: Option<PersonName>,
        email: ContactEmail,
    },
    NonResident {
        document_type: DocumentType,
        document_number: DocumentNumber,
        country: CountryCode,
        surname: PersonName,
        given_name: PersonName,
        birth_date: BirthDate,
        email: ContactEmail,
    },
    LegalEntity {
        bin: Bin,
        legal_name: LegalName,
        email: ContactEmail,
    },
}

impl Declaration {
    pub fn owner_type(&self) -> OwnerType {
        match self {
            Declaration::Resident { .. } => OwnerType::Resident,
            Declaration::NonResident { .. } => OwnerType::NonResident,
            Declaration::LegalEntity { .. } => OwnerType::LegalEntity,
        }
    }

    pub fn identifier(&self) -> Identifier {
        match self {
            Declaration::Resident { iin, .. } => Identifier::Iin(iin.clone()),
            Declaration::NonResident { country, document_number, .. } => {
                Identifier::Document { country: *country, number: document_number.clone() }
            }
            Declaration::LegalEntity { bin, .. } => Identifier::Bin(bin.clone()),
        }
    }

    /// Every field with its plaintext, ready to be encrypted one by one.
    pub fn fields(&self) -> Vec<(Field, Zeroizing<String>)> {
        let text = |s: &str| Zeroizing::new(s.to_owned());
        match self {
            Declaration::Resident { iin, surname, given_name, patronymic, email } => {
                let mut fields = vec![
                    (Field::Iin, Zeroizing::new(iin.expose())),
                    (Field::Surname, text(surname.expose())),
                    (Field::GivenName, text(given_name.expose())),
                    (Field::Email, text(email.expose())),
                ];
                if let Some(patronymic) = patronymic {
                    fields.push((Field::Patronymic, text(patronymic.expose())));
                }
                fields
            }
            Declaration::NonResident {
                document_type,
                document_number,
                country,
                surname,
                given_name,
                birth_date,
                email,
            } => vec![
                (Field::DocumentType, text(document_type.as_str())),
                (Field::DocumentNumber, text(document_number.expose())),
                (Field::Country, text(country.as_str())),
                (Field::Surname, text(surname.expose())),
                (Field::GivenName, text(given_name.expose())),
                (Field::BirthDate, Zeroizing::new(birth_date.expose())),
                (Field::Email, text(email.expose())),
            ],
            Declaration::LegalEntity { bin, legal_name, email } => vec![
                (Field::Bin, Zeroizing::new(bin.expose())),
                (Field::LegalName, text(legal_name.expose())),
                (Field::Email, text(email.expose())),
            ],
        }
    }
}

/// Stored fields that do not make a declaration: changed outside the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the stored fields do not make a {0} declaration")]
pub struct FieldsError(OwnerType);

impl Declaration {
    /// The inverse of [`Declaration::fields`]: the declaration of `owner_type`
    /// from its fields, each checked again. `declared_on` is the day it was
    /// declared, against which a birth date was checked.
    pub fn from_fields(
        owner_type: OwnerType,
        fields: &[(Field, Zeroizing<String>)],
        declared_on: chrono::NaiveDate,
    ) -> Result<Self, FieldsError> {
        let bad = FieldsError(owner_type);
        let get = |field: Field| fields.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_str()).ok_or(bad);
        let email = ContactEmail::parse(get(Field::Email)?).map_err(|_| bad)?;
        Ok(match owner_type {
            OwnerType::Resident => Declaration::Resident {
                iin: Iin::parse(get(Field::Iin)?).map_err(|_| bad)?,
                surname: PersonName::parse(get(Field::Surname)?).map_err(|_| bad)?,
                given_name: PersonName::parse(get(Field::GivenName)?).map_err(|_| bad)?,
                patronymic: get(Field::Patronymic).ok().map(PersonName::parse).transpose().map_err(|_| bad)?,
                email,
            },
            OwnerType::NonResident => Declaration::NonResident {
                document_type: get(Field::DocumentType)?.parse().map_err(|_| bad)?,
                document_number: DocumentNumber::parse(get(Field::DocumentNumber)?).map_err(|_| bad)?,
                country: CountryCode::parse(get(Field::Country)?).map_err(|_| bad)?,
                surname: PersonName::parse(get(Field::Surname)?).map_err(|_| bad)?,
                given_name: PersonName::parse(get(Field::GivenName)?).map_err(|_| bad)?,
                birth_date: BirthDate::parse(get(Field::BirthDate)?, declared_on).map_err(|_| bad)?,
                email,
            },
            OwnerType::LegalEntity => Declaration::LegalEntity {
                bin: Bin::parse(get(Field::Bin)?).map_err(|_| bad)?,
                legal_name: LegalName::parse(get(Field::LegalName)?).map_err(|_| bad)?,
                email,
            },
        })
    }

    /// The contact address declared.
    pub fn email(&self) -> &ContactEmail {
        match self {
            Declaration::Resident { email, .. }
            | Declaration::NonResident { email, .. }
            | Declaration::LegalEntity { email, .. } => email,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_of_different_kinds_never_share_an_index_input() {
        let doc = Identifier::Document {
            country: CountryCode::parse("de").unwrap(),
            number: DocumentNumber::parse("c01x-00t47").unwrap(),
        };
        assert_eq!(doc.index_input().as_str(), "doc:DE:C01X00T47");
        let iin = Identifier::Iin(Iin::parse("900115353054").unwrap());
        assert_eq!(iin.index_input().as_str(), "iin:900115353054");
    }

    #[test]
    fn a_resident_declares_only_the_resident_fields() {
        let declaration = Declaration::Resident {
            iin: Iin::parse("900115353054").unwrap(),
            surname: PersonName::parse("Абаев").unwrap(),
            given_name: PersonName::parse("Ерлан").unwrap(),
            patronymic: None,
            email: ContactEmail::parse("e@example.kz").unwrap(),
        };
        let names: Vec<_> = declaration.fields().iter().map(|(f, _)| *f).collect();
        assert_eq!(names, [Field::Iin, Field::Surname, Field::GivenName, Field::Email]);
        assert_eq!(declaration.owner_type(), OwnerType::Resident);
    }

    #[test]
    fn a_declaration_is_rebuilt_from_its_fields_and_only_from_complete_ones() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let declaration = Declaration::NonResident {
            document_type: DocumentType::Passport,
            document_number: DocumentNumber::parse("C01X00T47").unwrap(),
            country: CountryCode::parse("DE").unwrap(),
            surname: PersonName::parse("Müller").unwrap(),
            given_name: PersonName::parse("Jana").unwrap(),
            birth_date: BirthDate::parse("1990-02-03", today).unwrap(),
            email: ContactEmail::parse("j@example.de").unwrap(),
        };
        let fields = declaration.fields();
        let rebuilt = Declaration::from_fields(OwnerType::NonResident, &fields, today).unwrap();
        let text = |d: &Declaration| d.fields().into_iter().map(|(f, v)| (f, v.to_string())).collect::<Vec<_>>();
        assert_eq!(text(&rebuilt), text(&declaration));
        assert_eq!(rebuilt.email().expose(), "j@example.de");
        assert!(Declaration::from_fields(OwnerType::Resident, &fields, today).is_err(), "another type's fields");
        assert!(Declaration::from_fields(OwnerType::NonResident, &fields[1..], today).is_err(), "a field missing");
    }
}
