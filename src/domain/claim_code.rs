//! Claim codes: what a platform shows an owner so they can claim the account.
//!
//! 12 characters of Crockford's base32 (no I, L, O, U), shown in groups of
//! four (`7KQ2-M9XD-4TVA`): 60 random bits, typeable on a phone. Input is
//! forgiving: case, spaces and hyphens are ignored, and I/L read as 1, O as 0.

use super::redacted_debug;

pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 12;

/// Normalizes typed Crockford base32 (case, spaces and hyphens ignored; I/L
/// read as 1, O as 0) to upper case without separators, or `None`.
pub fn normalize(input: &str) -> Option<String> {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => Some('1'),
            'O' => Some('0'),
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => Some(c),
            _ => None,
        })
        .collect()
}

/// One alphabet character per byte, taken modulo 32: uniform for random
/// bytes, since 256 is a multiple of 32.
pub(crate) fn crockford(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(ALPHABET[usize::from(b % 32)])).collect()
}

/// Groups of four separated by hyphens, for reading aloud and typing.
pub(crate) fn grouped(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// The input is not a claim code. Deliberately one answer for every mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 12 letters and digits, as shown by the platform")]
pub struct ClaimCodeError;

/// A claim code in canonical form (upper case, no separators).
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimCode(String);

redacted_debug!(ClaimCode);

impl ClaimCode {
    pub fn parse(input: &str) -> Result<Self, ClaimCodeError> {
        normalize(input).filter(|c| c.len() == LEN).map(Self).ok_or(ClaimCodeError)
    }

    /// Canonical form from 12 random bytes.
    pub(crate) fn from_random(bytes: [u8; LEN]) -> Self {
        Self(crockford(&bytes))
    }

    /// The canonical form, which is what gets digested.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form shown to people: three groups of four.
    pub fn display_form(&self) -> String {
        grouped(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_normalized_forgivingly() {
        let code = ClaimCode::parse("7kq2-m9xd 4tva").unwrap();
        assert_eq!(code.expose(), "7KQ2M9XD4TVA");
        assert_eq!(code.display_form(), "7KQ2-M9XD-4TVA");
        assert_eq!(ClaimCode::parse("IL0O-0000-0000").unwrap().expose(), "110000000000");
    }

    #[test]
    fn anything_else_is_rejected() {
        for bad in ["", "7KQ2-M9XD-4TV", "7KQ2-M9XD-4TVAX", "7KQ2-M9XD-4TVU", "7KQ2/M9XD/4TVA", "ÄKQ2M9XD4TVA"] {
            assert_eq!(ClaimCode::parse(bad), Err(ClaimCodeError), "{bad}");
        }
    }
}
