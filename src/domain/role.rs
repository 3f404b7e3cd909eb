//! Officials: their login name and their roles.

use super::string_enum;

string_enum! {
    /// What a regulator official may do.
    pub enum Role: UnknownRole {
        /// Files access requests and opens approved disclosures.
        Requester = "requester",
        /// Approves or denies other officials' requests.
        Approver = "approver",
        /// Reads and verifies the audit log.
        Auditor = "auditor",
        /// Confirms declared identities.
        Registrar = "registrar",
    }
}

impl Role {
    /// What an official without this role is told.
    pub const fn refusal(self) -> &'static str {
        match self {
            Role::Requester => "filing and opening access requests needs the requester role",
            Role::Approver => "deciding access requests needs the approver role",
            Role::Auditor => "reading the audit log needs the auditor role",
            Role::Registrar => "registrar review needs the registrar role",
        }
    }
}

/// Why a role list was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleSetError {
    #[error("at least one role is required")]
    Empty,
    #[error("unknown role; expected requester, approver, auditor or registrar")]
    Unknown,
    #[error("the auditor role cannot be combined with another: whoever checks the log must not act in it")]
    AuditorWithOthers,
}

/// A non-empty set of roles, stored as a sorted comma-separated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSet(Vec<Role>);

impl RoleSet {
    /// Parses `"requester,approver"`; order and repeats do not matter.
    pub fn parse(input: &str) -> Result<Self, RoleSetError> {
        let mut roles = input
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<Role>().map_err(|_| RoleSetError::Unknown))
            .collect::<Result<Vec<_>, _>>()?;
        if roles.is_empty() {
            return Err(RoleSetError::Empty);
        }
        roles.sort();
        roles.dedup();
        Ok(Self(roles))
    }

    /// Parses roles to give an official, refusing combinations that defeat
    /// the controls: an auditor must not also act in what they audit. (Sets
    /// stored before this rule still load through [`RoleSet::parse`].)
    pub fn assignable(input: &str) -> Result<Self, RoleSetError> {
        let roles = Self::parse(input)?;
        if roles.contains(Role::Auditor) && roles.0.len() > 1 {
            return Err(RoleSetError::AuditorWithOthers);
        }
        Ok(roles)
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// The canonical stored form.
    pub fn to_canonical(&self) -> String {
        self.0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }
}

impl std::str::FromStr for RoleSet {
    type Err = RoleSetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Why a username was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 3 to 32 of a-z, 0-9, '.', '_' and '-', starting with a letter")]
pub struct UsernameError;

/// An official's login name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let valid = (3..=32).contains(&input.len())
            && input.starts_with(|c: char| c.is_ascii_lowercase())
            && input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if valid { Ok(Self(input.to_owned())) } else { Err(UsernameError) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_auditor_gets_no_other_role() {
        assert_eq!(RoleSet::assignable("auditor,registrar"), Err(RoleSetError::AuditorWithOthers));
        assert_eq!(RoleSet::assignable("requester, auditor"), Err(RoleSetError::AuditorWithOthers));
        assert!(RoleSet::assignable("auditor").is_ok());
        assert!(RoleSet::assignable("requester,approver,registrar").is_ok());
        assert!(RoleSet::parse("auditor,registrar").is_ok(), "a stored set from before the rule still loads");
    }

    #[test]
    fn role_sets_are_canonical() {
        let roles = RoleSet::parse(" approver,requester,approver ").unwrap();
        assert_eq!(roles.to_canonical(), "requester,approver");
        assert!(roles.contains(Role::Approver) && !roles.contains(Role::Auditor));
        assert_eq!(RoleSet::parse(""), Err(RoleSetError::Empty));
        assert_eq!(RoleSet::parse("requester,admin"), Err(RoleSetError::Unknown));
    }

    #[test]
    fn usernames_are_lower_case_words() {
        assert!(Username::parse("a.seitkali_2").is_ok());
        for bad in ["ab", "Admin", "2fast", "a b", "ärna", &"a".repeat(33)] {
            assert_eq!(Username::parse(bad), Err(UsernameError), "{bad}");
        }
    }
}
