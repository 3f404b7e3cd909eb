//! `registry statement verify FILE --keys KEYS [--platform SLUG]`: checks a
//! saved status or head answer's signature offline, with a saved copy of
//! the key set, and says what the registry said.

use super::CliError;
use crate::crypto::jws::JwkSet;
use crate::services::statements::{self, Statement};
use chrono::{DateTime, SecondsFormat, Utc};
use std::path::Path;

/// `registry statement verify`
pub fn verify(file: &Path, keys: &Path, platform: Option<&str>) -> Result<(), CliError> {
    let set: JwkSet = serde_json::from_str(&std::fs::read_to_string(keys)?)
        .map_err(|e| CliError::Invalid(format!("{} is not a JWK set: {e}", keys.display())))?;
    let answer: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(file)?)
        .map_err(|e| CliError::Invalid(format!("{} is not a JSON object: {e}", file.display())))?;
    if platform.is_none() && !answer.contains_key("platform") {
        return Err(CliError::Invalid(
            "the answer does not name its platform: give it with --platform (the slug of the platform that read it)"
                .into(),
        ));
    }
    let (statement, kid) = statements::verify(&answer, platform, &set)
        .map_err(|e| CliError::Invalid(format!("the signature does not verify: {e}")))?;
    println!("The signature verifies: the registry's status key {} signed this statement.", printable(&kid));
    match statement {
        Statement::Status(s) => {
            println!(
                "Account {} of platform {} was {}{} from {}, as change {} of the platform's feed.",
                printable(&s.account_ref),
                printable(&s.platform),
                s.status,
                s.assurance.map(|a| format!(" ({a})")).unwrap_or_default(),
                time(s.status_changed_at),
                s.seq
            );
            if let Some(deadline) = s.deadline {
                println!("Its owner had until {} to identify.", time(deadline));
            }
            println!(
                "It stayed so until the platform's feed shows a later change of the account; a head statement \
                 (GET /api/v1/statements/head) shows how far the feed had reached at a moment."
            );
        }
        Statement::Head(h) => println!(
            "At {} the newest change in platform {}'s feed was {}.",
            time(h.issued_at),
            printable(&h.platform),
            h.seq
        ),
    }
    Ok(())
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Text from a file as a terminal may print it: what is not printable
/// (control and direction characters) escaped.
fn printable(text: &str) -> String {
    text.chars().map(|c| c.escape_debug().to_string()).collect()
}
