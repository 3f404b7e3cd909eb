//! Typed ids of stored records, so that an account's id can never be passed
//! where an identity's is expected. The numbers are assigned by the
//! database; how they are stored is `db::columns`.

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub(crate) i64);

        impl $name {
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

id_type! {
    /// An account a platform reported.
    AccountId,
    /// One person's or entity's identity record.
    IdentityId,
    /// A regulator official.
    OfficialId,
    /// A registered platform.
    PlatformId,
    /// An access request filed by an official.
    RequestId,
    /// An official's login session.
    SessionId,
    /// A message in the mail outbox.
    MessageId,
    /// A single-use proof mailed to an owner.
    OwnerTokenId,
    /// A platform's webhook endpoint.
    EndpointId,
    /// One event for one webhook endpoint, with its attempts.
    DeliveryId,
}
