//! Tree heads as C2SP signed notes: a tlog-checkpoint body (origin, size,
//! root) signed with the registry's Ed25519 audit key under the log's
//! origin as the key name. The note format and its parsing are the
//! `signed_note` and `tlog_tiles` crates'; this module only binds them to
//! the registry's key.

use data_encoding::BASE64;
use ed25519_dalek::{Signer as _, SigningKey};
use signed_note::{Note, NoteError, StandardVerifier, VerifierList};
use tlog_tiles::{Checkpoint, Hash};

/// Signature type of Ed25519 signed-note keys (C2SP signed-note).
const ED25519_NOTE_KEY: u8 = 0x01;

/// The log's name in its checkpoints' first line and in its key's name:
/// a schema-less URL such as `registry.gov.kz/audit` (no spaces, no `+`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOrigin(String);

impl LogOrigin {
    pub fn parse(origin: &str) -> Result<Self, String> {
        if signed_note::is_key_name_valid(origin) && origin.chars().all(|c| !c.is_control()) {
            Ok(Self(origin.to_owned()))
        } else {
            Err("must be a name without spaces or '+', such as registry.gov.kz/audit".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The registry's checkpoint signer.
pub struct LogKey {
    origin: LogOrigin,
    key: SigningKey,
    id: u32,
}

impl LogKey {
    pub fn new(origin: LogOrigin, key: SigningKey) -> Self {
        let id = signed_note::key_id(origin.as_str(), &encoded_public_key(&key));
        Self { origin, key, id }
    }

    pub fn origin(&self) -> &LogOrigin {
        &self.origin
    }

    /// The public key in signed-note form (`origin+keyid+base64`), what
    /// witnesses, mirrors and owners verify checkpoints with.
    pub fn verifier_key(&self) -> String {
        format!("{}+{:08x}+{}", self.origin.as_str(), self.id, BASE64.encode(&encoded_public_key(&self.key)))
    }

    /// The checkpoint of a tree of `size` leaves with this root, signed.
    #[expect(clippy::expect_used, reason = "the origin is a valid key name and the body is well-formed text")]
    pub fn sign(&self, size: u64, root: &Hash) -> String {
        let body = Checkpoint::new(self.origin.as_str(), size, *root, "").expect("LogOrigin is a valid origin");
        let mut note = Note::new(&body.to_bytes(), &[]).expect("a checkpoint body is a valid note text");
        note.add_sigs(&[self]).expect("LogOrigin is a valid key name");
        String::from_utf8(note.to_bytes()).expect("notes are UTF-8")
    }
}

impl signed_note::Signer for LogKey {
    fn name(&self) -> &str {
        self.origin.as_str()
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(self.key.sign(msg).to_bytes().to_vec())
    }
}

fn encoded_public_key(key: &SigningKey) -> Vec<u8> {
    let mut encoded = vec![ED25519_NOTE_KEY];
    encoded.extend_from_slice(key.verifying_key().as_bytes());
    encoded
}

/// Why a checkpoint is not accepted.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("the log's key is not a signed-note Ed25519 key: {0}")]
    BadKey(String),
    #[error("the checkpoint is not a signed note: {0}")]
    Malformed(NoteError),
    #[error("the checkpoint is not signed by the log's key: {0}")]
    Unsigned(NoteError),
    #[error("the note is not a checkpoint")]
    NotACheckpoint,
    #[error("the checkpoint is for the log {found}, not {expected}")]
    OtherLog { expected: String, found: String },
}

/// A checkpoint whose signature by the log's key has been checked.
#[derive(Debug)]
pub struct VerifiedCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The whole note as given, other signatures included.
    pub note: String,
}

/// Checks that `note` is a checkpoint of the log whose key is `verifier_key`
/// (signed-note form), signed by it. Signatures by other keys are ignored.
pub fn verify(note: &str, verifier_key: &str) -> Result<VerifiedCheckpoint, CheckpointError> {
    let verifier = StandardVerifier::new(verifier_key).map_err(|e| CheckpointError::BadKey(e.to_string()))?;
    let origin = signed_note::Verifier::name(&verifier).to_owned();
    let parsed = Note::from_bytes(note.as_bytes()).map_err(CheckpointError::Malformed)?;
    parsed.verify(&VerifierList::new(vec![Box::new(verifier)])).map_err(CheckpointError::Unsigned)?;
    let checkpoint = Checkpoint::from_bytes(parsed.text()).map_err(|_| CheckpointError::NotACheckpoint)?;
    if checkpoint.origin() != origin {
        return Err(CheckpointError::OtherLog { expected: origin, found: checkpoint.origin().to_owned() });
    }
    Ok(VerifiedCheckpoint { size: checkpoint.size(), root: *checkpoint.hash(), note: note.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_key() -> LogKey {
        LogKey::new(LogOrigin::parse("registry.test/audit").unwrap(), SigningKey::from_bytes(&[7; 32]))
    }

    #[test]
    fn a_signed_checkpoint_verifies_with_the_published_key_and_names_its_tree() {
        let key = log_key();
        let root = tlog_tiles::record_hash(b"root");
        let note = key.sign(42, &root);
        assert!(note.starts_with(&format!("registry.test/audit\n42\n{root}\n\n— registry.test/audit ")), "{note}");
        let checked = verify(&note, &key.verifier_key()).unwrap();
        assert_eq!((checked.size, checked.root), (42, root));
    }

    #[test]
    fn a_changed_checkpoint_or_another_key_is_refused() {
        let key = log_key();
        let note = key.sign(42, &tlog_tiles::record_hash(b"root"));
        let changed = note.replacen("\n42\n", "\n41\n", 1);
        assert!(matches!(verify(&changed, &key.verifier_key()), Err(CheckpointError::Unsigned(_))));
        let other = LogKey::new(LogOrigin::parse("registry.test/audit").unwrap(), SigningKey::from_bytes(&[8; 32]));
        assert!(matches!(verify(&note, &other.verifier_key()), Err(CheckpointError::Unsigned(_))));
    }

    #[test]
    fn origins_that_cannot_name_a_key_are_refused() {
        for bad in ["", "two words", "a+b", "tab\there"] {
            assert!(LogOrigin::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// The example of the Go `note` package and C2SP signed-note: a note
    /// signed elsewhere verifies here, so the format is the standard one.
    #[test]
    fn the_published_signed_note_example_verifies() {
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let verifier = StandardVerifier::new(vkey).unwrap();
        let parsed = Note::from_bytes(note.as_bytes()).unwrap();
        parsed.verify(&VerifierList::new(vec![Box::new(verifier)])).unwrap();
        // The same key, derived here from its private half, gives the same public key line.
        let private = BASE64.decode(b"AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz").unwrap();
        let key = SigningKey::from_bytes(&private[1..].try_into().unwrap());
        let ours = LogKey::new(LogOrigin::parse("PeterNeumann").unwrap(), key);
        assert_eq!(ours.verifier_key(), vkey);
    }
}
