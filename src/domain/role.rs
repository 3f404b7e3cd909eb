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

/// Why a role list was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleSetError {
    #[error("at least one role is required")]
    Empty,
    #[error("unknown role; expected requester, approver, auditor or registrar")]
    Unknown,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_sets_are_canonical() {
        let roles = RoleSet::parse(" approver,requester,approver ").unwrap();
        assert_eq!(roles.to_canonical(), "requester,approver");
        assert!(roles.contains(Role::Approver) && !roles.contains(Role::Auditor));
        assert_eq!(RoleSet::parse(""), Err(RoleSetError::Empty));
        assert_eq!(RoleSet::parse("requester,admin"), Err(RoleSetError::Unknown));
    }
}
