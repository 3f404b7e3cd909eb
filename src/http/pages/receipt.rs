//! `/claim/done`: the confirmation of a finished identification on its own
//! URL (post/redirect/get), so that refresh and Back show it again, with a
//! text receipt to download. What it shows travels in a cookie sealed under
//! the master key for [`RECEIPT_LIFETIME`]; nothing about it is stored.

use super::context::{PageContext, see_other};
use crate::crypto::{KeyId, KeyRing, MasterSealed};
use crate::http::error::ApiError;
use crate::http::pages::cookies::CookieName;
use crate::i18n::Texts;
use actix_web::HttpResponse;
use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::http::header;
use askama::Template;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// How long the confirmation can be shown again: long enough to print or
/// save the key, short enough that a shared computer does not keep it.
pub const RECEIPT_LIFETIME: TimeDelta = TimeDelta::minutes(30);

/// What sealing binds the cookie to, so no other sealed value passes for it.
const CONTEXT: &[u8] = b"registry receipt cookie v1";

/// A finished identification, as the confirmation shows it.
#[derive(Serialize, Deserialize)]
pub struct Receipt {
    pub handle: String,
    /// The new record's reference and management key; `None` when the
    /// account joined the owner's existing record.
    pub created: Option<(String, String)>,
    pub finished_at: DateTime<Utc>,
}

impl Drop for Receipt {
    fn drop(&mut self) {
        if let Some((_, key)) = self.created.as_mut() {
            key.zeroize();
        }
    }
}

impl Receipt {
    /// The cookie that carries the receipt to `/claim/done`.
    pub fn cookie(&self, page: &PageContext) -> Result<Cookie<'static>, ApiError> {
        let mut cookie = page.cookie(CookieName::Receipt, seal(&page.state.keys, self)?);
        cookie.set_max_age(CookieDuration::seconds(RECEIPT_LIFETIME.num_seconds()));
        Ok(cookie)
    }

    /// The receipt in the visitor's cookie, if it is genuine and not too old.
    fn of(page: &PageContext) -> Option<Self> {
        let value = page.cookie_value(CookieName::Receipt)?;
        let receipt = open(&page.state.keys, &value)?;
        (crate::db::now() - receipt.finished_at <= RECEIPT_LIFETIME).then_some(receipt)
    }
}

/// The answer to a page of the finished journey (Back from the
/// confirmation): the confirmation again while it lasts, else `refused`.
pub(super) fn back_to_confirmation(
    page: &PageContext,
    refused: impl FnOnce() -> Result<HttpResponse, ApiError>,
) -> Result<HttpResponse, ApiError> {
    match Receipt::of(page) {
        Some(_) => Ok(see_other("/claim/done")),
        None => refused(),
    }
}

/// `key id.sealed bytes`, the inverse of [`open`].
fn seal(keys: &KeyRing, receipt: &Receipt) -> Result<String, ApiError> {
    let mut plain = serde_json::to_vec(receipt).map_err(ApiError::internal)?;
    let sealed = keys.seal(CONTEXT, &plain).map_err(ApiError::internal);
    plain.zeroize();
    let sealed = sealed?;
    Ok(format!("{}.{}", sealed.key_id.0, data_encoding::BASE64URL_NOPAD.encode(&sealed.bytes)))
}

fn open(keys: &KeyRing, value: &str) -> Option<Receipt> {
    let (key_id, bytes) = value.split_once('.')?;
    let sealed = MasterSealed {
        key_id: KeyId(key_id.parse().ok()?),
        bytes: data_encoding::BASE64URL_NOPAD.decode(bytes.as_bytes()).ok()?,
    };
    let plain = keys.open(&sealed, CONTEXT).ok()?;
    serde_json::from_slice(&plain).ok()
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    t: Texts<'a>,
    receipt: Receipt,
    finished: String,
    /// The warning under the key: how long this page keeps showing it.
    key_note: &'static str,
}

/// `GET /claim/done`
pub(super) async fn done(page: PageContext) -> Result<HttpResponse, ApiError> {
    let Some(receipt) = Receipt::of(&page) else {
        return page.notice(StatusCode::NOT_FOUND, "receipt-gone-title", "receipt-gone");
    };
    let t = page.texts();
    let finished = t.moment(receipt.finished_at.naive_utc());
    page.render(&ReceiptPage { t, receipt, finished, key_note: "receipt-key-kept" }, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "receipt.txt")]
struct ReceiptFile<'a> {
    t: Texts<'a>,
    receipt: Receipt,
    finished: String,
}

/// `GET /claim/done/receipt.txt`: the same facts as a file to keep.
pub(super) async fn download(page: PageContext) -> Result<HttpResponse, ApiError> {
    let Some(receipt) = Receipt::of(&page) else { return Ok(see_other("/claim/done")) };
    let t = page.texts();
    let finished = t.moment(receipt.finished_at.naive_utc());
    let name = receipt
        .created
        .as_ref()
        .map_or("registry-receipt.txt".to_owned(), |(reference, _)| format!("registry-receipt-{reference}.txt"));
    let text = ReceiptFile { t, receipt, finished }.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_cookie_opens_only_unchanged_and_with_the_same_keys() {
        let keys = KeyRing::generate(Utc::now());
        let receipt =
            Receipt { handle: "@acc".into(), created: Some(("R-AAAA".into(), "key".into())), finished_at: Utc::now() };
        let value = seal(&keys, &receipt).unwrap();
        assert_eq!(open(&keys, &value).unwrap().created.as_ref().unwrap().0, "R-AAAA");
        let mut tampered = value.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(open(&keys, std::str::from_utf8(&tampered).unwrap()).is_none());
        assert!(open(&KeyRing::generate(Utc::now()), &value).is_none(), "another deployment's keys");
        assert!(open(&keys, "1.not-base64!").is_none());
        assert!(open(&keys, "garbage").is_none());
    }
}
