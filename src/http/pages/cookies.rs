//! The pages' cookies and their anti-forgery tokens.
//!
//! Every cookie is `HttpOnly`, `SameSite=Strict` and for the whole site.
//! Behind TLS (`REGISTRY_PUBLIC_URL` with `https://`) each is also `Secure`
//! and carries the `__Host-` prefix, so no subdomain or plain-HTTP page can
//! set or shadow it. Whether TLS is in use comes from the configuration,
//! never from request headers a client could forge.

use crate::crypto::token::new_url_token;
use crate::crypto::{KeyRing, TokenPurpose};
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use secrecy::ExposeSecret;

/// The cookies the pages set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieName {
    /// The seed of the visitor's anti-forgery tokens.
    Csrf,
    /// The ticket a successful claim gives the browser for the identification form.
    Claim,
    /// The owner's `/my` session.
    Owner,
    /// An official's session on the regulator pages.
    Official,
    /// The language the visitor chose.
    Lang,
    /// The sealed confirmation of an identification, for `/claim/done`.
    Receipt,
}

impl CookieName {
    pub fn as_str(self, secure: bool) -> &'static str {
        match (self, secure) {
            (CookieName::Csrf, false) => "csrf",
            (CookieName::Csrf, true) => "__Host-csrf",
            (CookieName::Claim, false) => "claim",
            (CookieName::Claim, true) => "__Host-claim",
            (CookieName::Owner, false) => "my",
            (CookieName::Owner, true) => "__Host-my",
            (CookieName::Official, false) => "regulator",
            (CookieName::Official, true) => "__Host-regulator",
            (CookieName::Lang, false) => "lang",
            (CookieName::Lang, true) => "__Host-lang",
            (CookieName::Receipt, false) => "receipt",
            (CookieName::Receipt, true) => "__Host-receipt",
        }
    }
}

/// The pages' cookies for one deployment: `Secure` with `__Host-` names behind TLS.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    pub secure: bool,
}

impl Cookies {
    pub fn build(self, name: CookieName, value: String) -> Cookie<'static> {
        Cookie::build(name.as_str(self.secure), value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .finish()
    }

    /// The language cookie, kept for a year.
    pub fn lang(self, code: &'static str) -> Cookie<'static> {
        let mut cookie = self.build(CookieName::Lang, code.to_owned());
        cookie.set_max_age(CookieDuration::days(365));
        cookie
    }

    /// The cookie that ends the named one.
    pub fn removal(self, name: CookieName) -> Cookie<'static> {
        let mut gone = self.build(name, String::new());
        gone.make_removal();
        gone
    }

    pub fn read(self, req: &HttpRequest, name: CookieName) -> Option<String> {
        req.cookie(name.as_str(self.secure)).map(|c| c.value().to_owned())
    }

    /// The anti-forgery token for this visitor's forms, and the seed cookie
    /// to set if the visitor has none yet.
    pub fn csrf(self, req: &HttpRequest, keys: &KeyRing) -> CsrfToken {
        match self.read(req, CookieName::Csrf) {
            Some(seed) => CsrfToken { token: self.csrf_token(req, keys, &seed), new_cookie: None },
            None => {
                let seed = new_url_token();
                let token = self.csrf_token(req, keys, seed.expose_secret());
                CsrfToken { token, new_cookie: Some(self.build(CookieName::Csrf, seed.expose_secret().to_owned())) }
            }
        }
    }

    pub fn csrf_valid(self, req: &HttpRequest, keys: &KeyRing, submitted: &str) -> bool {
        self.read(req, CookieName::Csrf).is_some_and(|seed| {
            let expected = self.csrf_token(req, keys, &seed);
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), submitted.as_bytes()).into()
        })
    }

    /// Double-submit, bound to the session: the form carries an HMAC of the
    /// random seed cookie and of the visitor's session cookies, so another site
    /// can neither read nor forge it, and a token from before a sign-in or a
    /// sign-out no longer works after it.
    fn csrf_token(self, req: &HttpRequest, keys: &KeyRing, seed: &str) -> String {
        let owner = self.read(req, CookieName::Owner).unwrap_or_default();
        let official = self.read(req, CookieName::Official).unwrap_or_default();
        let bound = format!("{seed}\n{owner}\n{official}");
        data_encoding::HEXLOWER.encode(&keys.token_digester().digest(TokenPurpose::Csrf, &bound).0)
    }
}

/// The anti-forgery token for a form, and the cookie to set if the visitor has none yet.
pub struct CsrfToken {
    pub token: String,
    pub new_cookie: Option<Cookie<'static>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behind_tls_every_cookie_is_secure_and_named_for_this_host_only() {
        let cookie = Cookies { secure: true }.build(CookieName::Owner, "value".into());
        assert_eq!(cookie.name(), "__Host-my");
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.path(), Some("/"));
        assert_eq!(cookie.domain(), None, "__Host- cookies have no domain");
        let plain = Cookies { secure: false }.build(CookieName::Owner, "value".into());
        assert_eq!((plain.name(), plain.secure()), ("my", Some(false)));
    }
}
