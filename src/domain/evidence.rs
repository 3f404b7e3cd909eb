//! Registrar review without a full read (DESIGN §7): the registrar types
//! what the evidence shows, the registry answers match or no match per
//! field and shows only a masked hint of what was declared.

use super::{
    Bin, BirthDate, CountryCode, DocumentNumber, DocumentType, Field, Iin, LegalName, OwnerType, PersonName,
    string_enum,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

string_enum! {
    /// Why a registrar found a declaration false: a fixed list, so the log
    /// and the owner's notice never carry free text.
    pub enum RejectionReason: UnknownRejectionReason {
        /// The evidence shows other data than was declared.
        DataMismatch = "data_mismatch",
        /// The identity document is invalid, expired or forged.
        DocumentInvalid = "document_invalid",
        /// No such person or organisation exists in the source registers.
        PersonNotFound = "person_not_found",
        /// The declarer is not the person or organisation declared.
        NotTheDeclarant = "not_the_declarant",
    }
}

string_enum! {
    /// The registry's answer for one field a registrar checked.
    pub enum FieldMatch: UnknownFieldMatch {
        Match = "match",
        NoMatch = "no_match",
        /// The record has no such field (a patronymic left out, another owner type's field).
        NotDeclared = "not_declared",
    }
}

/// Why what a registrar typed was refused. Never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct EvidenceError {
    pub field: String,
    pub problem: &'static str,
}

/// What a check says of a declaration, as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Every declared field a registrar checks was checked, and every field
    /// checked matched: the registrar may confirm.
    pub confirms: bool,
    /// A declared field did not match: the registrar may reject the
    /// declaration as not matching.
    pub contradicts: bool,
    /// Something declared was compared (matching or not): the registrar
    /// looked at evidence of this declaration.
    pub compared: bool,
}

impl Verdict {
    /// The verdict of `results` on a declaration of `owner_type` whose
    /// fields are `declared`.
    pub fn of(results: &BTreeMap<Field, FieldMatch>, owner_type: OwnerType, declared: &[Field]) -> Self {
        let checkable = owner_type.checkable_fields().iter().filter(|field| declared.contains(field));
        let all_match = results.values().all(|answer| *answer == FieldMatch::Match);
        Self {
            confirms: all_match && checkable.into_iter().all(|field| results.contains_key(field)),
            contradicts: results.values().any(|answer| *answer == FieldMatch::NoMatch),
            compared: results.values().any(|answer| *answer != FieldMatch::NotDeclared),
        }
    }
}

/// What the evidence shows, each value in the canonical form it is compared
/// in: parsed as the owner's form parses it, names without case.
pub struct Evidence(BTreeMap<Field, Zeroizing<String>>);

impl std::fmt::Debug for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Evidence {
    /// At least one field; the contact e-mail is not evidence of identity.
    pub fn parse(claims: &BTreeMap<String, String>, today: NaiveDate) -> Result<Self, EvidenceError> {
        if claims.is_empty() {
            return Err(EvidenceError { field: "claims".into(), problem: "must name at least one field" });
        }
        let mut parsed = BTreeMap::new();
        for (name, value) in claims {
            let error = |problem| EvidenceError { field: format!("claims.{name}"), problem };
            let field: Field = name.parse().map_err(|_| error("is not a field a registrar checks"))?;
            if !OwnerType::ALL.iter().any(|owner| owner.checkable_fields().contains(&field)) {
                return Err(error("is not a field a registrar checks"));
            }
            let canonical =
                canonical(field, value, today).ok_or_else(|| error("is not a valid value of this field"))?;
            parsed.insert(field, canonical);
        }
        Ok(Self(parsed))
    }

    pub fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.0.keys().copied()
    }

    /// Compares each claimed field with the declared one in constant time.
    /// `declared_on` is the day the birth date was checked against.
    pub fn compare(
        &self,
        declared: &[(Field, Zeroizing<String>)],
        declared_on: NaiveDate,
    ) -> BTreeMap<Field, FieldMatch> {
        self.0
            .iter()
            .map(|(field, claimed)| {
                let stored = declared.iter().find(|(f, _)| f == field);
                let answer = match stored.and_then(|(_, value)| canonical(*field, value, declared_on)) {
                    None => FieldMatch::NotDeclared,
                    Some(stored) if bool::from(stored.as_bytes().ct_eq(claimed.as_bytes())) => FieldMatch::Match,
                    Some(_) => FieldMatch::NoMatch,
                };
                (*field, answer)
            })
            .collect()
    }
}

/// The form two values of `field` are compared in; `None` if it does not parse.
fn canonical(field: Field, value: &str, today: NaiveDate) -> Option<Zeroizing<String>> {
    let text = |s: &str| Some(Zeroizing::new(s.to_owned()));
    match field {
        Field::Iin => Iin::parse(value).ok().map(|v| Zeroizing::new(v.expose())),
        Field::Bin => Bin::parse(value).ok().map(|v| Zeroizing::new(v.expose())),
        Field::DocumentType => value.trim().parse::<DocumentType>().ok().and_then(|v| text(v.as_str())),
        Field::DocumentNumber => DocumentNumber::parse(value).ok().and_then(|v| text(v.expose())),
        Field::Country => CountryCode::parse(value).ok().and_then(|v| text(v.as_str())),
        Field::Surname | Field::GivenName | Field::Patronymic => {
            PersonName::parse(value).ok().map(|v| Zeroizing::new(v.expose().to_lowercase()))
        }
        Field::LegalName => LegalName::parse(value).ok().map(|v| Zeroizing::new(v.expose().to_lowercase())),
        Field::BirthDate => BirthDate::parse(value, today).ok().map(|v| Zeroizing::new(v.expose())),
        Field::Email => None,
    }
}

/// A hint of a declared field a registrar checked, enough to tell a typo
/// from another person: a name's first letter, the birth year, the document
/// type and country. Never any digit of an identifier (with a birth date
/// and sex, an IIN's last digits nearly name one person), never the e-mail.
pub fn mask(field: Field, value: &str) -> Option<String> {
    match field {
        Field::Surname | Field::GivenName | Field::Patronymic | Field::LegalName => {
            value.chars().next().map(|first| format!("{first}…"))
        }
        Field::BirthDate => value.get(..4).map(|year| format!("{year}-••-••")),
        Field::DocumentType | Field::Country => Some(value.to_owned()),
        Field::Iin | Field::Bin | Field::DocumentNumber | Field::Email => None,
    }
}

impl OwnerType {
    /// The fields a registrar may check for this type of owner, in the
    /// order of the owner's form.
    pub fn checkable_fields(self) -> &'static [Field] {
        match self {
            OwnerType::Resident => &[Field::Iin, Field::Surname, Field::GivenName, Field::Patronymic],
            OwnerType::NonResident => &[
                Field::DocumentType,
                Field::DocumentNumber,
                Field::Country,
                Field::Surname,
                Field::GivenName,
                Field::BirthDate,
            ],
            OwnerType::LegalEntity => &[Field::Bin, Field::LegalName],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn claims(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn declared() -> Vec<(Field, Zeroizing<String>)> {
        [(Field::Iin, "900115353054"), (Field::Surname, "Абаев"), (Field::Email, "e@example.kz")]
            .into_iter()
            .map(|(f, v)| (f, Zeroizing::new(v.to_owned())))
            .collect()
    }

    #[test]
    fn fields_are_compared_in_canonical_form() {
        let evidence = Evidence::parse(
            &claims(&[("iin", " 900115353054 "), ("surname", "АБАЕВ"), ("patronymic", "Ұлы")]),
            today(),
        )
        .unwrap();
        let answers = evidence.compare(&declared(), today());
        assert_eq!(answers[&Field::Iin], FieldMatch::Match);
        assert_eq!(answers[&Field::Surname], FieldMatch::Match, "names compare without case");
        assert_eq!(answers[&Field::Patronymic], FieldMatch::NotDeclared);
        let other = Evidence::parse(&claims(&[("iin", "850612414080"), ("surname", "Абаева")]), today()).unwrap();
        let answers = other.compare(&declared(), today());
        assert_eq!((answers[&Field::Iin], answers[&Field::Surname]), (FieldMatch::NoMatch, FieldMatch::NoMatch));
    }

    #[test]
    fn evidence_names_known_checkable_fields_with_valid_values() {
        assert_eq!(Evidence::parse(&claims(&[]), today()).unwrap_err().field, "claims");
        for (name, value) in [("email", "e@example.kz"), ("address", "x"), ("iin", "123"), ("birth_date", "30.11.1990")]
        {
            let refused = Evidence::parse(&claims(&[(name, value)]), today()).unwrap_err();
            assert_eq!(refused.field, format!("claims.{name}"));
            assert!(!refused.to_string().contains(value), "the value is never echoed");
        }
    }

    #[test]
    fn masks_keep_a_hint_and_hide_the_rest() {
        assert_eq!(mask(Field::Iin, "900115353054"), None, "no digit of an identifier");
        assert_eq!(mask(Field::Surname, "Абаев").as_deref(), Some("А…"));
        assert_eq!(mask(Field::BirthDate, "1990-02-28").as_deref(), Some("1990-••-••"));
        assert_eq!(mask(Field::Country, "DE").as_deref(), Some("DE"));
        assert_eq!(mask(Field::Email, "e@example.kz"), None);
    }

    #[test]
    fn only_a_check_of_every_declared_field_confirms_and_any_mismatch_contradicts() {
        use FieldMatch::*;
        let declared = [Field::Iin, Field::Surname, Field::GivenName, Field::Email];
        let results = |pairs: &[(Field, FieldMatch)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();
        let all = results(&[(Field::Iin, Match), (Field::Surname, Match), (Field::GivenName, Match)]);
        let verdict = |r: &BTreeMap<Field, FieldMatch>| Verdict::of(r, OwnerType::Resident, &declared);
        assert_eq!(verdict(&all), Verdict { confirms: true, contradicts: false, compared: true });
        let iin_only = results(&[(Field::Iin, Match)]);
        assert_eq!(verdict(&iin_only), Verdict { confirms: false, contradicts: false, compared: true });
        let mut wrong_name = all.clone();
        wrong_name.insert(Field::GivenName, NoMatch);
        assert_eq!(verdict(&wrong_name), Verdict { confirms: false, contradicts: true, compared: true });
        let mut extra = all.clone();
        extra.insert(Field::Patronymic, NotDeclared);
        assert_eq!(verdict(&extra), Verdict { confirms: false, contradicts: false, compared: true }, "no mismatch");
        let nothing = results(&[(Field::Patronymic, NotDeclared)]);
        assert_eq!(verdict(&nothing), Verdict { confirms: false, contradicts: false, compared: false });
    }
}
