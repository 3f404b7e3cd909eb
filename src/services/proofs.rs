//! The single-use proofs mailed to owners: 8-digit codes typed back into a
//! page, and links that open one. Both are stored only as digests under the
//! token key.

use crate::crypto::token::{expose, new_email_code, new_url_token};
use crate::crypto::{KeyRing, TokenDigest, TokenPurpose};
use crate::db::repo::owner_tokens::{self, LiveToken, NewToken};
use crate::db::{DbConnection, DbError};
use crate::domain::{AccountId, IdentityId, OwnerTokenPurpose};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// A new code and the digest it is stored as.
pub(super) fn new_code(keys: &KeyRing) -> (SecretString, TokenDigest) {
    let code = new_email_code();
    let digest = keys.token_digester().digest(TokenPurpose::EmailCode, expose(&code));
    (code, digest)
}

/// Whether the typed code (spaces and dashes allowed) is the one whose digest is stored.
pub(super) fn code_matches(keys: &KeyRing, typed: &str, stored: &TokenDigest) -> bool {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    digits.len() == 8
        && digits.bytes().all(|b| b.is_ascii_digit())
        && keys.token_digester().digest(TokenPurpose::EmailCode, &digits).matches(&stored.0)
}

/// Issues a link token of `purpose` for the record (about `account`, if it
/// concerns one); returns the token, to put in the mailed link.
pub(super) fn issue_link(
    conn: &mut DbConnection,
    keys: &KeyRing,
    (identity_id, account_id): (IdentityId, Option<AccountId>),
    purpose: OwnerTokenPurpose,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<SecretString, DbError> {
    let token = new_url_token();
    let digest = keys.token_digester().digest(TokenPurpose::OwnerLink, expose(&token));
    let link = NewToken { identity_id, purpose, digest: &digest, account_id, value: None, expires_at };
    owner_tokens::issue(conn, keys, &link, now)?;
    Ok(token)
}

/// The live link token of `purpose` a mailed link carries, if any.
pub(super) fn live_link(
    conn: &mut DbConnection,
    keys: &KeyRing,
    token: &str,
    purpose: OwnerTokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<LiveToken>, DbError> {
    let digest = keys.token_digester().digest(TokenPurpose::OwnerLink, token);
    owner_tokens::find_by_digest(conn, &digest, purpose, now)
}
