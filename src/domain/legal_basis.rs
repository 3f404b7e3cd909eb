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

string_enum! {
    /// The body that asks for a disclosure, as its owner is told of it. The
    /// basis document's issuer (free text) stays a detail for officials.
    pub enum Authority: UnknownAuthority {
        Court = "court",
        Prosecutor = "prosecutor",
        InternalAffairs = "internal_affairs",
        NationalSecurity = "national_security",
        AntiCorruption = "anti_corruption",
        FinancialMonitoring = "financial_monitoring",
        CultureAndInformation = "culture_and_information",
    }
}
