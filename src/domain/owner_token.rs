//! What a single-use proof mailed to an owner is for.

use super::string_enum;

string_enum! {
    /// What an owner token proves when it comes back.
    pub enum OwnerTokenPurpose: UnknownOwnerTokenPurpose {
        /// A link in the new-link notice: "this account is not mine".
        LinkReport = "link_report",
        /// A link to set a new management key after losing it.
        KeyReset = "key_reset",
        /// A code sent to a new contact address, proving it.
        EmailChange = "email_change",
    }
}
