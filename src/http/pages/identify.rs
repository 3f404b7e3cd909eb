//! `/claim/identify`: who owns the account, the identification form of
//! DESIGN §6 (normative field names), and a check of the answers before
//! anything is sent. Nothing is kept between these steps but the page: the
//! check page carries the answers in hidden fields of the same POST.

use super::context::{CheckedForm, PageContext, refused_as_none, see_other};
use super::problems::Problems;
use super::receipt::back_to_confirmation;
use crate::domain::identity::OwnerType;
use crate::domain::{
    Bin, BirthDate, BirthDateError, ContactEmail, CountryCode, Declaration, DocumentNumber, DocumentNumberError,
    DocumentType, Field, Handle, Iin, LegalName, NameError, NationalIdError, PersonName,
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

/// What the visitor pressed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Action {
    /// "Continue": check the answers and show them back.
    Check,
    /// "Confirm and send" (also what a client that posts the fields directly gets).
    #[default]
    Send,
    /// "Change" on the check page: back to the form, answers filled in.
    Change,
    /// A language switch: the same step in another language.
    Language,
}

/// The step a language switch came from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Step {
    #[default]
    Form,
    Check,
}

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
    /// `YYYY-MM-DD`, for clients that post the date whole; the form sends the three parts.
    pub birth_date: String,
    pub birth_date_day: String,
    pub birth_date_month: String,
    pub birth_date_year: String,
    pub email: String,
    pub consent: String,
    pub action: Action,
    pub step: Step,
}

/// Fields that hold an identifier: not carried across a language switch.
const IDENTIFIERS: [&str; 3] = ["iin", "bin", "document_number"];

impl IdentifyForm {
    /// The answer typed into `name`.
    fn answer(&self, name: &str) -> &str {
        match name {
            "iin" => &self.iin,
            "bin" => &self.bin,
            "document_type" => &self.document_type,
            "document_number" => &self.document_number,
            "country" => &self.country,
            "surname" => &self.surname,
            "given_name" => &self.given_name,
            "patronymic" => &self.patronymic,
            "legal_name" => &self.legal_name,
            "birth_date" => &self.birth_date,
            "birth_date_day" => &self.birth_date_day,
            "birth_date_month" => &self.birth_date_month,
            "birth_date_year" => &self.birth_date_year,
            "email" => &self.email,
            "consent" => &self.consent,
            _ => "",
        }
    }
}

/// A problem found while parsing: the field, the input its link focuses, and the message id.
struct Fault {
    field: &'static str,
    anchor: &'static str,
    message: &'static str,
}

/// The problems met while parsing, in the order of the form.
#[derive(Default)]
struct Faults(Vec<Fault>);

impl Faults {
    fn note(&mut self, field: &'static str, message: &'static str) {
        self.0.push(Fault { field, anchor: field, message });
    }

    /// The parsed value; otherwise `None`, with `missing` noted when nothing was typed.
    fn field<T>(
        &mut self,
        field: &'static str,
        typed: &str,
        missing: &'static str,
        parsed: Result<T, &'static str>,
    ) -> Option<T> {
        if typed.trim().is_empty() {
            self.note(field, missing);
            return None;
        }
        parsed.map_err(|message| self.note(field, message)).ok()
    }

    fn into_problems(self, t: &Texts<'_>) -> Problems {
        let mut problems = Problems::default();
        for fault in self.0 {
            problems.add(fault.field, fault.anchor, t.get(fault.message));
        }
        problems
    }
}

/// Identifiers as people type them: digits in groups are the same number.
fn without_spaces(typed: &str) -> String {
    typed.chars().filter(|c| !c.is_whitespace()).collect()
}

fn iin_message(e: NationalIdError) -> &'static str {
    match e {
        NationalIdError::WrongLength => "error-iin-length",
        NationalIdError::NotDigits => "error-iin-digits",
        _ => "error-iin-invalid",
    }
}

fn bin_message(e: NationalIdError) -> &'static str {
    match e {
        NationalIdError::WrongLength => "error-bin-length",
        NationalIdError::NotDigits => "error-bin-digits",
        NationalIdError::NotALegalEntity => "error-bin-not-entity",
        _ => "error-bin-invalid",
    }
}

fn name_message(e: NameError) -> &'static str {
    match e {
        NameError::TooLong => "error-name-long",
        NameError::Empty | NameError::BadCharacter => "error-name-characters",
    }
}

/// Parses the form into a declaration, or names every problem.
fn parse_declaration(form: &IdentifyForm, today: NaiveDate) -> Result<Declaration, Faults> {
    let mut faults = Faults::default();
    let Ok(owner_type) = form.owner_type.parse::<OwnerType>() else {
        faults.note("owner_type", "error-owner_type");
        return Err(faults);
    };
    let declaration = match owner_type {
        OwnerType::Resident => resident(form, &mut faults),
        OwnerType::NonResident => non_resident(form, today, &mut faults),
        OwnerType::LegalEntity => legal_entity(form, &mut faults),
    };
    match declaration {
        Some(declaration) if faults.0.is_empty() => Ok(declaration),
        _ => Err(faults),
    }
}

fn person_name(faults: &mut Faults, field: &'static str, typed: &str, missing: &'static str) -> Option<PersonName> {
    faults.field(field, typed, missing, PersonName::parse(typed).map_err(name_message))
}

/// The e-mail and the consent every form ends with.
fn email_and_consent(form: &IdentifyForm, faults: &mut Faults) -> Option<ContactEmail> {
    let email = faults.field(
        "email",
        &form.email,
        "error-email-missing",
        ContactEmail::parse(&form.email).map_err(|_| "error-email-invalid"),
    );
    if form.consent != "yes" {
        faults.note("consent", "error-consent");
    }
    email
}

fn resident(form: &IdentifyForm, faults: &mut Faults) -> Option<Declaration> {
    let iin = faults.field(
        "iin",
        &form.iin,
        "error-iin-missing",
        Iin::parse(&without_spaces(&form.iin)).map_err(iin_message),
    );
    let surname = person_name(faults, "surname", &form.surname, "error-surname-missing");
    let given_name = person_name(faults, "given_name", &form.given_name, "error-given_name-missing");
    let patronymic = match form.patronymic.trim() {
        "" => Some(None),
        typed => faults.field("patronymic", typed, "", PersonName::parse(typed).map_err(name_message)).map(Some),
    };
    let email = email_and_consent(form, faults);
    Some(Declaration::Resident {
        iin: iin?,
        surname: surname?,
        given_name: given_name?,
        patronymic: patronymic?,
        email: email?,
    })
}

fn non_resident(form: &IdentifyForm, today: NaiveDate, faults: &mut Faults) -> Option<Declaration> {
    let document_type = faults.field(
        "document_type",
        &form.document_type,
        "error-document_type-missing",
        form.document_type.parse::<DocumentType>().map_err(|_| "error-document_type-missing"),
    );
    let document_number = faults.field(
        "document_number",
        &form.document_number,
        "error-document_number-missing",
        DocumentNumber::parse(&form.document_number).map_err(|e| match e {
            DocumentNumberError::WrongLength => "error-document_number-length",
            DocumentNumberError::BadCharacter => "error-document_number-characters",
        }),
    );
    let country = faults.field(
        "country",
        &form.country,
        "error-country-missing",
        CountryCode::parse(&form.country).map_err(|_| "error-country-invalid"),
    );
    let surname = person_name(faults, "surname", &form.surname, "error-surname-missing");
    let given_name = person_name(faults, "given_name", &form.given_name, "error-given_name-missing");
    let birth_date = birth_date(form, today, faults);
    let email = email_and_consent(form, faults);
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

/// The date of birth from its three parts, or whole from `birth_date`.
fn birth_date(form: &IdentifyForm, today: NaiveDate, faults: &mut Faults) -> Option<BirthDate> {
    let parts = [
        ("birth_date_day", form.birth_date_day.trim(), "error-birth_date-no-day"),
        ("birth_date_month", form.birth_date_month.trim(), "error-birth_date-no-month"),
        ("birth_date_year", form.birth_date_year.trim(), "error-birth_date-no-year"),
    ];
    let mut fault = |anchor: &'static str, message: &'static str| {
        faults.0.push(Fault { field: "birth_date", anchor, message });
        None
    };
    let whole = if parts.iter().all(|(_, typed, _)| typed.is_empty()) {
        if form.birth_date.trim().is_empty() {
            return fault("birth_date_day", "error-birth_date-missing");
        }
        form.birth_date.clone()
    } else if let Some((anchor, _, message)) = parts.iter().find(|(_, typed, _)| typed.is_empty()) {
        return fault(anchor, message);
    } else {
        let [day, month, year] = parts.map(|(_, typed, _)| typed.parse::<u32>().ok());
        let real = match (day, month, year) {
            (Some(day), Some(month), Some(year)) if year >= 1000 => {
                i32::try_from(year).ok().and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
            }
            _ => None,
        };
        match real {
            Some(date) => date.format("%Y-%m-%d").to_string(),
            None => return fault("birth_date_day", "error-birth_date-real"),
        }
    };
    BirthDate::parse(&whole, today)
        .map_err(|e| match e {
            BirthDateError::Malformed => fault("birth_date_day", "error-birth_date-real"),
            BirthDateError::InFuture => fault("birth_date_day", "error-birth_date-past"),
            BirthDateError::TooEarly => fault("birth_date_year", "error-birth_date-early"),
        })
        .ok()
}

fn legal_entity(form: &IdentifyForm, faults: &mut Faults) -> Option<Declaration> {
    let bin = faults.field(
        "bin",
        &form.bin,
        "error-bin-missing",
        Bin::parse(&without_spaces(&form.bin)).map_err(bin_message),
    );
    let legal_name = faults.field(
        "legal_name",
        &form.legal_name,
        "error-legal_name-missing",
        LegalName::parse(&form.legal_name).map_err(name_message),
    );
    let email = email_and_consent(form, faults);
    Some(Declaration::LegalEntity { bin: bin?, legal_name: legal_name?, email: email? })
}

/// The kinds of input the form draws.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Numeric,
    Email,
    Select,
    Date,
    Checkbox,
}

/// One input as the template draws it.
struct FieldView {
    name: &'static str,
    label: String,
    kind: Kind,
    value: String,
    autocomplete: &'static str,
    required: bool,
    hint: Option<String>,
    error: Option<String>,
    /// The ids of the hint and error that describe the input.
    described_by: String,
    options: Vec<(String, String)>,
    /// Day, month and year of a date.
    parts: Vec<DatePart>,
}

/// One of the three inputs of a date.
struct DatePart {
    name: &'static str,
    label: String,
    value: String,
    autocomplete: &'static str,
    /// Width in characters.
    width: u8,
}

/// Which fields each owner type fills in: (name, kind, autocomplete, required).
fn layout(owner_type: OwnerType) -> &'static [(&'static str, Kind, &'static str, bool)] {
    match owner_type {
        OwnerType::Resident => &[
            ("iin", Kind::Numeric, "off", true),
            ("surname", Kind::Text, "family-name", true),
            ("given_name", Kind::Text, "given-name", true),
            ("patronymic", Kind::Text, "additional-name", false),
            ("email", Kind::Email, "email", true),
            ("consent", Kind::Checkbox, "off", true),
        ],
        OwnerType::NonResident => &[
            ("document_type", Kind::Select, "off", true),
            ("document_number", Kind::Text, "off", true),
            ("country", Kind::Select, "country", true),
            ("surname", Kind::Text, "family-name", true),
            ("given_name", Kind::Text, "given-name", true),
            ("birth_date", Kind::Date, "bday", true),
            ("email", Kind::Email, "email", true),
            ("consent", Kind::Checkbox, "off", true),
        ],
        OwnerType::LegalEntity => &[
            ("bin", Kind::Numeric, "off", true),
            ("legal_name", Kind::Text, "organization", true),
            ("email", Kind::Email, "email", true),
            ("consent", Kind::Checkbox, "off", true),
        ],
    }
}

/// The answers the form is drawn with, and whether identifiers are among them.
#[derive(Clone, Copy)]
enum Answers<'f> {
    None,
    All(&'f IdentifyForm),
    /// After a language switch: never the identifiers.
    WithoutIdentifiers(&'f IdentifyForm),
}

impl Answers<'_> {
    fn get(&self, name: &str) -> String {
        match self {
            Answers::All(form) => form.answer(name).to_owned(),
            Answers::WithoutIdentifiers(form) if !IDENTIFIERS.contains(&name) => form.answer(name).to_owned(),
            _ => String::new(),
        }
    }
}

fn fields(t: &Texts<'_>, owner_type: OwnerType, answers: Answers<'_>, problems: &Problems) -> Vec<FieldView> {
    layout(owner_type)
        .iter()
        .map(|&(name, kind, autocomplete, required)| {
            let hint = matches!(name, "iin" | "bin" | "document_number" | "birth_date" | "email")
                .then(|| t.get(&format!("hint-{name}")));
            let error = problems.of(name).map(str::to_owned);
            let described_by =
                [hint.as_ref().map(|_| format!("{name}-hint")), error.as_ref().map(|_| format!("{name}-error"))]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
            let options = match name {
                "document_type" => DocumentType::ALL
                    .iter()
                    .map(|d| (d.as_str().to_owned(), t.get(&format!("doc-{}", d.as_str()))))
                    .collect(),
                "country" => t.countries().iter().map(|(code, name)| ((*code).to_owned(), name.clone())).collect(),
                _ => Vec::new(),
            };
            let parts = if kind == Kind::Date { date_parts(t, answers) } else { Vec::new() };
            FieldView {
                name,
                label: t.get(&format!("field-{name}")),
                kind,
                value: answers.get(name),
                autocomplete,
                required,
                hint,
                error,
                described_by,
                options,
                parts,
            }
        })
        .collect()
}

fn date_parts(t: &Texts<'_>, answers: Answers<'_>) -> Vec<DatePart> {
    // A whole date posted by a client is shown in the three parts.
    let whole = NaiveDate::parse_from_str(answers.get("birth_date").trim(), "%Y-%m-%d").ok();
    let from_whole = |f: fn(NaiveDate) -> u32| whole.map(|d| f(d).to_string());
    [
        ("birth_date_day", "bday-day", 2, from_whole(|d| chrono::Datelike::day(&d))),
        ("birth_date_month", "bday-month", 2, from_whole(|d| chrono::Datelike::month(&d))),
        ("birth_date_year", "bday-year", 4, whole.map(|d| chrono::Datelike::year(&d).to_string())),
    ]
    .into_iter()
    .map(|(name, autocomplete, width, from_whole)| DatePart {
        name,
        label: t.get(&format!("field-{name}")),
        value: from_whole.unwrap_or_else(|| answers.get(name)),
        autocomplete,
        width,
    })
    .collect()
}

/// "Who owns the account?"
#[derive(Template)]
#[template(path = "identify_owner.html")]
struct OwnerPage<'a> {
    t: Texts<'a>,
    handle: Handle,
    /// The type chosen before, if the visitor came back to change it; empty if none.
    chosen: &'static str,
    problems: Problems,
}

/// The form of one owner type.
#[derive(Template)]
#[template(path = "identify.html")]
struct FormPage<'a> {
    t: Texts<'a>,
    csrf: String,
    handle: Handle,
    owner_type: OwnerType,
    owner_label: String,
    fields: Vec<FieldView>,
    problems: Problems,
}

/// One answer on the check page.
struct CheckedAnswer {
    label: String,
    value: String,
    /// The input "Change" leads to.
    anchor: &'static str,
}

/// "Check your answers", with the answers in hidden fields for "Confirm and send".
#[derive(Template)]
#[template(path = "identify_check.html")]
struct CheckPage<'a> {
    t: Texts<'a>,
    csrf: String,
    handle: Handle,
    owner_type: OwnerType,
    shown: Vec<CheckedAnswer>,
    /// (name, value) of every answer, to send again.
    hidden: Vec<(&'static str, String)>,
}

/// The check page for a declaration parsed from `form`: it shows the
/// declaration's own fields (what will be sent, normalised) in the form's
/// order, and carries the answers as typed for "Change" and "Confirm and send".
fn check_page<'a>(
    t: Texts<'a>,
    csrf: String,
    claimed: &Claimed,
    form: &IdentifyForm,
    declaration: &Declaration,
) -> CheckPage<'a> {
    let owner_type = declaration.owner_type();
    let declared = declaration.fields();
    let mut shown = vec![CheckedAnswer {
        label: t.get("identify-check-owner"),
        value: t.get(&format!("owner-{owner_type}")),
        anchor: "owner_type",
    }];
    let mut hidden = vec![("owner_type", owner_type.as_str().to_owned())];
    for &(name, kind, _, _) in layout(owner_type) {
        if let Some((field, text)) = declared.iter().find(|(field, _)| field.as_str() == name) {
            let value = match field {
                Field::DocumentType => t.get(&format!("doc-{}", text.as_str())),
                Field::Country => t.country(text),
                Field::BirthDate => {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_or_else(|_| text.to_string(), |d| t.date(d))
                }
                _ => text.to_string(),
            };
            let anchor = if kind == Kind::Date { "birth_date_day" } else { name };
            shown.push(CheckedAnswer { label: t.get(&format!("field-{name}")), value, anchor });
        }
        if kind == Kind::Date {
            for part in ["birth_date", "birth_date_day", "birth_date_month", "birth_date_year"] {
                hidden.push((part, form.answer(part).to_owned()));
            }
        } else {
            hidden.push((name, form.answer(name).to_owned()));
        }
    }
    CheckPage { t: t.keeping_answers(), csrf, handle: claimed.account.handle.clone(), owner_type, shown, hidden }
}

/// The owner-type question asked again because it was not answered.
fn unanswered<'a>(t: Texts<'a>, claimed: &Claimed) -> OwnerPage<'a> {
    let mut problems = Problems::default();
    problems.add("owner_type", "owner_type-resident", t.get("error-owner_type"));
    OwnerPage { t, handle: claimed.account.handle.clone(), chosen: "", problems }
}

fn form_page<'a>(
    t: Texts<'a>,
    csrf: String,
    claimed: &Claimed,
    owner_type: OwnerType,
    answers: Answers<'_>,
    problems: Problems,
) -> FormPage<'a> {
    FormPage {
        fields: fields(&t, owner_type, answers, &problems),
        owner_label: t.get(&format!("owner-{owner_type}")),
        t: t.keeping_answers(),
        csrf,
        handle: claimed.account.handle.clone(),
        owner_type,
        problems,
    }
}

/// The account this browser's claim ticket is for, if it is still valid.
pub(super) async fn claimed(page: &PageContext) -> Result<Option<Claimed>, ApiError> {
    let Some(ticket) = page.cookie_value(CookieName::Claim) else { return Ok(None) };
    let state = page.state.clone();
    let redeemed = call(&page.state, move |conn| {
        owners::redeem_ticket(conn, &state.keys, &state.settings.policy, &ticket, crate::db::now())
    })
    .await?;
    refused_as_none(redeemed)
}

#[derive(Debug, Deserialize)]
pub(super) struct TypeQuery {
    #[serde(rename = "type")]
    owner_type: Option<String>,
    /// Back to the question from a later step, the earlier answer selected.
    change: Option<String>,
    /// Sent by the question's form: a missing `type` is then an unanswered question.
    asked: Option<String>,
}

/// `GET /claim/identify[?type=resident]`: the owner-type question, or the
/// form for the type chosen; a choice that is not one is asked again.
pub(super) async fn identify_form(page: PageContext, query: web::Query<TypeQuery>) -> Result<HttpResponse, ApiError> {
    let Some(claimed) = claimed(&page).await? else {
        return back_to_confirmation(&page, || page.notice(StatusCode::FORBIDDEN, "claim-title", "claim-expired"));
    };
    let t = page.texts();
    let chosen = query.owner_type.as_deref().or(query.asked.as_ref().map(|_| ""));
    if chosen.is_none() || query.change.is_some() {
        let chosen = chosen.and_then(|c| c.parse::<OwnerType>().ok()).map_or("", OwnerType::as_str);
        let asked = OwnerPage { t, handle: claimed.account.handle.clone(), chosen, problems: Problems::default() };
        return page.render(&asked, StatusCode::OK);
    }
    let chosen = chosen.unwrap_or_default();
    match chosen.parse::<OwnerType>() {
        Ok(owner_type) => {
            let shown = form_page(t, page.csrf(), &claimed, owner_type, Answers::None, Problems::default());
            page.render(&shown, StatusCode::OK)
        }
        Err(_) => page.render(&unanswered(t, &claimed), StatusCode::UNPROCESSABLE_ENTITY),
    }
}

/// `POST /claim/identify`: checks the answers and shows them back; on
/// "Confirm and send" computes the blind index on the bounded gate, keeps
/// the declaration pending and mails a code; the visitor goes on to enter
/// it. Nothing here depends on whether the identifier is on file.
pub(super) async fn identify(page: PageContext, form: CheckedForm<IdentifyForm>) -> Result<HttpResponse, ApiError> {
    let CheckedForm(form, ()) = form;
    let Some(claimed) = claimed(&page).await? else {
        return page.notice(StatusCode::FORBIDDEN, "claim-title", "claim-expired");
    };
    let t = page.texts();
    let parsed = parse_declaration(&form, crate::db::now().date_naive());
    let owner_type = form.owner_type.parse::<OwnerType>().ok();
    let declaration = match (form.action, parsed, owner_type) {
        (_, Err(_), None) => return page.render(&unanswered(t, &claimed), StatusCode::UNPROCESSABLE_ENTITY),
        (Action::Language, Ok(declaration), _) if form.step == Step::Check => {
            return page.render(&check_page(t, page.csrf(), &claimed, &form, &declaration), StatusCode::OK);
        }
        (Action::Language, _, Some(owner_type)) => {
            let answers = Answers::WithoutIdentifiers(&form);
            let shown = form_page(t, page.csrf(), &claimed, owner_type, answers, Problems::default());
            return page.render(&shown, StatusCode::OK);
        }
        (Action::Change, _, Some(owner_type)) => {
            let shown = form_page(t, page.csrf(), &claimed, owner_type, Answers::All(&form), Problems::default());
            return page.render(&shown, StatusCode::OK);
        }
        (_, Err(faults), Some(owner_type)) => {
            let problems = faults.into_problems(&t);
            let shown = form_page(t, page.csrf(), &claimed, owner_type, Answers::All(&form), problems);
            return page.render(&shown, StatusCode::UNPROCESSABLE_ENTITY);
        }
        (Action::Check, Ok(declaration), _) => {
            return page.render(&check_page(t, page.csrf(), &claimed, &form, &declaration), StatusCode::OK);
        }
        (_, Ok(declaration), _) => declaration,
    };
    send(&page, declaration).await
}

/// Starts the identification of a checked declaration.
async fn send(page: &PageContext, declaration: Declaration) -> Result<HttpResponse, ApiError> {
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
    let started = call(&page.state, move |conn| {
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
