//! The log's vocabulary, in one place: who acted ([`Actor`]), what they did
//! ([`AuditAction`]) and what it was about ([`AuditSubject`]). Entries name
//! people and records only by these keyed references, never by personal data.

use crate::crypto::KeyId;
use crate::domain::{AccountId, IdentityId, OfficialId, PlatformId, RequestId, string_enum};

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A registry operator at the command line.
    Operator,
    /// The service itself (time-driven jobs, refusals of unknown users).
    System,
    /// An account owner on `/my`; the subject names their identity.
    Owner,
    Official(OfficialId),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Operator => f.write_str("operator"),
            Actor::System => f.write_str("system"),
            Actor::Owner => f.write_str("owner"),
            Actor::Official(id) => write!(f, "official:{id}"),
        }
    }
}

string_enum! {
    /// Every kind of entry the log holds, as stored in its `action` column.
    pub enum AuditAction: UnknownAuditAction {
        /// An official filed an access request (details: legal basis, fields).
        AccessRequestFiled = "access_request.filed",
        /// An approver approved a request (details: whether the owner is told later).
        AccessRequestApproved = "access_request.approved",
        /// The identifier of a request by identifier was shown to its
        /// requester or an approver (it is sealed; this names who saw it).
        AccessRequestIdentifierShown = "access_request.identifier_shown",
        /// An approver denied a request.
        AccessRequestDenied = "access_request.denied",
        /// An official was refused for passing a daily limit (details: which limit).
        DailyLimitReached = "daily_limit.reached",
        /// A requester opened an approved request (details: the identity, which opening).
        DisclosureOpened = "disclosure.opened",
        /// A registrar opened every field of an identity. No longer written
        /// (review is a match-check now); kept so that older logs still read.
        IdentityViewed = "identity.viewed",
        /// A registrar checked a declaration against evidence (details: the
        /// fields compared and the answer for each; never the values).
        IdentityChecked = "identity.checked",
        /// A registrar found a declaration false (details: the reason code,
        /// how many accounts went back to `required`).
        IdentityRejected = "identity.rejected",
        /// A registrar confirmed a declaration (details: how many accounts were raised).
        IdentityRegistrarChecked = "identity.registrar_checked",
        /// An identity's data was crypto-shredded under retention.
        IdentityShredded = "identity.shredded",
        /// An operator added a master key version and made it active.
        KeysRotated = "keys.rotated",
        /// An operator deleted an unused master key version.
        KeysRetired = "keys.retired",
        /// An operator created an official (details: roles).
        OfficialCreated = "official.created",
        /// An operator gave an official new credentials (details: roles).
        OfficialCredentialsReissued = "official.credentials_reissued",
        /// An operator disabled an official; their sessions ended.
        OfficialDisabled = "official.disabled",
        /// An operator enabled a disabled official again.
        OfficialEnabled = "official.enabled",
        /// An operator ended every session of an official (details: how many).
        OfficialSessionsRevoked = "official.sessions_revoked",
        /// A login failed: a wrong password or code; for usernames that do
        /// not exist, a count per client address block (details: block, count).
        OfficialLoginFailed = "official.login_failed",
        /// The failure that locked an official out.
        OfficialLockedOut = "official.locked_out",
        /// A login attempt while locked out.
        OfficialLoginRefusedLocked = "official.login_refused_locked",
        /// A session began (details: the session).
        OfficialLoggedIn = "official.logged_in",
        /// A session was ended by its official (details: the session).
        OfficialLoggedOut = "official.logged_out",
        /// An owner changed their contact e-mail; the old one was shredded.
        OwnerContactChanged = "owner.contact_changed",
        /// An owner withdrew an account from their record (details: the account).
        OwnerAccountWithdrawn = "owner.account_withdrawn",
        /// An account was linked to a record with proof of control of it
        /// (details: the account, the proof: `email_code` or `session`).
        OwnerAccountLinked = "owner.account_linked",
        /// The record's owner reported a new link as not theirs; it ended (details: the account).
        OwnerLinkDisputed = "owner.link_disputed",
        /// An owner set a new management key through their confirmed e-mail; their sessions ended.
        OwnerKeyReplaced = "owner.key_replaced",
        /// An operator registered a platform (details: its slug).
        PlatformCreated = "platform.created",
        /// An operator gave a platform a new API token.
        PlatformTokenReissued = "platform.token_reissued",
        /// An operator registered a webhook endpoint for a platform (details: its id and host).
        PlatformWebhookAdded = "platform.webhook_added",
    }
}

/// What an entry is about: a keyed reference (`identity:12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSubject {
    Account(AccountId),
    Identity(IdentityId),
    Official(OfficialId),
    /// A login attempt under a username that does not exist.
    UnknownOfficial,
    AccessRequest(RequestId),
    Platform(PlatformId),
    MasterKey(KeyId),
}

impl std::fmt::Display for AuditSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditSubject::Account(id) => write!(f, "account:{id}"),
            AuditSubject::Identity(id) => write!(f, "identity:{id}"),
            AuditSubject::Official(id) => write!(f, "official:{id}"),
            AuditSubject::UnknownOfficial => f.write_str("official:unknown"),
            AuditSubject::AccessRequest(id) => write!(f, "access_request:{id}"),
            AuditSubject::Platform(id) => write!(f, "platform:{id}"),
            AuditSubject::MasterKey(id) => write!(f, "master_key:{id}"),
        }
    }
}

impl serde::Serialize for AuditSubject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
