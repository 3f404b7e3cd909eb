//! `registry statement verify FILE --keys KEYS`: checks a status or head
//! statement offline, with a saved copy of the key set, and says what it says.

use super::CliError;
use crate::crypto::jws::JwkSet;
use crate::domain::statement::rfc3339;
use crate::services::statements::{self, Statement};
use chrono::{DateTime, SecondsFormat, Utc};
use std::path::Path;

/// `registry statement verify`
pub fn verify(file: &Path, keys: &Path) -> Result<(), CliError> {
    let set: JwkSet = serde_json::from_str(&std::fs::read_to_string(keys)?)
        .map_err(|e| CliError::Invalid(format!("{} is not a JWK set: {e}", keys.display())))?;
    let text = std::fs::read_to_string(file)?;
    let (compact, saved) = statement_in(&text)?;
    let (statement, kid) = statements::verify(&compact, &set)
        .map_err(|e| CliError::Invalid(format!("the statement does not verify: {e}")))?;
    if let Some(saved) = &saved {
        check_saved_fields(saved, &statement)?;
    }
    println!("The statement verifies: signed by the registry's status key {}.", kid.escape_debug());
    // Escaped: the values came from a file, and are printed to a terminal.
    match statement {
        Statement::Status(s) => {
            println!(
                "Account {} of platform {} was {}{} from {}, as change {} of the platform's feed.",
                s.account_ref.escape_debug(),
                s.platform.escape_debug(),
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
            h.platform.escape_debug(),
            h.seq
        ),
    }
    Ok(())
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The compact statement in a file: the statement alone, or a saved answer
/// object (a status, a change, a head) with its `statement` field.
fn statement_in(text: &str) -> Result<(String, Option<serde_json::Map<String, serde_json::Value>>), CliError> {
    let trimmed = text.trim();
    if !trimmed.starts_with('{') {
        return Ok((trimmed.to_owned(), None));
    }
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(trimmed)
        .map_err(|e| CliError::Invalid(format!("the file is neither a statement nor a JSON object: {e}")))?;
    let compact = object
        .get("statement")
        .and_then(|s| s.as_str())
        .ok_or_else(|| CliError::Invalid("the JSON object has no \"statement\" string".into()))?
        .to_owned();
    Ok((compact, Some(object)))
}

/// A saved answer's fields must say what its signed statement says: the
/// signature covers the statement, not the fields beside it.
fn check_saved_fields(
    saved: &serde_json::Map<String, serde_json::Value>,
    statement: &Statement,
) -> Result<(), CliError> {
    let signed = match statement {
        Statement::Status(s) => {
            let mut fields = serde_json::to_value(s).map_err(|e| CliError::Invalid(e.to_string()))?;
            // A change-feed entry names the time `changed_at`.
            fields["changed_at"] = fields["status_changed_at"].clone();
            fields
        }
        Statement::Head(h) => serde_json::to_value(h).map_err(|e| CliError::Invalid(e.to_string()))?,
    };
    for (name, value) in saved {
        let Some(expected) = signed.get(name) else { continue };
        let same = match (value, expected) {
            // Times compare as times: the answer and the statement may write them differently.
            (serde_json::Value::String(a), serde_json::Value::String(b))
                if name.ends_with("_at") || name == "deadline" =>
            {
                parse_time(a).is_some() && parse_time(a) == parse_time(b)
            }
            _ => value == expected,
        };
        if !same {
            return Err(CliError::Invalid(format!(
                "the file's \"{}\" is {} but the signed statement says {}: the file was changed after it was \
                 received",
                printable(name),
                printable(&value.to_string()),
                expected
            )));
        }
    }
    Ok(())
}

/// Text from a file as a terminal may print it: what is not printable
/// (control and direction characters) escaped, quotes left as they are.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\'' | '\\' => c.to_string(),
            c => c.escape_debug().to_string(),
        })
        .collect()
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    rfc3339::deserialize(serde_json::Value::String(text.to_owned())).ok()
}
