//! Kazakhstan's 12-digit national identifiers: IIN (individuals) and BIN
//! (legal entities). Both end in a check digit computed the same way.

use super::redacted_debug;
use zeroize::{Zeroize, ZeroizeOnDrop};

const FIRST_WEIGHTS: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const SECOND_WEIGHTS: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// Why a string is not an IIN or BIN. Never carries the rejected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NationalIdError {
    #[error("must be exactly 12 digits")]
    WrongLength,
    #[error("must contain digits only")]
    NotDigits,
    #[error("check digit does not match")]
    BadCheckDigit,
    /// Both weight passes give 10: no number with these first 11 digits is ever issued.
    #[error("no valid number starts with these digits")]
    NeverValid,
    /// A BIN's fifth digit names the kind of legal entity (4, 5 or 6); an IIN has a day of month there.
    #[error("is not a business identification number")]
    NotALegalEntity,
}

/// The check digit for the first 11 digits, or `None` when the number can never be valid.
fn check_digit(body: &[u8]) -> Option<u8> {
    let weighted = |weights: &[u32; 11]| body.iter().zip(weights).map(|(&d, &w)| u32::from(d) * w).sum::<u32>() % 11;
    match weighted(&FIRST_WEIGHTS) {
        10 => match weighted(&SECOND_WEIGHTS) {
            10 => None,
            digit => u8::try_from(digit).ok(),
        },
        digit => u8::try_from(digit).ok(),
    }
}

/// Parses 12 digits (spaces allowed between groups) and checks the check digit.
fn parse_digits(input: &str) -> Result<[u8; 12], NationalIdError> {
    let mut digits = [0u8; 12];
    let mut len = 0;
    for c in input.chars().filter(|c| !c.is_whitespace()) {
        let digit = c.to_digit(10).ok_or(NationalIdError::NotDigits)?;
        if len == 12 {
            return Err(NationalIdError::WrongLength);
        }
        digits[len] = u8::try_from(digit).map_err(|_| NationalIdError::NotDigits)?;
        len += 1;
    }
    if len != 12 {
        return Err(NationalIdError::WrongLength);
    }
    match check_digit(&digits[..11]) {
        None => Err(NationalIdError::NeverValid),
        Some(expected) if expected == digits[11] => Ok(digits),
        Some(_) => Err(NationalIdError::BadCheckDigit),
    }
}

fn to_string(digits: &[u8; 12]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// An individual identification number with a valid check digit.
///
/// Since 2013 the leading digits need not match the holder's birth date, so
/// nothing but the check digit is enforced.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Iin([u8; 12]);

/// A business identification number with a valid check digit.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Bin([u8; 12]);

redacted_debug!(Iin, Bin);

impl Iin {
    pub fn parse(input: &str) -> Result<Self, NationalIdError> {
        parse_digits(input).map(Self)
    }

    /// The 12 digits, for encryption and the blind index only.
    pub fn expose(&self) -> String {
        to_string(&self.0)
    }
}

impl Bin {
    pub fn parse(input: &str) -> Result<Self, NationalIdError> {
        let digits = parse_digits(input)?;
        if !(4..=6).contains(&digits[4]) {
            return Err(NationalIdError::NotALegalEntity);
        }
        Ok(Self(digits))
    }

    /// The 12 digits, for encryption and the blind index only.
    pub fn expose(&self) -> String {
        to_string(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Computed independently of this code (see the check-digit rule above).
    const IIN_FIRST_PASS: &str = "900115353054";
    const IIN_SECOND_PASS: &str = "850612414080";
    const BIN_FIRST_PASS: &str = "050445669500";
    const BIN_SECOND_PASS: &str = "100545989515";

    #[test]
    fn accepts_numbers_whose_check_digit_comes_from_the_first_pass() {
        assert_eq!(Iin::parse(IIN_FIRST_PASS).unwrap().expose(), IIN_FIRST_PASS);
        assert_eq!(Bin::parse(BIN_FIRST_PASS).unwrap().expose(), BIN_FIRST_PASS);
    }

    #[test]
    fn accepts_numbers_whose_check_digit_comes_from_the_second_pass() {
        assert_eq!(Iin::parse(IIN_SECOND_PASS).unwrap().expose(), IIN_SECOND_PASS);
        assert_eq!(Bin::parse(BIN_SECOND_PASS).unwrap().expose(), BIN_SECOND_PASS);
    }

    #[test]
    fn rejects_every_other_check_digit() {
        for valid in [IIN_FIRST_PASS, IIN_SECOND_PASS] {
            let body = &valid[..11];
            for d in (0..=9).map(|d| d.to_string()).filter(|d| !valid.ends_with(d.as_str())) {
                assert_eq!(Iin::parse(&format!("{body}{d}")), Err(NationalIdError::BadCheckDigit));
            }
        }
    }

    #[test]
    fn a_number_whose_second_pass_also_gives_ten_is_never_valid() {
        for d in 0..=9 {
            assert_eq!(Iin::parse(&format!("77030852363{d}")), Err(NationalIdError::NeverValid));
        }
    }

    #[test]
    fn a_birth_date_that_does_not_exist_does_not_reject_an_iin() {
        // Month 13, day 45: impossible as a date, valid as a post-2013 IIN.
        assert!(Iin::parse("991345530781").is_ok());
    }

    #[test]
    fn rejects_wrong_length_and_non_digits() {
        assert_eq!(Iin::parse(""), Err(NationalIdError::WrongLength));
        assert_eq!(Iin::parse("90011535305"), Err(NationalIdError::WrongLength));
        assert_eq!(Iin::parse("9001153530540"), Err(NationalIdError::WrongLength));
        assert_eq!(Iin::parse("90011535305a"), Err(NationalIdError::NotDigits));
        assert_eq!(Iin::parse("９００１１５３５３０５４"), Err(NationalIdError::NotDigits));
        assert_eq!(Bin::parse("05044-5669500"), Err(NationalIdError::NotDigits));
    }

    #[test]
    fn spaces_between_digit_groups_are_ignored() {
        assert_eq!(Iin::parse(" 900115 353054 ").unwrap().expose(), IIN_FIRST_PASS);
    }

    #[test]
    fn an_iin_is_not_a_bin() {
        assert_eq!(Bin::parse(IIN_FIRST_PASS), Err(NationalIdError::NotALegalEntity));
    }

    #[test]
    fn debug_output_hides_the_number() {
        let printed = format!("{:?}", Iin::parse(IIN_FIRST_PASS).unwrap());
        assert_eq!(printed, "Iin(<redacted>)");
    }
}
