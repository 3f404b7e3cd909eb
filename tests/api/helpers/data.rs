//! Distinctive test data, stored through the same seams the app uses.

use super::app::TestApp;
use chrono::Utc;
use registry::audit::{Actor, AuditAction, AuditEvent, AuditSubject};
use registry::crypto::KeyRing;
use registry::db::{self, Pool};
use secrecy::SecretString;

/// Distinctive personal data: tests grep storage and logs for each value.
pub const TEST_IIN: &str = "900115353054";
pub const TEST_SURNAME: &str = "Zhaksylykova";
pub const TEST_GIVEN_NAME: &str = "Aigerim";
pub const TEST_PATRONYMIC: &str = "Serikkyzy";
pub const TEST_EMAIL: &str = "aigerim.registry-test@example.kz";
pub const TEST_PERSONAL_DATA: [&str; 5] = [TEST_IIN, TEST_SURNAME, TEST_GIVEN_NAME, TEST_PATRONYMIC, TEST_EMAIL];

pub fn resident_declaration() -> registry::domain::Declaration {
    use registry::domain::{ContactEmail, Declaration, Iin, PersonName};
    Declaration::Resident {
        iin: Iin::parse(TEST_IIN).unwrap(),
        surname: PersonName::parse(TEST_SURNAME).unwrap(),
        given_name: PersonName::parse(TEST_GIVEN_NAME).unwrap(),
        patronymic: Some(PersonName::parse(TEST_PATRONYMIC).unwrap()),
        email: ContactEmail::parse(TEST_EMAIL).unwrap(),
    }
}

/// Stores the test resident through the same seam the forms use.
pub fn store_resident(pool: &Pool, keys: &KeyRing, reference: &str) -> registry::domain::IdentityId {
    let declaration = resident_declaration();
    let index = keys.blind_indexer().index(&declaration.identifier()).unwrap();
    let management_key = keys.token_digester().digest(registry::crypto::TokenPurpose::ManagementKey, reference);
    let mut conn = pool.get().unwrap();
    db::write_tx(&mut conn, |conn| {
        registry::db::repo::identities::create(conn, keys, &declaration, &index, reference, &management_key, Utc::now())
    })
    .unwrap()
}

/// Asserts that none of the test's personal data appears in `haystack`.
pub fn assert_no_personal_data(haystack: &[u8], what: &str) {
    for value in TEST_PERSONAL_DATA {
        let found = haystack.windows(value.len()).any(|w| w == value.as_bytes());
        assert!(!found, "{what} contains a plaintext value of the test identity");
    }
}

/// Writes an access request the way the regulator flow will, for tests of what owners and the public see.
pub struct FiledRequest<'a> {
    pub basis: &'a str,
    pub issuer: &'a str,
    pub state: &'a str,
    pub created_at: chrono::NaiveDateTime,
    /// How long the decision took (for a request that is not pending).
    pub decided_after: chrono::TimeDelta,
    pub notify_owner_after: Option<chrono::NaiveDateTime>,
    /// The asking body's code, as owners are told of it.
    pub authority: Option<&'a str>,
}

pub fn file_request(app: &TestApp, request: &FiledRequest<'_>) -> i64 {
    use diesel::prelude::*;
    use registry::db::schema::{access_requests, officials};
    let mut conn = app.pool.get().unwrap();
    let official = |conn: &mut registry::db::DbConnection, name: &str| -> registry::domain::OfficialId {
        if let Some(id) =
            officials::table.filter(officials::username.eq(name)).select(officials::id).first(conn).optional().unwrap()
        {
            return id;
        }
        let roles = registry::domain::RoleSet::parse("requester,approver").unwrap();
        let secret = SecretString::from("JBSWY3DPEHPK3PXP");
        let new = registry::db::repo::officials::NewOfficial {
            username: name,
            password_hash: "x",
            totp_secret: &secret,
            roles: &roles,
        };
        registry::db::repo::officials::create(conn, &app.keys, &new, Utc::now()).unwrap()
    };
    let (requester, approver) = (official(&mut conn, "requester"), official(&mut conn, "approver"));
    diesel::insert_into(access_requests::table)
        .values((
            access_requests::requester_id.eq(requester),
            access_requests::target_platform_id.eq(None::<i64>),
            access_requests::target_identifier_type.eq(Some("iin")),
            access_requests::target_blind_index.eq(Some(vec![1u8; 32])),
            access_requests::legal_basis.eq(request.basis),
            access_requests::basis_document_number.eq("12-345"),
            access_requests::basis_document_date.eq(request.created_at.date()),
            access_requests::basis_document_issuer.eq(request.issuer),
            access_requests::authority.eq(request.authority),
            access_requests::justification.eq("A justification of at least fifty characters for this test."),
            access_requests::fields.eq("surname"),
            access_requests::state.eq(request.state),
            access_requests::created_at.eq(request.created_at),
            access_requests::decided_by.eq((request.state != "pending").then_some(approver)),
            access_requests::decided_at
                .eq((request.state != "pending").then_some(request.created_at + request.decided_after)),
            access_requests::notify_owner_after.eq(request.notify_owner_after),
            access_requests::openings.eq(0),
        ))
        .returning(access_requests::id)
        .get_result(&mut conn)
        .unwrap()
}

/// An operator's audit event carrying `note`, for tests of the log itself.
pub fn audit_event(note: &str) -> AuditEvent {
    let subject = AuditSubject::Platform(registry::domain::PlatformId::new(1));
    AuditEvent::new(Actor::Operator, AuditAction::PlatformCreated, subject, serde_json::json!({ "note": note }))
}

/// The day a UTC time falls on in Almaty, as the English pages write it
/// ("1 December 2026"): pages show Kazakhstan's day, not UTC's.
pub fn almaty_day(utc: chrono::DateTime<Utc>) -> String {
    utc.with_timezone(&chrono_tz::Asia::Almaty).format("%-d %B %Y").to_string()
}
