use super::string_enum;

string_enum! {
    /// One item of identification data (DESIGN §4). Each is encrypted
    /// separately, so a disclosure decrypts only the approved ones.
    pub enum Field: UnknownField {
        Iin = "iin",
        Bin = "bin",
        DocumentType = "document_type",
        DocumentNumber = "document_number",
        Country = "country",
        Surname = "surname",
        GivenName = "given_name",
        Patronymic = "patronymic",
        LegalName = "legal_name",
        BirthDate = "birth_date",
        Email = "email",
    }
}
