//! A witness per C2SP tlog-witness, for a third party to run with its own
//! key (`registry witness serve`): it keeps the last checkpoint it cosigned
//! for each log it follows, and cosigns a new one only with a consistency
//! proof from that one. A log that rewrote or cut its history cannot get
//! its cosignature again.

use crate::audit::note::{self, WitnessKey};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tlog_tiles::{Checkpoint, EMPTY_HASH, Hash, check_tree};

/// At most this many proof lines (tlog-witness).
const MAX_PROOF_LINES: usize = 63;

/// Why a checkpoint is not cosigned, with the status tlog-witness gives it.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// 400.
    #[error("{0}")]
    BadRequest(String),
    /// 403: not signed by the log's key.
    #[error("{0}")]
    Forbidden(String),
    /// 404: a log this witness does not follow.
    #[error("this witness does not follow the log {0}")]
    UnknownLog(String),
    /// 409: the old size is not the size last cosigned, which is given.
    #[error("the last checkpoint cosigned for this log has size {0}")]
    Conflict(u64),
    /// 422: not consistent with what was cosigned before.
    #[error("{0}")]
    Inconsistent(String),
    /// 500: the state could not be kept.
    #[error("the witness's state could not be written: {0}")]
    State(std::io::Error),
}

pub struct Witness {
    key: Mutex<WitnessKey>,
    /// Origin → the log's verifier key.
    logs: HashMap<String, String>,
    state_dir: PathBuf,
}

impl Witness {
    /// `logs` are the verifier keys (signed-note form) of the logs to follow.
    pub fn new(key: WitnessKey, logs: &[String], state_dir: &Path) -> Result<Self, String> {
        let mut followed = HashMap::new();
        for vkey in logs {
            let origin = vkey.split('+').next().unwrap_or_default().to_owned();
            signed_note::StandardVerifier::new(vkey).map_err(|e| format!("{vkey:?} is not a log key: {e}"))?;
            followed.insert(origin, vkey.clone());
        }
        Ok(Self { key: Mutex::new(key), logs: followed, state_dir: state_dir.to_owned() })
    }

    pub fn verifier_key(&self) -> String {
        self.key.lock().unwrap_or_else(|e| e.into_inner()).verifier_key()
    }

    /// `POST /add-checkpoint`: the cosignature line for the checkpoint in
    /// `body`, or why not. Checking against the last cosigned checkpoint and
    /// recording the new one happen under one lock, as the protocol asks.
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<String, Refusal> {
        let request = Request::parse(body)?;
        let origin = Checkpoint::from_bytes(request.body.as_bytes())
            .map_err(|_| Refusal::BadRequest("the checkpoint is malformed".into()))?
            .origin()
            .to_owned();
        let vkey = self.logs.get(&origin).ok_or_else(|| Refusal::UnknownLog(origin.clone()))?;
        let checkpoint = note::verify(&request.note, vkey).map_err(|e| Refusal::Forbidden(e.to_string()))?;
        if request.old > checkpoint.size {
            return Err(Refusal::BadRequest(format!(
                "the old size {} is larger than the checkpoint's {}",
                request.old, checkpoint.size
            )));
        }
        let mut key = self.key.lock().unwrap_or_else(|e| e.into_inner());
        let last = self.last(&origin, vkey)?;
        let (last_size, last_root) = last.unwrap_or((0, EMPTY_HASH));
        if request.old != last_size {
            return Err(Refusal::Conflict(last_size));
        }
        if checkpoint.size == 0 && checkpoint.root != EMPTY_HASH {
            return Err(Refusal::Inconsistent("a tree of size 0 must have the empty tree's root".into()));
        }
        let consistent = match (request.old, request.proof.is_empty()) {
            (0, true) => true,
            (0, false) => false,
            (old, _) if old == checkpoint.size => request.proof.is_empty() && checkpoint.root == last_root,
            (old, _) => check_tree(&request.proof, checkpoint.size, checkpoint.root, old, last_root).is_ok(),
        };
        if !consistent {
            return Err(Refusal::Inconsistent(format!(
                "the checkpoint of size {} is not consistent with the one of size {last_size} cosigned before",
                checkpoint.size
            )));
        }
        let line = key.cosign(request.body.as_bytes(), now);
        // Kept (and served to monitors) with the log's verified signature and ours only.
        self.record(&origin, &format!("{}{line}", checkpoint.log_signed)).map_err(Refusal::State)?;
        Ok(line)
    }

    /// `GET /<origin hash>/checkpoint`: the last cosigned checkpoint of a log.
    pub fn latest(&self, origin_hash: &str) -> Option<String> {
        let origin = self.logs.keys().find(|origin| state_name(origin) == origin_hash)?;
        std::fs::read_to_string(self.state_dir.join(state_name(origin))).ok()
    }

    fn last(&self, origin: &str, vkey: &str) -> Result<Option<(u64, Hash)>, Refusal> {
        let path = self.state_dir.join(state_name(origin));
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let kept = note::verify(&text, vkey)
                    .map_err(|e| Refusal::State(std::io::Error::other(format!("{}: {e}", path.display()))))?;
                Ok(Some((kept.size, kept.root)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Refusal::State(e)),
        }
    }

    /// Written and synced before the cosignature is returned.
    fn record(&self, origin: &str, cosigned: &str) -> std::io::Result<()> {
        use std::io::Write as _;
        std::fs::create_dir_all(&self.state_dir)?;
        let path = self.state_dir.join(state_name(origin));
        let partial = path.with_extension("partial");
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(cosigned.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&partial, &path)?;
        // The rename itself must survive a crash: otherwise the witness could wake up
        // at a checkpoint older than one it already cosigned.
        std::fs::File::open(&self.state_dir)?.sync_all()
    }
}

/// A log's state file and monitoring path: the SHA-256 of its origin, hex.
fn state_name(origin: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(origin.as_bytes()))
}

/// An `add-checkpoint` request body.
struct Request {
    old: u64,
    proof: Vec<Hash>,
    /// The signed checkpoint, signatures included.
    note: String,
    /// The checkpoint without its signatures.
    body: String,
}

impl Request {
    fn parse(body: &[u8]) -> Result<Self, Refusal> {
        let bad = |what: &str| Refusal::BadRequest(format!("the request body is malformed: {what}"));
        let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
        let (old_line, rest) = text.split_once('\n').ok_or_else(|| bad("no old size line"))?;
        let old = old_line.strip_prefix("old ").ok_or_else(|| bad("the first line is not `old <size>`"))?;
        let old =
            note::parse_decimal(old).ok_or_else(|| bad("the old size is not a decimal without leading zeroes"))?;
        let (proof, note) = note::split_proof(rest).map_err(bad)?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad("more than 63 proof lines"));
        }
        let body = note
            .split_once("\n\n")
            .map(|(body, _)| format!("{body}\n"))
            .ok_or_else(|| bad("an unsigned checkpoint"))?;
        Ok(Self { old, proof, note: note.to_owned(), body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::note::{CosignatureVerifier, LogKey, LogOrigin, cosigned_by};
    use crate::audit::tree::{NoHashes, TreeBuilder};
    use ed25519_dalek::SigningKey;
    use tlog_tiles::prove_tree;

    struct Log {
        key: LogKey,
        tree: TreeBuilder<NoHashes>,
    }

    impl Log {
        fn new() -> Self {
            let key = LogKey::new(LogOrigin::parse("registry.test/audit").unwrap(), SigningKey::from_bytes(&[1; 32]));
            Self { key, tree: TreeBuilder::new(NoHashes, 0) }
        }

        fn grow(&mut self, leaves: u64) -> String {
            for _ in 0..leaves {
                let n = self.tree.size();
                self.tree.append(&n.to_be_bytes()).unwrap();
            }
            self.key.sign(self.tree.size(), &self.tree.root().unwrap())
        }

        fn request(&self, old: u64, note: &str) -> Vec<u8> {
            let proof = if old == 0 || old >= self.tree.size() {
                Vec::new()
            } else {
                prove_tree(self.tree.size(), old, &self.tree).unwrap()
            };
            let lines: String = proof.iter().map(|h| format!("{h}\n")).collect();
            format!("old {old}\n{lines}\n{note}").into_bytes()
        }
    }

    fn witness(dir: &Path) -> Witness {
        let key = WitnessKey::new("witness.test/w", SigningKey::from_bytes(&[2; 32])).unwrap();
        Witness::new(key, &[Log::new().key.verifier_key()], dir).unwrap()
    }

    #[test]
    fn a_witness_cosigns_each_consistent_checkpoint_and_refuses_a_rewritten_one() {
        let dir = tempfile::tempdir().unwrap();
        let witness = witness(dir.path());
        let verifier = CosignatureVerifier::parse(&witness.verifier_key()).unwrap();
        let mut log = Log::new();
        let first = log.grow(5);
        let line = witness.add_checkpoint(&log.request(0, &first), 1).unwrap();
        assert_eq!(
            cosigned_by(&format!("{first}{line}"), std::slice::from_ref(&verifier)).unwrap(),
            ["witness.test/w"]
        );
        // The log does not know what was cosigned: told the size, it proves from there.
        let second = log.grow(300);
        assert!(matches!(witness.add_checkpoint(&log.request(0, &second), 2), Err(Refusal::Conflict(5))));
        witness.add_checkpoint(&log.request(5, &second), 2).unwrap();
        // The same checkpoint again is fine; another root at the same size is not.
        witness.add_checkpoint(&log.request(305, &second), 3).unwrap();
        let forged = log.key.sign(305, &tlog_tiles::record_hash(b"other"));
        assert!(matches!(witness.add_checkpoint(&log.request(305, &forged), 4), Err(Refusal::Inconsistent(_))));
        // A rewritten history that grew: its proof from 305 does not hold.
        let mut other = Log::new();
        other.tree.append(b"changed").unwrap();
        let grown = other.grow(400);
        assert!(matches!(witness.add_checkpoint(&other.request(305, &grown), 5), Err(Refusal::Inconsistent(_))));
        // A shorter log: the old size is past the checkpoint.
        let mut short = Log::new();
        let cut = short.grow(100);
        assert!(matches!(witness.add_checkpoint(&short.request(305, &cut), 6), Err(Refusal::BadRequest(_))));
        // Lines the log sends besides its signature are not kept nor served:
        // a forged one under the witness's name would make its copy fail to verify.
        let forged = format!(
            "{second}— witness.test/w AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        );
        witness.add_checkpoint(&log.request(305, &forged), 8).unwrap();
        // What it cosigned last survives a restart and is served to monitors.
        let again = self::witness(dir.path());
        assert!(matches!(again.add_checkpoint(&log.request(0, &second), 7), Err(Refusal::Conflict(305))));
        let served = again.latest(&state_name("registry.test/audit")).unwrap();
        assert_eq!(cosigned_by(&served, &[verifier]).unwrap(), ["witness.test/w"]);
        assert_eq!(served.matches("\n— ").count(), 2, "the log's signature and the witness's own: {served}");
    }

    #[test]
    fn unknown_logs_unsigned_and_malformed_requests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let witness = witness(dir.path());
        let mut log = Log::new();
        let note = log.grow(3);
        let stranger = LogKey::new(LogOrigin::parse("other.test/log").unwrap(), SigningKey::from_bytes(&[5; 32]));
        let foreign = stranger.sign(3, &log.tree.root().unwrap());
        assert!(matches!(witness.add_checkpoint(&log.request(0, &foreign), 1), Err(Refusal::UnknownLog(_))));
        let impostor = LogKey::new(LogOrigin::parse("registry.test/audit").unwrap(), SigningKey::from_bytes(&[6; 32]));
        let unsigned = impostor.sign(3, &log.tree.root().unwrap());
        assert!(matches!(witness.add_checkpoint(&log.request(0, &unsigned), 1), Err(Refusal::Forbidden(_))));
        for body in [
            b"".as_slice(),
            b"old 0\n",
            b"old 00\n\nx",
            b"old -1\n\nx",
            b"old +1\n\nx",
            b"new 0\n\nx",
            b"old 0\nnot a hash\n\nx\n",
            &[0xff, 0xfe],
        ] {
            assert!(matches!(witness.add_checkpoint(body, 1), Err(Refusal::BadRequest(_))), "{body:?}");
        }
        let too_long = format!("old 1\n{}\n{note}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(64));
        assert!(matches!(witness.add_checkpoint(too_long.as_bytes(), 1), Err(Refusal::BadRequest(_))));
        let nonempty_from_zero = format!("old 0\n{}\n\n{note}", log.tree.root().unwrap());
        assert!(matches!(witness.add_checkpoint(nonempty_from_zero.as_bytes(), 1), Err(Refusal::Inconsistent(_))));
    }
}
