//! How domain and crypto types are stored: each maps to one column type on
//! both backends (and on the `MultiConnection` over them) through the plain
//! value it is stored as — a code, a number or bytes. Rows carry these types,
//! so nothing outside this file parses a stored value; a value the type does
//! not accept (a row changed outside the registry) fails to load with an
//! error naming the type.
//!
//! The impls are what diesel's `AsExpression` and `FromSqlRow` derives
//! generate, written here so that `domain` stays free of diesel.

use crate::crypto::{BlindIndex, TokenDigest};
use crate::domain::{
    AccountId, AccountRef, AccountStatus, Assurance, Authority, DeliveryId, EndpointId, Field, FieldList,
    FollowerCount, Handle, IdentifierType, IdentityId, LegalBasis, MessageId, OfficialId, OwnerTokenId,
    OwnerTokenPurpose, OwnerType, PlatformId, PlatformSlug, RequestId, RequestState, RoleSet, SessionId, SigningScheme,
};
use crate::i18n::Lang;
use crate::mail::MailKind;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::helper_types::AsExprOf;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Binary, Nullable, SingleValue, Text};

/// Loading: the column's plain value, then the type's own check.
macro_rules! load {
    ($ty:ty, $sql:ty, $plain:ty, |$raw:ident| $check:expr) => {
        impl<DB: Backend> FromSql<$sql, DB> for $ty
        where
            $plain: FromSql<$sql, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let $raw = <$plain as FromSql<$sql, DB>>::from_sql(bytes)?;
                $check.map_err(|_| concat!("a stored value is not a valid ", stringify!($ty)).into())
            }
        }

        impl<DB: Backend, ST: SingleValue> Queryable<ST, DB> for $ty
        where
            Self: FromSql<ST, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    };
}

/// Storing: the plain value borrowed from the type, for binds, and the same
/// as an expression for `.eq(..)` and inserts, owned (`$owned`) or borrowed.
macro_rules! store {
    ($ty:ty, $sql:ty, $plain:ty, |$v:ident| $borrowed:expr, $owned:ty = |$o:ident| $into_owned:expr) => {
        impl<DB: Backend> ToSql<$sql, DB> for $ty
        where
            $plain: ToSql<$sql, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                let $v = self;
                <$plain as ToSql<$sql, DB>>::to_sql($borrowed, out)
            }
        }

        impl AsExpression<$sql> for $ty {
            type Expression = AsExprOf<$owned, $sql>;
            fn as_expression(self) -> Self::Expression {
                let $o = self;
                AsExpression::<$sql>::as_expression($into_owned)
            }
        }

        impl AsExpression<Nullable<$sql>> for $ty {
            type Expression = AsExprOf<$owned, Nullable<$sql>>;
            fn as_expression(self) -> Self::Expression {
                let $o = self;
                AsExpression::<Nullable<$sql>>::as_expression($into_owned)
            }
        }

        impl<'a> AsExpression<$sql> for &'a $ty {
            type Expression = AsExprOf<&'a $plain, $sql>;
            fn as_expression(self) -> Self::Expression {
                let $v = self;
                AsExpression::<$sql>::as_expression($borrowed)
            }
        }

        impl<'a> AsExpression<Nullable<$sql>> for &'a $ty {
            type Expression = AsExprOf<&'a $plain, Nullable<$sql>>;
            fn as_expression(self) -> Self::Expression {
                let $v = self;
                AsExpression::<Nullable<$sql>>::as_expression($borrowed)
            }
        }
    };
}

/// Fixed codes (`string_enum!` types): stored as their code.
macro_rules! code_columns {
    ($($ty:ty),+ $(,)?) => {$(
        load!($ty, Text, String, |code| code.parse::<$ty>());
        store!($ty, Text, str, |value| value.as_str(), &'static str = |value| value.as_str());
    )+};
}

/// Checked text (`AccountRef`, ...): stored as the text itself.
macro_rules! text_columns {
    ($($ty:ty),+ $(,)?) => {$(
        load!($ty, Text, String, |text| <$ty>::try_from(text));
        store!($ty, Text, str, |value| value.as_str(), String = |value| value.as_str().to_owned());
    )+};
}

/// Typed ids: stored as the number.
macro_rules! id_columns {
    ($($ty:ident),+ $(,)?) => {$(
        load!($ty, BigInt, i64, |id| Ok::<_, std::convert::Infallible>($ty::new(id)));
        store!($ty, BigInt, i64, |value| &value.0, i64 = |value| value.0);
    )+};
}

/// 32-byte digests: stored as the bytes.
macro_rules! digest_columns {
    ($($ty:ident),+ $(,)?) => {$(
        load!($ty, Binary, Vec<u8>, |bytes| <[u8; 32]>::try_from(bytes).map($ty));
        store!($ty, Binary, [u8], |value| &value.0[..], Vec<u8> = |value| value.0.to_vec());
    )+};
}

code_columns!(
    AccountStatus,
    Authority,
    Assurance,
    Field,
    IdentifierType,
    Lang,
    LegalBasis,
    MailKind,
    OwnerTokenPurpose,
    OwnerType,
    RequestState,
    SigningScheme,
);
text_columns!(AccountRef, Handle, PlatformSlug);
id_columns!(
    AccountId,
    DeliveryId,
    EndpointId,
    IdentityId,
    MessageId,
    OfficialId,
    OwnerTokenId,
    PlatformId,
    RequestId,
    SessionId
);
digest_columns!(BlindIndex, TokenDigest);

load!(FollowerCount, BigInt, i64, |count| FollowerCount::parse(count));
store!(FollowerCount, BigInt, i64, |value| &value.0, i64 = |value| value.0);

// Lists written by the service as their canonical text (`to_canonical`, `to_codes`) and read back checked.
load!(RoleSet, Text, String, |roles| roles.parse::<RoleSet>());
load!(FieldList, Text, String, |codes| codes.parse::<FieldList>());
