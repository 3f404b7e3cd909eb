//! The grounds on which an official may ask for a disclosure.

use super::string_enum;

string_enum! {
    /// The legal grounds on which an official may request disclosure (DESIGN §7).
    pub enum LegalBasis: UnknownLegalBasis {
        CourtDecision = "court_decision",
        CriminalInvestigation = "criminal_investigation",
        ProsecutorRequest = "prosecutor_request",
        AdministrativeCase = "administrative_case",
    }
}
