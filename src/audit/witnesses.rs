//! The registry's side of C2SP tlog-witness: each new tree head is sent to
//! the configured witnesses with a consistency proof from the last head each
//! cosigned, their cosignatures are kept, and a head is published once a
//! quorum has cosigned it.

use super::note::{CosignatureVerifier, cosigned_by};
use super::tree::{self, DbHashes, TreeHead};
use crate::db::schema::tree_head_cosignatures;
use crate::db::{DbConnection, DbError};
use diesel::prelude::*;
use tlog_tiles::prove_tree;

/// One witness, as `REGISTRY_WITNESSES` names it: `URL KEY`.
#[derive(Debug, Clone)]
pub struct WitnessConfig {
    /// The submission prefix; `add-checkpoint` is below it.
    pub url: String,
    pub key: CosignatureVerifier,
}

/// The configured witnesses and how many must cosign a head before it is published.
#[derive(Debug, Clone, Default)]
pub struct WitnessPolicy {
    pub witnesses: Vec<WitnessConfig>,
    pub quorum: usize,
}

impl WitnessPolicy {
    /// `REGISTRY_WITNESSES`: comma-separated `URL KEY` pairs.
    pub fn parse_witnesses(witnesses: &str) -> Result<Vec<WitnessConfig>, String> {
        witnesses
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| {
                let (url, key) = w.split_once(' ').ok_or("each witness is `URL KEY`")?;
                let url = url::Url::parse(url).map_err(|e| format!("{url:?}: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!("{url}: a witness is reached over http or https"));
                }
                let key = CosignatureVerifier::parse(key)?;
                Ok(WitnessConfig { url: url.as_str().trim_end_matches('/').to_owned(), key })
            })
            .collect::<Result<Vec<_>, String>>()
            .and_then(|witnesses| {
                let mut names: Vec<&str> = witnesses.iter().map(|w| w.key.name()).collect();
                names.sort_unstable();
                match names.windows(2).find(|pair| pair[0] == pair[1]) {
                    Some(pair) => Err(format!("the witness {} is named twice", pair[0])),
                    None => Ok(witnesses),
                }
            })
    }

    /// `REGISTRY_WITNESS_QUORUM`: from 1 to the number of witnesses (0 when there are none).
    pub fn parse_quorum(quorum: &str, witnesses: usize) -> Result<usize, String> {
        quorum
            .parse()
            .ok()
            .filter(|q| *q <= witnesses && (*q > 0 || witnesses == 0))
            .ok_or_else(|| format!("must be a whole number from 1 to the {witnesses} witnesses configured"))
    }
}

/// The published checkpoint: the newest head a quorum of witnesses cosigned
/// (the newest head when no witness is configured), with the cosignatures.
#[derive(Debug, Clone)]
pub struct Published {
    pub head: TreeHead,
    /// The signed note with every kept cosignature line.
    pub note: String,
    /// The witnesses that cosigned it.
    pub cosigned_by: Vec<String>,
}

pub fn published(conn: &mut DbConnection, policy: &WitnessPolicy) -> Result<Option<Published>, DbError> {
    let Some(size) = published_size(conn, policy)? else { return Ok(None) };
    let Some(head) = tree::at(conn, size)? else { return Ok(None) };
    let lines: Vec<(String, String)> = tree_head_cosignatures::table
        .filter(tree_head_cosignatures::size.eq(size))
        .select((tree_head_cosignatures::witness, tree_head_cosignatures::line))
        .load(conn)?;
    let mut note = head.note.clone();
    let mut cosigned = Vec::new();
    for name in policy.witnesses.iter().map(|w| w.key.name()) {
        if let Some((_, line)) = lines.iter().find(|(witness, _)| witness == name) {
            note.push_str(line);
            cosigned.push(name.to_owned());
        }
    }
    Ok(Some(Published { head, note, cosigned_by: cosigned }))
}

/// The size of the published head (see [`published`]), without reading it.
pub fn published_size(conn: &mut DbConnection, policy: &WitnessPolicy) -> Result<Option<i64>, DbError> {
    if policy.witnesses.is_empty() {
        return Ok(tree::latest(conn)?.and_then(|head| i64::try_from(head.size).ok()));
    }
    let names: Vec<&str> = policy.witnesses.iter().map(|w| w.key.name()).collect();
    let quorum = i64::try_from(policy.quorum).unwrap_or(i64::MAX);
    Ok(tree_head_cosignatures::table
        .filter(tree_head_cosignatures::witness.eq_any(&names))
        .group_by(tree_head_cosignatures::size)
        .having(diesel::dsl::count_star().ge(quorum))
        .select(tree_head_cosignatures::size)
        .order(tree_head_cosignatures::size.desc())
        .first(conn)
        .optional()?)
}

/// What one witness did with the newest head.
#[derive(Debug)]
pub enum Answer {
    Cosigned,
    /// It had already cosigned it.
    Kept,
    /// It refused: it saw a log inconsistent with its past, or the request was wrong.
    Refused {
        status: u16,
        reason: String,
    },
    Unreachable(String),
}

/// Sends the newest head to every witness that has not cosigned it; returns each witness's answer.
pub fn submit(conn: &mut DbConnection, policy: &WitnessPolicy) -> Result<Vec<(String, Answer)>, DbError> {
    let Some(head) = tree::latest(conn)? else { return Ok(Vec::new()) };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        // A witness that does not answer holds the checkpoint job (and a connection) this long.
        .timeout_global(Some(std::time::Duration::from_secs(5)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut answers = Vec::new();
    for witness in &policy.witnesses {
        let name = witness.key.name().to_owned();
        let answer = ask(conn, &agent, witness, &head)?;
        answers.push((name, answer));
    }
    Ok(answers)
}

fn ask(
    conn: &mut DbConnection,
    agent: &ureq::Agent,
    witness: &WitnessConfig,
    head: &TreeHead,
) -> Result<Answer, DbError> {
    let name = witness.key.name();
    let size = i64::try_from(head.size).unwrap_or(i64::MAX);
    let cosigned: Option<i64> = tree_head_cosignatures::table
        .filter(tree_head_cosignatures::witness.eq(name))
        .select(diesel::dsl::max(tree_head_cosignatures::size))
        .first(conn)?;
    if cosigned == Some(size) {
        return Ok(Answer::Kept);
    }
    let mut old = cosigned.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
    // Told another size once (the witness lost or outran our record), try from that one.
    for _ in 0..2 {
        let proof = if old == 0 || old >= head.size {
            Vec::new()
        } else {
            let hashes = DbHashes::new(conn);
            let proof = prove_tree(head.size, old, &hashes).map_err(|e| e.to_string());
            match hashes.into_result::<_, DbError>(Ok(proof))?.0 {
                Ok(proof) => proof,
                Err(e) => return Ok(Answer::Refused { status: 0, reason: format!("no consistency proof: {e}") }),
            }
        };
        let lines: String = proof.iter().map(|h| format!("{h}\n")).collect();
        let body = format!("old {old}\n{lines}\n{}", head.note);
        let mut response = match agent.post(&format!("{}/add-checkpoint", witness.url)).send(body.as_bytes()) {
            Ok(response) => response,
            Err(e) => return Ok(Answer::Unreachable(said(&e.to_string()))),
        };
        let status = response.status().as_u16();
        let text = response.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
        match status {
            200 => return keep(conn, witness, head, &text),
            409 => match text.trim().parse() {
                Ok(theirs) if theirs != old => old = theirs,
                _ => return Ok(Answer::Refused { status, reason: said(&text) }),
            },
            _ => return Ok(Answer::Refused { status, reason: said(&text) }),
        }
    }
    Ok(Answer::Refused { status: 409, reason: "the witness's size kept changing".into() })
}

/// Keeps the one cosignature line of the witness that verifies for this head.
fn keep(conn: &mut DbConnection, witness: &WitnessConfig, head: &TreeHead, lines: &str) -> Result<Answer, DbError> {
    let name = witness.key.name();
    let verifies = |line: &&str| matches!(cosigned_by(&format!("{}{line}\n", head.note), std::slice::from_ref(&witness.key)).as_deref(), Ok([one]) if one == name);
    let Some(line) = lines.lines().filter(|line| line.starts_with(&format!("— {name} "))).find(verifies) else {
        return Ok(Answer::Refused { status: 200, reason: "no cosignature returned verifies".into() });
    };
    diesel::insert_into(tree_head_cosignatures::table)
        .values((
            tree_head_cosignatures::size.eq(i64::try_from(head.size).unwrap_or(i64::MAX)),
            tree_head_cosignatures::witness.eq(name),
            tree_head_cosignatures::line.eq(format!("{line}\n")),
        ))
        .execute(conn)?;
    Ok(Answer::Cosigned)
}

/// What a witness said, short enough to log and without its line breaks.
fn said(text: &str) -> String {
    text.trim().chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect()
}
