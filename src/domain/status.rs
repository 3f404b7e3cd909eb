//! An account's status and its assurance, as platforms read them (DESIGN §3).

use super::string_enum;

string_enum! {
    /// An account's registration status, as platforms see it (DESIGN §3).
    pub enum AccountStatus: UnknownAccountStatus {
        /// Over the threshold, not yet identified, deadline not passed.
        Required = "required",
        /// Identification accepted and on file.
        Verified = "verified",
        /// Deadline passed without accepted identification.
        Overdue = "overdue",
        /// Below the threshold (after hysteresis) or never crossed it.
        NotRequired = "not_required",
    }
}

string_enum! {
    /// How strongly a `verified` account's identity has been checked.
    pub enum Assurance: UnknownAssurance {
        /// The owner's format-valid declaration.
        Declared = "declared",
        /// A registry operator confirmed it.
        RegistrarChecked = "registrar_checked",
        /// Signed with the national digital signature.
        Signed = "signed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_rejected() {
        for s in AccountStatus::ALL {
            assert_eq!(s.as_str().parse::<AccountStatus>(), Ok(*s));
        }
        for a in Assurance::ALL {
            assert_eq!(a.as_str().parse::<Assurance>(), Ok(*a));
        }
        assert!("Verified".parse::<AccountStatus>().is_err());
        assert_eq!(serde_json::to_string(&AccountStatus::NotRequired).unwrap(), "\"not_required\"");
        assert!(serde_json::from_str::<Assurance>("\"self_declared\"").is_err());
    }
}
