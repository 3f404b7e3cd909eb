//! What platforms tell the registry about an account. None of it is personal
//! data: `account_ref` is the platform's own opaque id.

use super::is_forbidden_text_char;

/// Why an account field was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountFieldError {
    #[error("must be 1 to {max} characters")]
    WrongLength { max: usize },
    #[error("contains characters that are not allowed")]
    BadCharacter,
    #[error("must not be negative")]
    Negative,
}

/// The platform's stable id for an account: 1–128 characters of
/// `A-Z a-z 0-9 - _ . : @`, so it is safe in a URL path segment and a log line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountRef(String);

impl AccountRef {
    pub const MAX_LEN: usize = 128;

    /// The canonical form of `input`, if it is valid.
    fn check(input: &str) -> Result<&str, AccountFieldError> {
        if input.is_empty() || input.len() > Self::MAX_LEN {
            return Err(AccountFieldError::WrongLength { max: Self::MAX_LEN });
        }
        if !input.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:@".contains(&b)) {
            return Err(AccountFieldError::BadCharacter);
        }
        Ok(input)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The account's public handle, for display only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle(String);

impl Handle {
    pub const MAX_CHARS: usize = 100;

    /// The canonical form of `input` (trimmed), if it is valid.
    fn check(input: &str) -> Result<&str, AccountFieldError> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.chars().count() > Self::MAX_CHARS {
            return Err(AccountFieldError::WrongLength { max: Self::MAX_CHARS });
        }
        if trimmed.chars().any(is_forbidden_text_char) {
            return Err(AccountFieldError::BadCharacter);
        }
        Ok(trimmed)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A handle this process parsed before and kept as text (the status
    /// mirror): not checked again.
    pub(crate) fn kept(text: &str) -> Self {
        debug_assert!(Self::check(text).is_ok());
        Self(text.to_owned())
    }
}

/// A follower count as reported by a platform; never negative. Held as the
/// signed number both databases store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FollowerCount(pub(crate) i64);

impl FollowerCount {
    /// Counts beyond `i64::MAX` are held as `i64::MAX`: no platform has that many followers.
    pub fn new(count: u64) -> Self {
        Self(i64::try_from(count).unwrap_or(i64::MAX))
    }

    pub fn parse(count: i64) -> Result<Self, AccountFieldError> {
        if count < 0 { Err(AccountFieldError::Negative) } else { Ok(Self(count)) }
    }

    pub fn get(self) -> u64 {
        self.0.unsigned_abs()
    }
}

/// A platform's short name in URLs and forms: 2–32 of `a-z 0-9 -`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlatformSlug(String);

impl PlatformSlug {
    /// The canonical form of `input`, if it is valid.
    fn check(input: &str) -> Result<&str, AccountFieldError> {
        if !(2..=32).contains(&input.len()) {
            return Err(AccountFieldError::WrongLength { max: 32 });
        }
        let valid = input.starts_with(|c: char| c.is_ascii_lowercase())
            && input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(AccountFieldError::BadCharacter);
        }
        Ok(input)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A platform's display name: 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformName(String);

impl PlatformName {
    pub fn parse(input: &str) -> Result<Self, AccountFieldError> {
        Handle::parse(input).map(|h| Self(h.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where on a platform its users find their claim code ("Settings → Account
/// → Registry code"), in the platform's words; shown on the claim page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLocation(String);

impl CodeLocation {
    /// Text as a handle's: trimmed, 1–100 characters, no control characters.
    pub fn parse(input: &str) -> Result<Self, AccountFieldError> {
        Handle::check(input).map(|canonical| Self(canonical.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `parse` and `TryFrom<String>` through each type's `check` (the latter
/// keeps the string it is given when it is already canonical, as values read
/// back from storage are), `FromStr`, `Display` and the way back to a plain
/// `String`.
macro_rules! checked_text {
    ($($ty:ident),+) => {$(
        impl $ty {
            pub fn parse(input: &str) -> Result<Self, AccountFieldError> {
                Self::check(input).map(|canonical| Self(canonical.to_owned()))
            }
        }

        impl TryFrom<String> for $ty {
            type Error = AccountFieldError;
            fn try_from(input: String) -> Result<Self, Self::Error> {
                let canonical = Self::check(&input)?;
                Ok(if canonical.len() == input.len() { Self(input) } else { Self(canonical.to_owned()) })
            }
        }

        impl std::str::FromStr for $ty {
            type Err = AccountFieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }
    )+};
}
checked_text!(AccountRef, Handle, PlatformSlug);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_refs_are_bounded_in_length_and_charset() {
        assert!(AccountRef::parse("user:12345@shard-7.eu_west").is_ok());
        assert!(AccountRef::parse(&"a".repeat(128)).is_ok());
        assert_eq!(AccountRef::parse(""), Err(AccountFieldError::WrongLength { max: 128 }));
        assert_eq!(AccountRef::parse(&"a".repeat(129)), Err(AccountFieldError::WrongLength { max: 128 }));
        for bad in ["a b", "a/b", "a?b", "ä", "a%2F"] {
            assert_eq!(AccountRef::parse(bad), Err(AccountFieldError::BadCharacter), "{bad}");
        }
    }

    #[test]
    fn handles_are_trimmed_and_free_of_control_characters() {
        assert_eq!(Handle::parse("  @Qazaq_News ").unwrap().as_str(), "@Qazaq_News");
        assert_eq!(Handle::parse("a\nb"), Err(AccountFieldError::BadCharacter));
        assert!(Handle::parse(" ").is_err());
    }

    #[test]
    fn stored_text_is_checked_like_typed_text_and_kept_when_canonical() {
        assert_eq!(Handle::try_from("  @Qazaq_News ".to_owned()).unwrap().as_str(), "@Qazaq_News");
        assert_eq!(AccountRef::try_from("acc-1".to_owned()).unwrap().as_str(), "acc-1");
        assert_eq!(AccountRef::try_from("a b".to_owned()), Err(AccountFieldError::BadCharacter));
        assert!(PlatformSlug::try_from("Qaz".to_owned()).is_err());
    }

    #[test]
    fn follower_counts_are_never_negative() {
        assert_eq!(FollowerCount::parse(5001).unwrap().get(), 5001);
        assert_eq!(FollowerCount::parse(-1), Err(AccountFieldError::Negative));
    }

    #[test]
    fn platform_slugs_are_lower_case_words() {
        assert!(PlatformSlug::parse("qaz-video2").is_ok());
        for bad in ["Q", "Qaz", "2qaz", "qaz_video", "q"] {
            assert!(PlatformSlug::parse(bad).is_err(), "{bad}");
        }
    }
}
