//! How the domain's values appear in the OpenAPI document: the stored codes
//! as enums, and texts with the lengths and characters the server accepts.
//! The schema states every rule JSON Schema can express; what it cannot
//! (check digits, dates relative to today, records that exist) the server
//! answers with a precise error.

use crate::domain::{
    AccountRef, AccountStatus, Assurance, Authority, Field, FieldMatch, Handle, IdentifierType, LegalBasis, OwnerType,
    RejectionReason, RequestState, SigningScheme,
};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// The stored codes are the schema: a string with exactly these values.
macro_rules! code_schema {
    ($($ty:ty: $description:literal),+ $(,)?) => {$(
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .enum_values(Some(<$ty>::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }
        impl ToSchema for $ty {}
    )+};
}

code_schema! {
    AccountStatus: "required: over the threshold, not yet identified, deadline not passed; verified: identification on file; overdue: deadline passed; not_required: below the threshold (after hysteresis) or never over it",
    Assurance: "How the identity of a verified account was checked",
    LegalBasis: "The legal basis of an access request",
    Authority: "The body that asks for a disclosure, as the person is told of it",
    IdentifierType: "What identifies the person or organisation searched for",
    RequestState: "pending, approved (until its validity window ends), denied or expired",
    OwnerType: "Which identification form the owner filled in",
    RejectionReason: "Why a registrar found a declaration false",
    FieldMatch: "Whether what the registrar typed matches the declaration",
    Field: "An item of identification data",
    SigningScheme: "How webhook deliveries are signed (Standard Webhooks): v1 HMAC-SHA256 with a shared secret, v1a Ed25519",
}

/// An account ref as the schema states it, in bodies and in paths.
impl PartialSchema for AccountRef {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("The platform's stable id for the account: 1–128 of `A-Z a-z 0-9 - _ . : @`"))
            .min_length(Some(1))
            .max_length(Some(AccountRef::MAX_LEN))
            .pattern(Some("^[A-Za-z0-9._:@-]+$"))
            .into()
    }
}
impl ToSchema for AccountRef {}

/// Characters a display text may not hold (controls, zero-width and
/// direction marks), as a regular-expression class body.
const FORBIDDEN_TEXT: &str = r"\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff";

/// A handle as the schema states it: something besides spaces, no controls.
pub struct HandleText;
impl PartialSchema for HandleText {
    fn schema() -> RefOr<Schema> {
        let pattern = format!("^[^{FORBIDDEN_TEXT}]*[^\\s{FORBIDDEN_TEXT}][^{FORBIDDEN_TEXT}]*$");
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("Display name: 1–100 characters once trimmed, no control characters"))
            .min_length(Some(1))
            .max_length(Some(Handle::MAX_CHARS))
            .pattern(Some(pattern))
            .into()
    }
}
impl ToSchema for HandleText {}

/// What an official may ask for: a field's name, or `accounts` (every
/// account of the person).
pub struct RequestedItem;
impl PartialSchema for RequestedItem {
    fn schema() -> RefOr<Schema> {
        let codes = Field::ALL.iter().map(|f| f.as_str()).chain([crate::domain::field::ACCOUNTS]);
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A field's name, or `accounts` for every account of the person"))
            .enum_values(Some(codes))
            .into()
    }
}
impl ToSchema for RequestedItem {}

/// The list an official asks for: at least one item, each once.
pub fn requested_items() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(RequestedItem::schema())
        .min_items(Some(1))
        .unique_items(true)
        .description(Some("The minimum needed: field names, and `accounts` for every account of the person"))
        .build()
}

/// What a registrar's evidence shows: the checkable fields, each a string.
pub struct Claims;
impl PartialSchema for Claims {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("Field name → the value the evidence shows; at least one; never the e-mail"))
            .min_properties(Some(1))
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)));
        for owner in OwnerType::ALL {
            for field in owner.checkable_fields() {
                let text = ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(300));
                object = object.property(field.as_str(), text);
            }
        }
        object.into()
    }
}
impl ToSchema for Claims {}
