//! `/claim/identify`: the identification form of DESIGN §6 (normative field
//! names) for the account the browser's claim ticket is for.

use super::context::{CheckedForm, PageContext, refused_as_none, see_other};
use crate::domain::identity::OwnerType;
use crate::domain::{
    Bin, BirthDate, ContactEmail, CountryCode, Declaration, DocumentNumber, DocumentType, Handle, Iin, LegalName,
    PersonName,
};
use crate::http::error::ApiError;
use crate::http::pages::cookies::CookieName;
use crate::http::{BlindIndexError, blind_index, call};
use crate::i18n::Texts;
use crate::services::identification::{self, StartError};
use crate::services::owners::{self, Claimed};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

/// Every field of the three forms; absent ones are empty.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct IdentifyForm {
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
type Invalid = Vec<(&'static str, &'static str)>;

/// Parses the form into a declaration, or names every invalid field.
fn parse_declaration(form: &IdentifyForm, today: NaiveDate) -> Result<Declaration, Invalid> {
    let Ok(owner_type) = form.owner_type.parse::<OwnerType>() else {
        return Err(vec![("owner_type", "error-required")]);
    };
    let mut checked = Checked::default();
    let email = checked.field("email", &form.email, "error-email", ContactEmail::parse(&form.email));
    let declaration = match owner_type {
        OwnerType::Resident => resident(form, &mut checked, email),
        OwnerType::NonResident => non_resident(form, today, &mut checked, email),
        OwnerType::LegalEntity => legal_entity(form, &mut checked, email),
    };
    if form.consent != "yes" {
        checked.0.push(("consent", "error-consent"));
    }
    match declaration {
        Some(declaration) if checked.0.is_empty() => Ok(declaration),
        _ => Err(checked.0),
    }
}

/// The invalid fields met while parsing, each with its message id.
#[derive(Default)]
struct Checked(Invalid);

impl Checked {
    /// The parsed value; otherwise `None`, and the field's message is noted
    /// ("fill in this field" when nothing was typed).
    fn field<T, E>(
        &mut self,
        field: &'static str,
        typed: &str,
        message: &'static str,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match (typed.trim().is_empty(), parsed) {
            (false, Ok(value)) => return Some(value),
            (true, _) => self.0.push((field, "error-required")),
            (false, Err(_)) => self.0.push((field, message)),
        }
        None
    }
}

fn resident(form: &IdentifyForm, checked: &mut Checked, email: Option<ContactEmail>) -> Option<Declaration> {
    let iin = checked.field("iin", &form.iin, "error-iin", Iin::parse(&form.iin));
    let surname = checked.field("surname", &form.surname, "error-name", PersonName::parse(&form.surname));
    let given_name = checked.field("given_name", &form.given_name, "error-name", PersonName::parse(&form.given_name));
    let patronymic = match form.patronymic.trim() {
        "" => Some(None),
        typed => checked.field("patronymic", typed, "error-name", PersonName::parse(typed)).map(Some),
    };
    Some(Declaration::Resident {
        iin: iin?,
        surname: surname?,
        given_name: given_name?,
        patronymic: patronymic?,
        email: email?,
    })
}

fn non_resident(
    form: &IdentifyForm,
    today: NaiveDate,
    checked: &mut Checked,
    email: Option<ContactEmail>,
) -> Option<Declaration> {
    let document_type = checked.field(
        "document_type",
        &form.document_type,
        "error-required",
        form.document_type.parse::<DocumentType>(),
    );
    let document_number = checked.field(
        "document_number",
        &form.document_number,
        "error-document_number",
        DocumentNumber::parse(&form.document_number),
    );
    let country = checked.field("country", &form.country, "error-country", CountryCode::parse(&form.country));
    let surname = checked.field("surname", &form.surname, "error-name", PersonName::parse(&form.surname));
    let given_name = checked.field("given_name", &form.given_name, "error-name", PersonName::parse(&form.given_name));
    let birth_date =
        checked.field("birth_date", &form.birth_date, "error-birth_date", BirthDate::parse(&form.birth_date, today));
    Some(Declaration::NonResident {
        document_type: document_type?,
        document_number: document_number?,
        country: country?,
        surname: surname?,
        given_name: given_name?,
        birth_date: birth_date?,
        email: email?,
    })
}

fn legal_entity(form: &IdentifyForm, checked: &mut Checked, email: Option<ContactEmail>) -> Option<Declaration> {
    let bin = checked.field("bin", &form.bin, "error-bin", Bin::parse(&form.bin));
    let legal_name = checked.field("legal_name", &form.legal_name, "error-name", LegalName::parse(&form.legal_name));
    Some(Declaration::LegalEntity { bin: bin?, legal_name: legal_name?, email: email? })
}

/// One input as the template draws it.
struct FieldView {
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
struct IdentifyPage<'a> {
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
    fn new(t: Texts<'a>, csrf: String, claimed: &Claimed, owner_type: Option<OwnerType>) -> Self {
        Self::build(t, csrf, claimed, owner_type, None, &[])
    }

    fn with_errors(t: Texts<'a>, csrf: String, claimed: &Claimed, form: &IdentifyForm, invalid: Invalid) -> Self {
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
            handle: claimed.account.handle.clone(),
            owner_type,
            owner_label,
            fields,
            has_errors: !invalid.is_empty(),
        }
    }
}

/// The account this browser's claim ticket is for, if it is still valid.
pub(super) async fn claimed(page: &PageContext) -> Result<Option<Claimed>, ApiError> {
    let Some(ticket) = page.cookie_value(CookieName::Claim) else { return Ok(None) };
    let state = page.state.clone();
    let redeemed = call(&page.state.pool, move |conn| {
        owners::redeem_ticket(conn, &state.keys, &state.settings.policy, &ticket, crate::db::now())
    })
    .await?;
    refused_as_none(redeemed)
}

#[derive(Debug, Deserialize)]
pub(super) struct TypeQuery {
    #[serde(rename = "type")]
    owner_type: Option<String>,
}

/// `GET /claim/identify[?type=resident]`
pub(super) async fn identify_form(page: PageContext, query: web::Query<TypeQuery>) -> Result<HttpResponse, ApiError> {
    let Some(claimed) = claimed(&page).await? else {
        return page.notice(StatusCode::FORBIDDEN, "claim-title", "claim-expired");
    };
    let owner_type = query.owner_type.as_deref().and_then(|t| t.parse::<OwnerType>().ok());
    page.render(&IdentifyPage::new(page.texts(), page.csrf(), &claimed, owner_type), StatusCode::OK)
}

/// `POST /claim/identify`: computes the blind index on the bounded gate,
/// keeps the declaration pending and mails a code; the visitor goes on to
/// enter it. Nothing here depends on whether the identifier is on file.
pub(super) async fn identify(page: PageContext, form: CheckedForm<IdentifyForm>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(form, ()) = form;
    let Some(claimed) = claimed(&page).await? else {
        return page.notice(StatusCode::FORBIDDEN, "claim-title", "claim-expired");
    };
    let declaration = match parse_declaration(&form, crate::db::now().date_naive()) {
        Ok(declaration) => declaration,
        Err(invalid) => {
            let retry = IdentifyPage::with_errors(page.texts(), page.csrf(), &claimed, &form, invalid);
            return page.render(&retry, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let index = match blind_index(&page.state, declaration.identifier()).await {
        Ok(index) => index,
        Err(BlindIndexError::Busy) => {
            tracing::warn!("identification turned away: argon2 gate full");
            return page.notice(StatusCode::TOO_MANY_REQUESTS, "busy-title", "busy");
        }
        Err(BlindIndexError::Failed(e)) => return Err(e),
    };
    let ticket = page.cookie_value(CookieName::Claim).unwrap_or_default();
    let (state, lang) = (page.state.clone(), page.texts().lang);
    let started = call(&page.state.pool, move |conn| {
        let now = crate::db::now();
        identification::start(conn, &state.keys, &state.settings.policy, &ticket, &declaration, &index, lang, now)
    })
    .await?;
    match started {
        Ok(()) => {
            tracing::info!("identification waits for its e-mail code");
            Ok(see_other("/claim/confirm"))
        }
        Err(StartError::Rejected) => page.notice(StatusCode::CONFLICT, "claim-title", "claim-expired"),
        Err(StartError::TooManyCodes) => {
            page.notice(StatusCode::TOO_MANY_REQUESTS, "claim-title", "confirm-too-many-codes")
        }
        Err(StartError::Db(e)) => Err(e.into()),
    }
}
