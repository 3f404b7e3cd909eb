//! Identity records: the one seam where personal data is encrypted, stored,
//! decrypted and shredded.
//!
//! Each identity has its own data key, wrapped by the active master key and
//! bound to the record's reference. Each field is sealed separately with the
//! data key, bound to the reference and the field name, so no ciphertext can
//! be moved to another record or field and still open.

use crate::crypto::{BlindIndex, DataKey, KeyRing, MasterSealed, TokenDigest};
use crate::db::schema::{
    access_requests, account_identities, accounts, disclosures, identities, identity_fields, platforms,
};
use crate::db::{DbConnection, DbError, db_time, is_unique_violation, key_id_from_db, key_id_to_db};
use crate::db_run;
use crate::domain::retention::LinkState;
use crate::domain::{
    AccountId, AccountRef, AccountStatus, Authority, Declaration, Field, Handle, IdentityId, LegalBasis, OfficialId,
    OwnerType, PlatformId, PlatformSlug, RequestId,
};
use crate::i18n::Lang;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use zeroize::Zeroizing;

fn data_key_context(reference: &str) -> Vec<u8> {
    format!("identity:{reference}:data-key").into_bytes()
}

fn field_context(reference: &str, field: Field) -> Vec<u8> {
    format!("identity:{reference}:field:{field}").into_bytes()
}

/// Stores a new identity: the blind index, the wrapped data key and one
/// ciphertext per declared field. Call inside a write transaction.
pub fn create(
    conn: &mut DbConnection,
    keys: &KeyRing,
    declaration: &Declaration,
    blind_index: &BlindIndex,
    reference: &str,
    management_key: &TokenDigest,
    now: DateTime<Utc>,
) -> Result<IdentityId, DbError> {
    let (data_key, wrapped) = keys.new_data_key(&data_key_context(reference))?;
    let id: IdentityId = diesel::insert_into(identities::table)
        .values((
            identities::reference.eq(reference),
            identities::owner_type.eq(declaration.owner_type()),
            identities::blind_index.eq(blind_index),
            identities::key_id.eq(key_id_to_db(wrapped.key_id)),
            identities::wrapped_data_key.eq(&wrapped.bytes),
            identities::management_key_digest.eq(management_key),
            identities::created_at.eq(db_time(now)),
            identities::updated_at.eq(db_time(now)),
        ))
        .returning(identities::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { DbError::AlreadyExists("identity") } else { DbError::from(e) })?;
    let rows: Vec<_> = declaration
        .fields()
        .iter()
        .map(|(field, plaintext)| {
            (
                identity_fields::identity_id.eq(id),
                identity_fields::field.eq(*field),
                identity_fields::ciphertext.eq(data_key.seal(&field_context(reference, *field), plaintext.as_bytes())),
            )
        })
        .collect();
    db_run!(conn => diesel::insert_into(identity_fields::table).values(&rows).execute(conn))?;
    Ok(id)
}

/// The identity a blind index found.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = identities)]
pub struct IdentityMatch {
    pub id: IdentityId,
    /// The owner's receipt reference.
    pub reference: String,
    /// When a registrar confirmed the declaration, if one did.
    pub registrar_checked_at: Option<NaiveDateTime>,
    /// The language the owner reads mail in.
    pub lang: Lang,
}

/// The identity with this blind index.
pub fn find_by_blind_index(conn: &mut DbConnection, index: &BlindIndex) -> Result<Option<IdentityMatch>, DbError> {
    Ok(identities::table
        .filter(identities::blind_index.eq(index))
        .select(IdentityMatch::as_select())
        .first(conn)
        .optional()?)
}

/// The identity with this id, unless it was shredded.
pub fn find_match(conn: &mut DbConnection, id: IdentityId) -> Result<Option<IdentityMatch>, DbError> {
    Ok(identities::table
        .find(id)
        .filter(identities::shredded_at.is_null())
        .select(IdentityMatch::as_select())
        .first(conn)
        .optional()?)
}

/// The management key digest of a record that still has its data.
pub fn management_key_of(conn: &mut DbConnection, id: IdentityId) -> Result<Option<TokenDigest>, DbError> {
    let found: Option<Option<TokenDigest>> = identities::table
        .find(id)
        .filter(identities::shredded_at.is_null())
        .select(identities::management_key_digest)
        .first(conn)
        .optional()?;
    Ok(found.flatten())
}

/// Replaces the record's management key (its digest); the old one stops working.
pub fn replace_management_key(
    conn: &mut DbConnection,
    id: IdentityId,
    digest: &TokenDigest,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::update(identities::table.find(id).filter(identities::shredded_at.is_null()))
        .set((identities::management_key_digest.eq(digest), identities::updated_at.eq(db_time(now))))
        .execute(conn)?;
    Ok(())
}

/// Whether the owner proved the record's contact address.
pub fn contact_confirmed(conn: &mut DbConnection, id: IdentityId) -> Result<bool, DbError> {
    let confirmed: Option<Option<NaiveDateTime>> =
        identities::table.find(id).select(identities::email_confirmed_at).first(conn).optional()?;
    Ok(confirmed.flatten().is_some())
}

/// The owner proved the contact address (and reads mail in `lang`).
pub fn confirm_contact(conn: &mut DbConnection, id: IdentityId, lang: Lang, now: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(identities::table.find(id))
        .set((identities::email_confirmed_at.eq(Some(db_time(now))), identities::lang.eq(lang)))
        .execute(conn)?;
    Ok(())
}

/// Records that an account belongs to an identity. An account identified
/// again after its link ended gets a new link (or its old one back, for the
/// same identity); the unique index on live links refuses a second live one.
pub fn link_account(
    conn: &mut DbConnection,
    account_id: AccountId,
    identity_id: IdentityId,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let renewed = diesel::update(account_identities::table.find((account_id, identity_id)))
        .filter(account_identities::withdrawn_at.is_not_null())
        .set((
            account_identities::linked_at.eq(db_time(now)),
            account_identities::withdrawn_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    if renewed == 1 {
        return Ok(());
    }
    diesel::insert_into(account_identities::table)
        .values((
            account_identities::account_id.eq(account_id),
            account_identities::identity_id.eq(identity_id),
            account_identities::linked_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map_err(|e| if is_unique_violation(&e) { DbError::AlreadyExists("account link") } else { e.into() })?;
    Ok(())
}

/// The identity's reference and its unwrapped data key; `NotFound` once shredded.
fn data_key(conn: &mut DbConnection, keys: &KeyRing, id: IdentityId) -> Result<(String, DataKey), DbError> {
    let (reference, key_id, wrapped): (String, Option<i32>, Option<Vec<u8>>) = identities::table
        .find(id)
        .select((identities::reference, identities::key_id, identities::wrapped_data_key))
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound("identity"))?;
    let key = unwrap(keys, &reference, key_id, wrapped)?;
    Ok((reference, key))
}

fn unwrap(keys: &KeyRing, reference: &str, key_id: Option<i32>, wrapped: Option<Vec<u8>>) -> Result<DataKey, DbError> {
    let (Some(key_id), Some(bytes)) = (key_id, wrapped) else {
        return Err(DbError::NotFound("identity data (shredded)"));
    };
    let sealed = MasterSealed { key_id: key_id_from_db(key_id), bytes };
    Ok(keys.unwrap_data_key(&sealed, &data_key_context(reference))?)
}

/// One field's ciphertext with the wrapped data key that opens it.
#[derive(Queryable)]
struct SealedField {
    reference: String,
    key_id: Option<i32>,
    wrapped: Option<Vec<u8>>,
    field: Field,
    ciphertext: Vec<u8>,
}

/// Decrypts the requested fields that the identity has. Every call is a
/// disclosure of personal data: callers record why in the audit log.
pub fn open_fields(
    conn: &mut DbConnection,
    keys: &KeyRing,
    id: IdentityId,
    wanted: &[Field],
) -> Result<Vec<(Field, Zeroizing<String>)>, DbError> {
    let codes: Vec<&str> = wanted.iter().map(|f| f.as_str()).collect();
    // One statement, so the wrapped key and the ciphertexts are read from the
    // same snapshot even while a contact change re-keys the record.
    let rows: Vec<SealedField> = identity_fields::table
        .inner_join(identities::table)
        .filter(identity_fields::identity_id.eq(id).and(identity_fields::field.eq_any(codes)))
        .select((
            identities::reference,
            identities::key_id,
            identities::wrapped_data_key,
            identity_fields::field,
            identity_fields::ciphertext,
        ))
        .load(conn)?;
    let Some(first) = rows.first() else {
        data_key(conn, keys, id)?; // says why there is nothing: unknown or shredded
        return Ok(Vec::new());
    };
    let (reference, data_key) =
        (&first.reference, unwrap(keys, &first.reference, first.key_id, first.wrapped.clone())?);
    let mut fields = Vec::with_capacity(rows.len());
    for row in &rows {
        fields.push((row.field, open_field(&data_key, reference, row.field, &row.ciphertext)?));
    }
    fields.sort_by_key(|(field, _)| wanted.iter().position(|w| w == field));
    Ok(fields)
}

fn open_field(
    data_key: &DataKey,
    reference: &str,
    field: Field,
    ciphertext: &[u8],
) -> Result<Zeroizing<String>, DbError> {
    let plaintext = data_key.open(&field_context(reference, field), ciphertext)?;
    let text = String::from_utf8(plaintext.to_vec()).map_err(|_| crate::crypto::CryptoError::Malformed)?;
    Ok(Zeroizing::new(text))
}

/// Crypto-shreds an identity: the wrapped data key, the ciphertexts, the
/// blind index, the management key digest, the identifier sealed in
/// requests that searched for it and the purposes of registrars' checks of it
/// are deleted; the row stays so
/// history still refers to it, and its account links end. Returns false if
/// it was already shredded.
pub fn shred(conn: &mut DbConnection, id: IdentityId, now: DateTime<Utc>) -> Result<bool, DbError> {
    let index: Option<Option<BlindIndex>> =
        identities::table.find(id).select(identities::blind_index).first(conn).optional()?;
    if let Some(Some(index)) = index {
        super::access_requests::forget_identifier(conn, &index)?;
    }
    super::review_checks::forget_purposes(conn, id)?;
    let updated = diesel::update(identities::table.find(id).filter(identities::shredded_at.is_null()))
        .set((
            identities::blind_index.eq(None::<BlindIndex>),
            identities::key_id.eq(None::<i32>),
            identities::wrapped_data_key.eq(None::<Vec<u8>>),
            identities::management_key_digest.eq(None::<TokenDigest>),
            identities::shredded_at.eq(Some(db_time(now))),
            identities::updated_at.eq(db_time(now)),
        ))
        .execute(conn)?;
    diesel::delete(identity_fields::table.filter(identity_fields::identity_id.eq(id))).execute(conn)?;
    diesel::update(
        account_identities::table
            .filter(account_identities::identity_id.eq(id).and(account_identities::withdrawn_at.is_null())),
    )
    .set(account_identities::withdrawn_at.eq(db_time(now)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// When the identity's data was shredded, if it was.
pub fn shredded_at(conn: &mut DbConnection, id: IdentityId) -> Result<Option<DateTime<Utc>>, DbError> {
    let found: Option<Option<NaiveDateTime>> =
        identities::table.find(id).select(identities::shredded_at).first(conn).optional()?;
    Ok(found.flatten().map(|t| t.and_utc()))
}

/// The identity's account links as the retention rule sees them.
pub fn retention_links(conn: &mut DbConnection, id: IdentityId) -> Result<Vec<LinkState>, DbError> {
    let rows: Vec<(AccountStatus, NaiveDateTime, Option<NaiveDateTime>)> = account_identities::table
        .inner_join(accounts::table)
        .filter(account_identities::identity_id.eq(id))
        .select((accounts::status, accounts::status_changed_at, account_identities::withdrawn_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(status, changed_at, ended_at)| LinkState {
            status,
            status_changed_at: changed_at.and_utc(),
            ended_at: ended_at.map(|t| t.and_utc()),
        })
        .collect())
}

/// Candidates for shredding after `after_id`, oldest first: identities every
/// account of which left the registry (withdrawn, or dropped to
/// `not_required`) before `cutoff`. This is the rule of `domain::retention`
/// as one query; that rule decides again for each candidate, under lock.
pub fn due_for_shredding(
    conn: &mut DbConnection,
    cutoff: DateTime<Utc>,
    after_id: IdentityId,
    limit: i64,
) -> Result<Vec<IdentityId>, DbError> {
    use diesel::dsl::{exists, not};
    let cutoff = db_time(cutoff);
    let still_needed = account_identities::table
        .inner_join(accounts::table)
        .filter(account_identities::identity_id.eq(identities::id))
        .filter(
            account_identities::withdrawn_at.gt(cutoff).or(account_identities::withdrawn_at
                .is_null()
                .and(accounts::status.ne(AccountStatus::NotRequired).or(accounts::status_changed_at.gt(cutoff)))),
        );
    Ok(identities::table
        .filter(identities::shredded_at.is_null().and(identities::id.gt(after_id)))
        .filter(not(exists(still_needed)))
        .order(identities::id)
        .limit(limit)
        .select(identities::id)
        .load(conn)?)
}

/// A data key wrapped under some master key version.
#[derive(Queryable)]
struct WrappedKey {
    id: IdentityId,
    reference: String,
    key_id: i32,
    bytes: Vec<u8>,
}

/// Re-wraps up to `limit` data keys still under an older master key; returns how many.
pub fn rewrap_batch(conn: &mut DbConnection, keys: &KeyRing, limit: i64) -> Result<usize, DbError> {
    let active = key_id_to_db(keys.active_key_id());
    // Only older versions, in index order, so an idle check is one index
    // probe (shredded rows have no key); and a process that has not yet
    // loaded a newer key file must not move keys back.
    let rows: Vec<WrappedKey> = identities::table
        .filter(identities::key_id.lt(active).and(identities::wrapped_data_key.is_not_null()))
        .select((
            identities::id,
            identities::reference,
            identities::key_id.assume_not_null(),
            identities::wrapped_data_key.assume_not_null(),
        ))
        .order((identities::key_id, identities::id))
        .limit(limit)
        .load(conn)?;
    for WrappedKey { id, reference, key_id, bytes } in &rows {
        let old = MasterSealed { key_id: key_id_from_db(*key_id), bytes: bytes.clone() };
        let new = keys.reseal(&old, &data_key_context(reference))?;
        // Only if nobody re-keyed the record meanwhile: then the new key is already current.
        diesel::update(identities::table.find(id).filter(identities::wrapped_data_key.eq(bytes)))
            .set((identities::key_id.eq(key_id_to_db(new.key_id)), identities::wrapped_data_key.eq(&new.bytes)))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// How many data keys each master key version wraps.
pub fn count_by_key(conn: &mut DbConnection) -> Result<Vec<super::KeyUse>, DbError> {
    Ok(identities::table
        .filter(identities::key_id.is_not_null())
        .group_by(identities::key_id)
        .select((identities::key_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)?)
}

/// What an owner's sign-in is checked against.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = identities)]
pub struct SignInRecord {
    pub id: IdentityId,
    /// `None` once the record is shredded.
    pub management_key_digest: Option<TokenDigest>,
}

/// The identity with this receipt reference that still has its data.
pub fn find_for_sign_in(conn: &mut DbConnection, reference: &str) -> Result<Option<SignInRecord>, DbError> {
    Ok(identities::table
        .filter(identities::reference.eq(reference).and(identities::shredded_at.is_null()))
        .select(SignInRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Replaces one field's value and seals the whole record again under a
/// fresh data key: a copy of the old ciphertext (a backup) opens only with
/// the old data key, which is gone from the database once this commits.
pub fn replace_field(
    conn: &mut DbConnection,
    keys: &KeyRing,
    id: IdentityId,
    field: Field,
    plaintext: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    // Writing first takes the row lock: a concurrent re-key or shred waits.
    diesel::update(identities::table.find(id)).set(identities::updated_at.eq(db_time(now))).execute(conn)?;
    let (reference, old_key) = data_key(conn, keys, id)?;
    let rows: Vec<(Field, Vec<u8>)> = identity_fields::table
        .filter(identity_fields::identity_id.eq(id))
        .select((identity_fields::field, identity_fields::ciphertext))
        .load(conn)?;
    if !rows.iter().any(|(stored, _)| *stored == field) {
        return Err(DbError::NotFound("identity field"));
    }
    let (new_key, wrapped) = keys.new_data_key(&data_key_context(&reference))?;
    for (this, ciphertext) in rows {
        let value = if this == field {
            Zeroizing::new(plaintext.to_owned())
        } else {
            open_field(&old_key, &reference, this, &ciphertext)?
        };
        diesel::update(identity_fields::table.find((id, this)))
            .set(identity_fields::ciphertext.eq(new_key.seal(&field_context(&reference, this), value.as_bytes())))
            .execute(conn)?;
    }
    diesel::update(identities::table.find(id))
        .set((identities::key_id.eq(key_id_to_db(wrapped.key_id)), identities::wrapped_data_key.eq(&wrapped.bytes)))
        .execute(conn)?;
    Ok(())
}

/// One account of an owner's record, for `/my`.
#[derive(Debug, Clone, Queryable)]
pub struct LinkedAccount {
    pub account_id: AccountId,
    pub platform_name: String,
    pub account_ref: AccountRef,
    pub handle: Handle,
    pub status: AccountStatus,
    pub deadline: Option<NaiveDateTime>,
    pub below_since: Option<NaiveDateTime>,
    pub withdrawn_at: Option<NaiveDateTime>,
}

/// Every account ever linked to the identity, by platform and account.
pub fn linked_accounts(conn: &mut DbConnection, identity_id: IdentityId) -> Result<Vec<LinkedAccount>, DbError> {
    Ok(account_identities::table
        .inner_join(accounts::table.inner_join(platforms::table))
        .filter(account_identities::identity_id.eq(identity_id))
        .order((platforms::name, accounts::account_ref))
        .select((
            accounts::id,
            platforms::name,
            accounts::account_ref,
            accounts::handle,
            accounts::status,
            accounts::deadline,
            accounts::below_since,
            account_identities::withdrawn_at,
        ))
        .load(conn)?)
}

/// Marks an account as withdrawn from the owner's record; false if it was not linked or already withdrawn.
pub fn withdraw_account(
    conn: &mut DbConnection,
    account_id: AccountId,
    identity_id: IdentityId,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        account_identities::table.filter(
            account_identities::account_id
                .eq(account_id)
                .and(account_identities::identity_id.eq(identity_id))
                .and(account_identities::withdrawn_at.is_null()),
        ),
    )
    .set(account_identities::withdrawn_at.eq(db_time(now)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// A disclosure of an identity's data, as its owner may see it.
#[derive(Debug, Clone, Queryable)]
pub struct DisclosureRow {
    pub opened_at: NaiveDateTime,
    /// The audit entry that recorded the opening.
    pub audit_seq: i64,
    pub legal_basis: LegalBasis,
    /// Who asked, if the request named it (the basis document's issuer stays with officials).
    pub authority: Option<Authority>,
}

/// Disclosures of this identity's data that its owner may see now, newest
/// first: an approver may defer the owner's notification (at most 180 days).
pub fn visible_disclosures(
    conn: &mut DbConnection,
    identity_id: IdentityId,
    now: DateTime<Utc>,
) -> Result<Vec<DisclosureRow>, DbError> {
    Ok(disclosures::table
        .inner_join(access_requests::table)
        .filter(disclosures::identity_id.eq(identity_id))
        .filter(access_requests::notify_owner_after.is_null().or(access_requests::notify_owner_after.le(db_time(now))))
        .order(disclosures::opened_at.desc())
        .select((
            disclosures::opened_at,
            disclosures::audit_seq,
            access_requests::legal_basis,
            access_requests::authority,
        ))
        .load(conn)?)
}

/// The identity an account is linked to, or was last linked to.
pub fn find_id_by_account(
    conn: &mut DbConnection,
    platform_id: PlatformId,
    account_ref: &AccountRef,
) -> Result<Option<IdentityId>, DbError> {
    Ok(account_identities::table
        .inner_join(accounts::table)
        .filter(accounts::platform_id.eq(platform_id).and(accounts::account_ref.eq(account_ref)))
        // The live link if there is one: it is always the newest.
        .order(account_identities::linked_at.desc())
        .select(account_identities::identity_id)
        .first(conn)
        .optional()?)
}

/// One account of a person, as officials see it: no handle, no follower count.
#[derive(Debug, Clone, Queryable)]
pub struct AccountSummary {
    pub platform: PlatformSlug,
    pub account_ref: AccountRef,
    /// As stored.
    pub status: AccountStatus,
}

/// Every account ever linked to an identity, by platform and account.
pub fn accounts_of(conn: &mut DbConnection, identity_id: IdentityId) -> Result<Vec<AccountSummary>, DbError> {
    Ok(account_identities::table
        .inner_join(accounts::table.inner_join(platforms::table))
        .filter(account_identities::identity_id.eq(identity_id))
        .order((platforms::slug, accounts::account_ref))
        .select((platforms::slug, accounts::account_ref, accounts::status))
        .load(conn)?)
}

/// Records one disclosure of an identity under a request, with its audit entry.
pub fn record_disclosure(
    conn: &mut DbConnection,
    request_id: RequestId,
    identity_id: IdentityId,
    official_id: OfficialId,
    audit_seq: i64,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(disclosures::table)
        .values((
            disclosures::request_id.eq(request_id),
            disclosures::identity_id.eq(identity_id),
            disclosures::opened_by.eq(official_id),
            disclosures::opened_at.eq(db_time(now)),
            disclosures::audit_seq.eq(audit_seq),
        ))
        .execute(conn)?;
    Ok(())
}

/// An identity as a registrar sees it before opening its data.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = identities)]
pub struct ReviewRow {
    pub id: IdentityId,
    pub reference: String,
    pub owner_type: OwnerType,
    pub created_at: NaiveDateTime,
    pub registrar_checked_at: Option<NaiveDateTime>,
    pub shredded_at: Option<NaiveDateTime>,
}

/// Identities still `declared` that have data and an account in the
/// registry, oldest first, after the identity `after_id`.
pub fn review_queue(conn: &mut DbConnection, after_id: IdentityId, limit: i64) -> Result<Vec<ReviewRow>, DbError> {
    let linked = account_identities::table
        .filter(account_identities::withdrawn_at.is_null())
        .select(account_identities::identity_id);
    Ok(identities::table
        .filter(identities::id.gt(after_id))
        .filter(identities::registrar_checked_at.is_null())
        .filter(identities::shredded_at.is_null())
        .filter(identities::id.eq_any(linked))
        .order(identities::id)
        .limit(limit)
        .select(ReviewRow::as_select())
        .load(conn)?)
}

pub fn find_for_review(conn: &mut DbConnection, reference: &str) -> Result<Option<ReviewRow>, DbError> {
    Ok(identities::table
        .filter(identities::reference.eq(reference))
        .select(ReviewRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks an identity as confirmed by a registrar; false if it already was.
pub fn mark_registrar_checked(conn: &mut DbConnection, id: IdentityId, now: DateTime<Utc>) -> Result<bool, DbError> {
    let updated = diesel::update(identities::table.find(id).filter(identities::registrar_checked_at.is_null()))
        .set(identities::registrar_checked_at.eq(Some(db_time(now))))
        .execute(conn)?;
    Ok(updated == 1)
}
