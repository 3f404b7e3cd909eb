//! What account owners do: claim an account with the code their platform
//! showed them, then identify. Everything an owner can get wrong gets the
//! same answer, so the forms never reveal whether an account exists.

use crate::audit::witnesses::WitnessPolicy;
use crate::audit::{self, Actor, AuditAction, AuditEvent, AuditSubject};
use crate::crypto::token::{expose, new_url_token};
use crate::crypto::{KeyRing, TokenDigest, TokenPurpose};
use crate::db::repo::accounts::{self as repo, AccountRow, ClaimRow};
use crate::db::repo::identities::{self, DisclosureRow};
use crate::db::repo::{owner_sessions, platforms};
use crate::db::{DbConnection, DbError, lock_feed, write_tx};
use crate::domain::lifecycle::accepts_claim_code;
use crate::domain::{AccountId, AccountStatus, ClaimCode, Handle, IdentityId, PlatformSlug, RegistryPolicy};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use secrecy::SecretString;

/// How long a successful claim stays valid for identifying.
pub const TICKET_LIFETIME: TimeDelta = TimeDelta::minutes(30);

#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    /// Wrong, expired or spent code, unknown platform or account: one answer for all.
    #[error("the claim was not accepted")]
    Rejected,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// An account the visitor proved they may identify, as checked: its row and
/// the digest of the claim code it was claimed with.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub account: AccountRow,
    pub claim_code_digest: TokenDigest,
}

impl Claimed {
    /// The claim row, if its code is usable; else one answer for every failure.
    fn of(row: ClaimRow, policy: &RegistryPolicy, now: DateTime<Utc>) -> Result<Self, OwnerError> {
        let status = policy.advance(&row.account.state(), now).state.status;
        let open = accepts_claim_code(status) && row.claim_code_expires_at.is_some_and(|at| at.and_utc() > now);
        match row.claim_code_digest {
            Some(claim_code_digest) if open => Ok(Self { account: row.account, claim_code_digest }),
            _ => Err(OwnerError::Rejected),
        }
    }
}

/// `account` is the platform's account id or the handle (with or without `@`).
pub fn check_claim(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    platform: &str,
    account: &str,
    code: &ClaimCode,
    now: DateTime<Utc>,
) -> Result<Claimed, OwnerError> {
    let slug = PlatformSlug::parse(platform).map_err(|_| OwnerError::Rejected)?;
    let platform_id = platforms::find_id_by_slug(conn, &slug)?.ok_or(OwnerError::Rejected)?;
    let digest = keys.token_digester().digest(TokenPurpose::ClaimCode, code.expose());
    let row = repo::find_by_claim_code(conn, &digest)?.ok_or(OwnerError::Rejected)?;
    let named = account.trim();
    let handle_matches = |h: &str| h.trim_start_matches('@').eq_ignore_ascii_case(named.trim_start_matches('@'));
    let same_account = row.account.account_ref.as_str() == named || handle_matches(row.account.handle.as_str());
    if row.account.platform_id != platform_id || !same_account {
        return Err(OwnerError::Rejected);
    }
    Claimed::of(row, policy, now)
}

/// A cookie value `id.expires.mac`: the MAC binds the id, the expiry and a
/// server-side secret digest (the current claim code, the management key), so
/// replacing that secret voids every value issued for it.
fn signed_value(keys: &KeyRing, purpose: TokenPurpose, id: i64, expires: i64, binding: &TokenDigest) -> String {
    format!("{id}.{expires}.{}", signature(keys, purpose, id, expires, binding))
}

fn signature(keys: &KeyRing, purpose: TokenPurpose, id: i64, expires: i64, binding: &TokenDigest) -> String {
    let input = format!("{id}.{expires}.{}", data_encoding::HEXLOWER.encode(&binding.0));
    data_encoding::HEXLOWER.encode(&keys.token_digester().digest(purpose, &input).0)
}

/// The id of an unexpired signed value; the caller then checks its MAC with [`signature_matches`].
fn signed_id(value: &str, now: DateTime<Utc>) -> Option<(i64, i64, &str)> {
    let mut parts = value.splitn(3, '.');
    let id = parts.next()?.parse().ok()?;
    let expires = parts.next()?.parse().ok()?;
    let mac = parts.next()?;
    (expires > now.timestamp()).then_some((id, expires, mac))
}

fn signature_matches(keys: &KeyRing, purpose: TokenPurpose, signed: (i64, i64, &str), binding: &TokenDigest) -> bool {
    let (id, expires, mac) = signed;
    subtle::ConstantTimeEq::ct_eq(signature(keys, purpose, id, expires, binding).as_bytes(), mac.as_bytes()).into()
}

/// A ticket for the claim cookie: `account_id.expires.mac`, bound to the
/// claim code the account was claimed with.
pub fn issue_ticket(keys: &KeyRing, claimed: &Claimed, now: DateTime<Utc>) -> String {
    let expires = (now + TICKET_LIFETIME).timestamp();
    signed_value(keys, TokenPurpose::ClaimTicket, claimed.account.id.get(), expires, &claimed.claim_code_digest)
}

/// The account a ticket is for, if the ticket is genuine, unexpired and the
/// account's claim is still open.
pub fn redeem_ticket(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    ticket: &str,
    now: DateTime<Utc>,
) -> Result<Claimed, OwnerError> {
    let signed = signed_id(ticket, now).ok_or(OwnerError::Rejected)?;
    let account_id = AccountId::new(signed.0);
    let claimed = Claimed::of(repo::find_with_claim(conn, account_id)?.ok_or(OwnerError::Rejected)?, policy, now)?;
    if !signature_matches(keys, TokenPurpose::ClaimTicket, signed, &claimed.claim_code_digest) {
        return Err(OwnerError::Rejected);
    }
    Ok(claimed)
}

/// How long a `/my` session lasts.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::minutes(30);

/// The digest a management key is stored as; typed input is normalized first.
fn management_key_digest(keys: &KeyRing, typed: &str) -> Option<TokenDigest> {
    let canonical = crate::domain::claim_code::normalize(typed).filter(|k| k.len() == 24)?;
    let shown = crate::domain::claim_code::grouped(&canonical);
    Some(keys.token_digester().digest(TokenPurpose::ManagementKey, &shown))
}

/// A reference as typed, in the form it is stored in.
pub fn normalize_reference(typed: &str) -> String {
    typed.trim().to_ascii_uppercase()
}

/// Signs an owner in with their reference and management key; returns the
/// session cookie value. An unknown reference and a wrong key are one answer.
pub fn sign_in(
    conn: &mut DbConnection,
    keys: &KeyRing,
    reference: &str,
    management_key: &str,
    now: DateTime<Utc>,
) -> Result<SecretString, OwnerError> {
    let record = identities::find_for_sign_in(conn, &normalize_reference(reference))?.ok_or(OwnerError::Rejected)?;
    let stored = record.management_key_digest.ok_or(OwnerError::Rejected)?;
    let typed = management_key_digest(keys, management_key).ok_or(OwnerError::Rejected)?;
    if !typed.matches(&stored.0) {
        return Err(OwnerError::Rejected);
    }
    let token = new_url_token();
    let digest = keys.token_digester().digest(TokenPurpose::OwnerSession, expose(&token));
    write_tx(conn, |conn| owner_sessions::create(conn, record.id, &digest, now, now + SESSION_LIFETIME))?;
    Ok(token)
}

/// Whether `management_key` is the record's current key (asked again before
/// an action a stolen session must not take alone).
pub fn key_matches(
    conn: &mut DbConnection,
    keys: &KeyRing,
    identity_id: IdentityId,
    management_key: &str,
) -> Result<bool, DbError> {
    let stored = identities::management_key_of(conn, identity_id)?;
    let typed = management_key_digest(keys, management_key);
    Ok(matches!((stored, typed), (Some(stored), Some(typed)) if typed.matches(&stored.0)))
}

/// The record a session cookie is for, if the session is live and the record not shredded.
pub fn session(
    conn: &mut DbConnection,
    keys: &KeyRing,
    cookie: &str,
    now: DateTime<Utc>,
) -> Result<Option<IdentityId>, DbError> {
    let digest = keys.token_digester().digest(TokenPurpose::OwnerSession, cookie);
    owner_sessions::find_live(conn, &digest, now)
}

/// Ends the session the cookie holds, so a copy of the cookie stops working.
pub fn sign_out(conn: &mut DbConnection, keys: &KeyRing, cookie: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    let digest = keys.token_digester().digest(TokenPurpose::OwnerSession, cookie);
    write_tx(conn, |conn| owner_sessions::end(conn, &digest, now).map(drop))
}

/// One account as its owner sees it on `/my`.
#[derive(Debug, Clone)]
pub struct MyAccount {
    pub account_id: AccountId,
    pub platform: String,
    pub handle: Handle,
    pub status: AccountStatus,
    pub withdrawn: bool,
}

impl MyAccount {
    /// Only an account below the threshold can leave the owner's record.
    pub fn can_withdraw(&self) -> bool {
        !self.withdrawn && self.status == AccountStatus::NotRequired
    }
}

fn my_accounts(
    conn: &mut DbConnection,
    policy: &RegistryPolicy,
    identity_id: IdentityId,
    now: DateTime<Utc>,
) -> Result<Vec<MyAccount>, DbError> {
    Ok(identities::linked_accounts(conn, identity_id)?
        .into_iter()
        .map(|a| {
            let (status, _) =
                policy.status_at(a.status, a.deadline.map(|t| t.and_utc()), a.below_since.map(|t| t.and_utc()), now);
            MyAccount {
                account_id: a.account_id,
                platform: a.platform_name,
                handle: a.handle,
                status,
                withdrawn: a.withdrawn_at.is_some(),
            }
        })
        .collect())
}

/// What `/my` shows an owner of their record.
#[derive(Debug, Clone)]
pub struct MyRecord {
    pub accounts: Vec<MyAccount>,
    /// Disclosures the owner may see now (any deferral has passed), newest first.
    pub disclosures: Vec<DisclosureRow>,
    /// When the data will be crypto-shredded, once no account needs it.
    pub deleted_on: Option<DateTime<Utc>>,
    /// Whether the owner proved the contact address (a lost key can be replaced through it).
    pub email_confirmed: bool,
    /// A new address waits for the code sent to it.
    pub email_change_waiting: bool,
    /// The owner's own changes to the record in the audit log, newest first.
    pub log_entries: Vec<MyLogEntry>,
}

/// An entry of the audit log about the owner's record, of which the owner may download a proof.
#[derive(Debug, Clone)]
pub struct MyLogEntry {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub action: AuditAction,
}

/// The owner's own changes to their record: with the disclosures they may
/// see, the entries they can download proofs of. Officials' other actions
/// (a registrar's check) are not listed: the record page does not show them.
const OWNER_ENTRIES: [AuditAction; 5] = [
    AuditAction::OwnerAccountLinked,
    AuditAction::OwnerAccountWithdrawn,
    AuditAction::OwnerContactChanged,
    AuditAction::OwnerKeyReplaced,
    AuditAction::OwnerLinkDisputed,
];

fn my_log_entries(conn: &mut DbConnection, identity_id: IdentityId) -> Result<Vec<MyLogEntry>, DbError> {
    Ok(audit::about(conn, AuditSubject::Identity(identity_id), &OWNER_ENTRIES)?
        .into_iter()
        .filter_map(|e| Some(MyLogEntry { seq: e.seq, occurred_at: e.occurred_at, action: e.action.parse().ok()? }))
        .collect())
}

/// The proof (C2SP tlog-proof) of an entry about the owner's record: one of
/// their own changes or a disclosure they may see. `None` for any other
/// entry (the same answer whether it exists or not), or while the published
/// log does not hold it yet.
pub fn entry_proof(
    conn: &mut DbConnection,
    witnesses: &WitnessPolicy,
    identity_id: IdentityId,
    seq: i64,
    now: DateTime<Utc>,
) -> Result<Option<EntryProof>, DbError> {
    let mine = my_log_entries(conn, identity_id)?.iter().any(|e| e.seq == seq)
        || identities::visible_disclosures(conn, identity_id, now)?.iter().any(|d| d.audit_seq == seq);
    let Some(entry) = audit::entry(conn, seq)?.filter(|_| mine) else { return Ok(None) };
    let Some(published) = audit::witnesses::published(conn, witnesses)? else { return Ok(Some(EntryProof::NotYet)) };
    Ok(Some(match audit::proof::build(conn, &published, &entry)? {
        Some(proof) => EntryProof::Ready(proof),
        None => EntryProof::NotYet,
    }))
}

/// An owner's entry's proof, or that the entry has not joined the published log yet.
#[derive(Debug)]
pub enum EntryProof {
    Ready(String),
    NotYet,
}

pub fn my_record(
    conn: &mut DbConnection,
    policy: &RegistryPolicy,
    identity_id: IdentityId,
    now: DateTime<Utc>,
) -> Result<MyRecord, DbError> {
    Ok(MyRecord {
        accounts: my_accounts(conn, policy, identity_id, now)?,
        disclosures: identities::visible_disclosures(conn, identity_id, now)?,
        deleted_on: policy.shred_due_at(&identities::retention_links(conn, identity_id)?),
        email_confirmed: identities::contact_confirmed(conn, identity_id)?,
        email_change_waiting: super::contact::change_waiting(conn, identity_id, now)?,
        log_entries: my_log_entries(conn, identity_id)?,
    })
}

/// Withdraws one of the owner's accounts that no longer needs registration:
/// the link ends, which starts the retention clock once it was the last one,
/// and the account needs a new identification if it crosses the threshold again.
pub fn withdraw(
    conn: &mut DbConnection,
    keys: &KeyRing,
    policy: &RegistryPolicy,
    identity_id: IdentityId,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> Result<(), OwnerError> {
    write_tx(conn, |conn| {
        let conn = &mut lock_feed(conn, keys.status_key())?;
        let account = my_accounts(conn, policy, identity_id, now)?
            .into_iter()
            .find(|a| a.account_id == account_id)
            .ok_or(OwnerError::Rejected)?;
        if !account.can_withdraw() || !identities::withdraw_account(conn, account_id, identity_id, now)? {
            return Err(OwnerError::Rejected);
        }
        let row = repo::find_with_claim(conn, account_id)?.ok_or(OwnerError::Rejected)?.account;
        super::accounts::save_outcome(conn, &row, &policy.release_identity(&row.state(), now))?;
        let details = serde_json::json!({ "account": AuditSubject::Account(account_id) });
        audit::append(conn, &owner_event(AuditAction::OwnerAccountWithdrawn, identity_id, details), now)?;
        Ok(())
    })
}

fn owner_event(action: AuditAction, identity_id: IdentityId, details: serde_json::Value) -> AuditEvent {
    AuditEvent::new(Actor::Owner, action, AuditSubject::Identity(identity_id), details)
}
