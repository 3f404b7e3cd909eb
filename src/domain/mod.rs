//! Pure domain types: parsed values that cannot hold an invalid state.
//!
//! Nothing here touches I/O, the clock, actix or diesel. Types that carry
//! personal data print `<redacted>` in `Debug` and expose their value only
//! through a method named `expose`, so every plaintext access is greppable.

pub mod access_request;
pub mod account;
pub mod claim_code;
pub mod contact_email;
pub mod evidence;
pub mod field;
pub mod foreign_document;
pub mod identity;
pub mod ids;
pub mod legal_basis;
pub mod lifecycle;
pub mod national_id;
pub mod network;
pub mod owner_token;
pub mod paging;
pub mod person;
pub mod policy;
pub mod retention;
pub mod role;
pub mod statement;
pub mod status;
pub mod webhook;

pub use access_request::RequestState;
pub use account::{AccountRef, CodeLocation, FollowerCount, Handle, PlatformName, PlatformSlug};
pub use claim_code::ClaimCode;
pub use contact_email::ContactEmail;
pub use evidence::{Evidence, EvidenceError, FieldMatch, RejectionReason};
pub use field::{Field, FieldList};
pub use foreign_document::{CountryCode, DocumentNumber, DocumentNumberError, DocumentType};
pub use identity::{Declaration, Identifier, IdentifierType, OwnerType};
pub use ids::{
    AccountId, DeliveryId, EndpointId, IdentityId, MessageId, OfficialId, OwnerTokenId, PlatformId, RequestId,
    SessionId,
};
pub use legal_basis::{Authority, LegalBasis};
pub use lifecycle::{AccountState, Outcome, StatusChange};
pub use national_id::{Bin, Iin, NationalIdError};
pub use network::AddressBlock;
pub use owner_token::OwnerTokenPurpose;
pub use paging::{Page, PageBounds, PageError};
pub use person::{BirthDate, BirthDateError, LegalName, NameError, PersonName};
pub use policy::{DailyLimits, RegistryPolicy};
pub use role::{Role, RoleSet, Username};
pub use statement::{HeadStatement, Payload, StatusStatement};
pub use status::{AccountStatus, Assurance};
pub use webhook::{EndpointUrl, SigningScheme};

/// Implements `Debug` as `Name(<redacted>)` for a type holding personal data.
macro_rules! redacted_debug {
    ($($ty:ident),+ $(,)?) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($ty), "(<redacted>)"))
            }
        }
    )+};
}
pub(crate) use redacted_debug;

/// Implements `as_str`, `FromStr` and serde for a fieldless enum with fixed
/// string codes. The codes are the stored and wire representation: never
/// reorder-sensitive, never derived from variant names.
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident : $err:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        /// The value is not one of the accepted codes.
        #[derive(Debug, Clone, PartialEq, Eq)]
        $vis struct $err;

        impl std::fmt::Display for $err {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!("unknown ", stringify!($name), " code"))
            }
        }

        impl std::error::Error for $err {}

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in storage and on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($code => Ok($name::$variant),)+ _ => Err($err) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                code.parse().map_err(|_| {
                    serde::de::Error::invalid_value(
                        serde::de::Unexpected::Other(concat!("an unknown ", stringify!($name))),
                        &concat!("one of the ", stringify!($name), " codes"),
                    )
                })
            }
        }
    };
}
pub(crate) use string_enum;

/// True for characters that never belong in a name or display text.
fn is_forbidden_text_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{FEFF}')
}
