//! Mail as it waits in the outbox, opened with the app's keys: what the
//! flows of other tests read their codes from. Delivery itself is tested
//! against a real SMTP server (`smtp.rs`).

use super::app::TestApp;
use registry::db::repo::outbox;

/// A queued message: its kind, recipient and values.
#[derive(Debug, Clone)]
pub struct Queued {
    pub kind: String,
    pub to: String,
    pub values: serde_json::Value,
    /// Days, written out in the owner's language only when the letter is sent.
    pub dates: serde_json::Value,
}

impl Queued {
    pub fn value(&self, name: &str) -> String {
        self.values[name].as_str().unwrap_or_else(|| panic!("no {name} in {:?}", self.kind)).to_owned()
    }

    /// The UTC day of a date the letter names.
    pub fn day(&self, name: &str) -> chrono::NaiveDate {
        serde_json::from_value::<chrono::DateTime<chrono::Utc>>(self.dates[name].clone())
            .unwrap_or_else(|_| panic!("no date {name} in {:?}", self.kind))
            .date_naive()
    }
}

/// Every unsent message in the database, oldest first, opened with the key file's keys.
pub fn queued_mail_in(pool: &registry::db::Pool, key_file: &std::path::Path) -> Vec<Queued> {
    let keys = registry::crypto::KeyRing::load(key_file).unwrap();
    let mut conn = pool.get().unwrap();
    let far = chrono::Utc::now() + chrono::TimeDelta::days(3650);
    outbox::due(&mut conn, far, 10_000)
        .unwrap()
        .into_iter()
        .map(|message| {
            let letter: serde_json::Value = serde_json::from_slice(&message.open(&keys).unwrap()).unwrap();
            Queued {
                kind: message.kind.to_string(),
                to: letter["to"].as_str().unwrap().to_owned(),
                values: letter["values"].clone(),
                dates: letter["dates"].clone(),
            }
        })
        .collect()
}

impl TestApp {
    /// Every unsent message, oldest first, opened with the keys the app has
    /// now (it reloads the key file after a rotation).
    pub fn queued_mail(&self) -> Vec<Queued> {
        queued_mail_in(&self.pool, &self.key_file())
    }

    /// The newest queued message of `kind`.
    pub fn last_mail(&self, kind: &str) -> Queued {
        let queued = self.queued_mail();
        queued.iter().rev().find(|m| m.kind == kind).cloned().unwrap_or_else(|| panic!("no {kind} in {queued:?}"))
    }

    /// The newest code mailed to confirm an identification, wherever it went.
    pub fn last_code(&self) -> String {
        let queued = self.queued_mail();
        let code = queued.iter().rev().find(|m| m.kind == "contact-code" || m.kind == "link-request");
        code.unwrap_or_else(|| panic!("no code in {queued:?}")).value("code")
    }
}
