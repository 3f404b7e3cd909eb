//! The identification form of DESIGN §6 (normative field names) and the receipt.

use super::claim::notice;
use super::{PageLang, render_with};
use crate::domain::identity::OwnerType;
use crate::domain::{
    Bin, BirthDate, ContactEmail, CountryCode, Declaration, DocumentNumber, DocumentType, Handle, Iin, LegalName,
    PersonName,
};
use crate::http::error::ApiError;
use crate::http::forms::{CLAIM_COOKIE, cookie};
use crate::http::{AppState, with_conn};
use crate::i18n::Texts;
use crate::services::owners::{self, Claimed, OwnerError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use secrecy::ExposeSecret;
use serde::Deserialize;

/// Every field of the three forms; absent ones are empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct IdentifyForm {
    pub csrf: String,
    pub owner_type: String,
    pub iin: String,
    pub bin: String,
    pub document_type: String,
    pub document_number: String,
    pub country: String,
    pub surname: String,
    pub given_name: String,
    pub patronymic: String,
    pub legal_name: String,
    pub birth_date: String,
    pub email: String,
    pub consent: String,
}

/// An invalid field and the message id that explains it.
pub(super) type Invalid = Vec<(&'static str, &'static str)>;

/// Parses the form into a declaration, or names every invalid field.
pub(super) fn parse_declaration(form: &IdentifyForm, today: NaiveDate) -> Result<Declaration, Invalid> {
    let mut invalid: Invalid = Vec::new();
    let mut check = |field: &'static str, value: &str, message: &'static str, ok: bool| -> bool {
        match (value.trim().is_empty(), ok) {
            (true, _) => invalid.push((field, "error-required")),
            (false, false) => invalid.push((field, message)),
            (false, true) => return true,
        }
        false
    };
    let Ok(owner_type) = form.owner_type.parse::<OwnerType>() else {
        return Err(vec![("owner_type", "error-required")]);
    };
    let email = ContactEmail::parse(&form.email);
    check("email", &form.email, "error-email", email.is_ok());
    let name = |value: &str| PersonName::parse(value);
    let declaration = match owner_type {
        OwnerType::Resident => {
            let (iin, surname, given_name) = (Iin::parse(&form.iin), name(&form.surname), name(&form.given_name));
            check("iin", &form.iin, "error-iin", iin.is_ok());
            check("surname", &form.surname, "error-name", surname.is_ok());
            check("given_name", &form.given_name, "error-name", given_name.is_ok());
            let patronymic = match form.patronymic.trim() {
                "" => Ok(None),
                value => name(value).map(Some),
            };
            if patronymic.is_err() {
                invalid.push(("patronymic", "error-name"));
            }
            match (iin, surname, given_name, patronymic, email) {
                (Ok(iin), Ok(surname), Ok(given_name), Ok(patronymic), Ok(email)) => {
                    Some(Declaration::Resident { iin, surname, given_name, patronymic, email })
                }
                _ => None,
            }
        }
        OwnerType::NonResident => {
            let document_type = form.document_type.parse::<DocumentType>();
            let number = DocumentNumber::parse(&form.document_number);
            let country = CountryCode::parse(&form.country);
            let (surname, given_name) = (name(&form.surname), name(&form.given_name));
            let birth_date = BirthDate::parse(&form.birth_date, today);
            check("document_type", &form.document_type, "error-required", document_type.is_ok());
            check("document_number", &form.document_number, "error-document_number", number.is_ok());
            check("country", &form.country, "error-country", country.is_ok());
            check("surname", &form.surname, "error-name", surname.is_ok());
            check("given_name", &form.given_name, "error-name", given_name.is_ok());
            check("birth_date", &form.birth_date, "error-birth_date", birth_date.is_ok());
            match (document_type, number, country, surname, given_name, birth_date, email) {
                (
                    Ok(document_type),
                    Ok(document_number),
                    Ok(country),
                    Ok(surname),
                    Ok(given_name),
                    Ok(birth_date),
                    Ok(email),
                ) => Some(Declaration::NonResident {
                    document_type,
                    document_number,
                    country,
                    surname,
                    given_name,
                    birth_date,
                    email,
                }),
                _ => None,
            }
        }
        OwnerType::LegalEntity => {
            let (bin, legal_name) = (Bin::parse(&form.bin), LegalName::parse(&form.legal_name));
            check("bin", &form.bin, "error-bin", bin.is_ok());
            check("legal_name", &form.legal_name, "error-name", legal_name.is_ok());
            match (bin, legal_name, email) {
                (Ok(bin), Ok(legal_name), Ok(email)) => Some(Declaration::LegalEntity { bin, legal_name, email }),
                _ => None,
            }
        }
    };
    if form.consent != "yes" {
        invalid.push(("consent", "error-consent"));
    }
    match declaration {
        Some(declaration) if invalid.is_empty() => Ok(declaration),
        _ => Err(invalid),
    }
}

/// One input as the template draws it.
pub(super) struct FieldView {
    pub name: &'static str,
    pub label: String,
    /// `text`, `email`, `date`, `select` or `checkbox`.
    pub kind: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    pub required: bool,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "identify.html")]
pub(super) struct IdentifyPage<'a> {
    t: Texts<'a>,
    csrf: String,
    handle: Handle,
    owner_type: Option<OwnerType>,
    owner_label: String,
    fields: Vec<FieldView>,
    has_errors: bool,
}

/// Which fields each owner type fills in: (name, kind, autocomplete, required, keeps its value on re-render).
fn layout(owner_type: OwnerType) -> &'static [(&'static str, &'static str, &'static str, bool, bool)] {
    match owner_type {
        OwnerType::Resident => &[
            ("iin", "text", "off", true, false),
            ("surname", "text", "family-name", true, true),
            ("given_name", "text", "given-name", true, true),
            ("patronymic", "text", "additional-name", false, true),
            ("email", "email", "email", true, true),
            ("consent", "checkbox", "off", true, true),
        ],
        OwnerType::NonResident => &[
            ("document_type", "select", "off", true, true),
            ("document_number", "text", "off", true, false),
            ("country", "text", "country", true, true),
            ("surname", "text", "family-name", true, true),
            ("given_name", "text", "given-name", true, true),
            ("birth_date", "date", "bday", true, true),
            ("email", "email", "email", true, true),
            ("consent", "checkbox", "off", true, true),
        ],
        OwnerType::LegalEntity => &[
            ("bin", "text", "off", true, false),
            ("legal_name", "text", "organization", true, true),
            ("email", "email", "email", true, true),
            ("consent", "checkbox", "off", true, true),
        ],
    }
}

fn submitted<'f>(form: &'f IdentifyForm, name: &str) -> &'f str {
    match name {
        "document_type" => &form.document_type,
        "country" => &form.country,
        "surname" => &form.surname,
        "given_name" => &form.given_name,
        "patronymic" => &form.patronymic,
        "legal_name" => &form.legal_name,
        "birth_date" => &form.birth_date,
        "email" => &form.email,
        "consent" => &form.consent,
        // Identifiers are never echoed back.
        _ => "",
    }
}

impl<'a> IdentifyPage<'a> {
    pub fn new(t: Texts<'a>, csrf: String, claimed: &Claimed, owner_type: Option<OwnerType>) -> Self {
        Self::build(t, csrf, claimed, owner_type, None, &[])
    }

    pub fn with_errors(t: Texts<'a>, csrf: String, claimed: &Claimed, form: &IdentifyForm, invalid: Invalid) -> Self {
        Self::build(t, csrf, claimed, form.owner_type.parse().ok(), Some(form), &invalid)
    }

    fn build(
        t: Texts<'a>,
        csrf: String,
        claimed: &Claimed,
        owner_type: Option<OwnerType>,
        form: Option<&IdentifyForm>,
        invalid: &[(&'static str, &'static str)],
    ) -> Self {
        let fields = owner_type
            .map(|owner_type| {
                layout(owner_type)
                    .iter()
                    .map(|&(name, kind, autocomplete, required, keeps)| {
                        let value = form.filter(|_| keeps).map(|f| submitted(f, name).to_owned()).unwrap_or_default();
                        let options = match name {
                            "document_type" => DocumentType::ALL
                                .iter()
                                .map(|d| (d.as_str().to_owned(), t.get(&format!("doc-{}", d.as_str()))))
                                .collect(),
                            _ => Vec::new(),
                        };
                        FieldView {
                            name,
                            label: t.get(&format!("field-{name}")),
                            kind,
                            value,
                            autocomplete,
                            required,
                            hint: matches!(name, "iin" | "bin" | "country" | "birth_date")
                                .then(|| t.get(&format!("hint-{name}"))),
                            error: invalid.iter().find(|(f, _)| *f == name).map(|(_, message)| t.get(message)),
                            options,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let owner_label = owner_type.map(|o| t.get(&format!("owner-{}", o.as_str()))).unwrap_or_default();
        Self {
            t,
            csrf,
            handle: claimed.handle.clone(),
            owner_type,
            owner_label,
            fields,
            has_errors: !invalid.is_empty(),
        }
    }
}

/// The account this browser's claim ticket is for, if it is still valid.
pub(super) async fn claimed(state: &web::Data<AppState>, req: &HttpRequest) -> Result<Option<Claimed>, ApiError> {
    let Some(ticket) = req.cookie(CLAIM_COOKIE).map(|c| c.value().to_owned()) else { return Ok(None) };
    let app = state.clone();
    with_conn(&state.pool, move |conn| {
        match owners::redeem_ticket(conn, &app.keys, &app.settings.policy, &ticket, crate::db::now()) {
            Ok(claimed) => Ok(Some(claimed)),
            Err(OwnerError::Rejected) => Ok(None),
            Err(e) => Err(super::claim::owner_error(e)),
        }
    })
    .await
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    t: Texts<'a>,
    reference: String,
    management_key: Option<String>,
}

/// Computes the blind index on the bounded gate, stores everything in one
/// transaction and shows the receipt once.
pub(super) async fn store(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    lang: PageLang,
    declaration: Declaration,
) -> Result<HttpResponse, ApiError> {
    let Some(_permit) = state.argon2_gate.try_acquire() else {
        tracing::warn!("identification turned away: argon2 gate full");
        return notice(state, lang, StatusCode::TOO_MANY_REQUESTS, "busy-title", "busy");
    };
    let keys = state.keys.clone();
    let identifier = declaration.identifier();
    let index = web::block(move || keys.blind_indexer().index(&identifier))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let ticket = req.cookie(CLAIM_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let app = state.clone();
    let receipt = with_conn(&state.pool, move |conn| {
        match owners::identify(conn, &app.keys, &app.settings.policy, &ticket, &declaration, &index, crate::db::now()) {
            Ok(receipt) => Ok(Some(receipt)),
            Err(OwnerError::Rejected) => Ok(None),
            Err(e) => Err(super::claim::owner_error(e)),
        }
    })
    .await?;
    let Some(receipt) = receipt else {
        return notice(state, lang, StatusCode::CONFLICT, "claim-title", "claim-expired");
    };
    tracing::info!(new_record = receipt.management_key.is_some(), "account identified");
    let page = ReceiptPage {
        t: Texts::new(&state.catalogues, lang.lang),
        reference: receipt.reference,
        management_key: receipt.management_key.map(|k| k.expose_secret().to_owned()),
    };
    let mut spent = cookie(req, CLAIM_COOKIE, String::new());
    spent.make_removal();
    render_with(&page, lang, StatusCode::OK, vec![spent])
}
