//! What a signed statement says. A platform keeps one to show a third party
//! what the registry said and when; its bytes are the signed payload, so
//! they are written one way only: compact JSON, keys in lexicographic
//! order, every key present (RFC 8785 form for these values: ASCII
//! strings, integers and RFC 3339 times with six fractional digits).

use super::{AccountStatus, Assurance};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One account's status as of its latest recorded change: what a status
/// read, a batch read and the change feed show of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusStatement {
    pub account_ref: String,
    pub assurance: Option<Assurance>,
    #[serde(with = "rfc3339::option")]
    pub deadline: Option<DateTime<Utc>>,
    pub platform: String,
    pub seq: i64,
    pub status: AccountStatus,
    #[serde(with = "rfc3339")]
    pub status_changed_at: DateTime<Utc>,
}

/// A platform's newest change at a moment: with it, a status statement of
/// an account with no later change in the feed was current at `issued_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadStatement {
    #[serde(with = "rfc3339")]
    pub issued_at: DateTime<Utc>,
    pub platform: String,
    pub seq: i64,
}

/// The signed bytes of a statement.
pub trait Payload: Serialize {
    #[expect(clippy::expect_used, reason = "strings, integers and enums always serialize")]
    fn payload(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a statement always serializes")
    }
}

impl Payload for StatusStatement {}
impl Payload for HeadStatement {}

/// Times on the wire and in statements: RFC 3339, UTC, always six
/// fractional digits (`2026-11-23T09:33:30.049778Z`).
pub mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(d)
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
            Option::<DateTime<Utc>>::deserialize(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_statement_is_written_in_one_canonical_form() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T10:00:00.5Z").unwrap().to_utc();
        let statement = StatusStatement {
            account_ref: "acc-1".into(),
            assurance: None,
            deadline: Some(at),
            platform: "demo".into(),
            seq: 42,
            status: AccountStatus::Required,
            status_changed_at: at,
        };
        let payload = String::from_utf8(statement.payload()).unwrap();
        assert_eq!(
            payload,
            r#"{"account_ref":"acc-1","assurance":null,"deadline":"2026-11-30T10:00:00.500000Z","platform":"demo","seq":42,"status":"required","status_changed_at":"2026-11-30T10:00:00.500000Z"}"#
        );
        let value: serde_json::Value = serde_json::from_str(&payload).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert!(keys.is_sorted(), "keys in lexicographic order: {keys:?}");
        assert_eq!(serde_json::from_str::<StatusStatement>(&payload).unwrap(), statement);
        assert!(serde_json::from_str::<StatusStatement>(&payload.replace("\"seq\"", "\"extra\":1,\"seq\"")).is_err());
    }
}
