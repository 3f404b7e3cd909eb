//! Tree heads as C2SP signed notes: a tlog-checkpoint body (origin, size,
//! root) signed with the registry's Ed25519 audit key under the log's
//! origin as the key name. The note format and its parsing are the
//! `signed_note` and `tlog_tiles` crates'; this module only binds them to
//! the registry's key.

use data_encoding::BASE64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::{Note, NoteError, StandardVerifier, VerifierList};
use tlog_tiles::{Checkpoint, Hash};

/// Signature type of Ed25519 signed-note keys (C2SP signed-note).
const ED25519_NOTE_KEY: u8 = 0x01;
/// Signature type of Ed25519 cosigner keys (C2SP tlog-cosignature).
const ED25519_COSIGNATURE_KEY: u8 = 0x04;

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
    encoded_key(ED25519_NOTE_KEY, &key.verifying_key())
}

fn encoded_key(kind: u8, key: &VerifyingKey) -> Vec<u8> {
    let mut encoded = vec![kind];
    encoded.extend_from_slice(key.as_bytes());
    encoded
}

/// What a cosigner signs (C2SP tlog-cosignature, Ed25519): the checkpoint
/// body after a header line and the time.
fn cosigned_message(time: u64, body: &[u8]) -> Vec<u8> {
    [format!("cosignature/v1\ntime {time}\n").as_bytes(), body].concat()
}

/// A witness's key: cosigns checkpoints per C2SP tlog-cosignature (Ed25519, `cosignature/v1`).
pub struct WitnessKey {
    name: String,
    key: SigningKey,
    id: u32,
    /// Seconds since the epoch, set per cosignature.
    time: u64,
}

impl WitnessKey {
    pub fn new(name: &str, key: SigningKey) -> Result<Self, String> {
        LogOrigin::parse(name)?;
        let id = signed_note::key_id(name, &encoded_key(ED25519_COSIGNATURE_KEY, &key.verifying_key()));
        Ok(Self { name: name.to_owned(), key, id, time: 0 })
    }

    /// `name+keyid+base64(0x04 ‖ public key)`, what logs and proof checkers are given.
    pub fn verifier_key(&self) -> String {
        let encoded = encoded_key(ED25519_COSIGNATURE_KEY, &self.key.verifying_key());
        format!("{}+{:08x}+{}", self.name, self.id, BASE64.encode(&encoded))
    }

    /// The cosignature line for a checkpoint body, made at `time`.
    #[expect(clippy::expect_used, reason = "the name is a valid key name and the body was parsed as a note")]
    pub fn cosign(&mut self, body: &[u8], time: u64) -> String {
        self.time = time;
        let mut note = Note::new(body, &[]).expect("a checkpoint body is a valid note text");
        note.add_sigs(&[&*self]).expect("WitnessKey names are valid key names");
        let signed = String::from_utf8(note.to_bytes()).expect("notes are UTF-8");
        signed[body.len() + 1..].to_owned()
    }
}

impl signed_note::Signer for WitnessKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let signature = self.key.sign(&cosigned_message(self.time, msg));
        Ok([self.time.to_be_bytes().as_slice(), &signature.to_bytes()].concat())
    }
}

/// Checks a witness's cosignatures, given its verifier key.
#[derive(Debug, Clone)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    pub fn parse(vkey: &str) -> Result<Self, String> {
        let bad = || format!("{vkey:?} is not a witness key (name+id+base64 of 0x04 and an Ed25519 key)");
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
        let encoded = BASE64.decode(key.as_bytes()).map_err(|_| bad())?;
        let [ED25519_COSIGNATURE_KEY, public @ ..] = encoded.as_slice() else { return Err(bad()) };
        let key = <[u8; 32]>::try_from(public).ok().and_then(|k| VerifyingKey::from_bytes(&k).ok()).ok_or_else(bad)?;
        let expected = signed_note::key_id(name, &encoded);
        if id.len() != 8 || u32::from_str_radix(id, 16).ok() != Some(expected) || LogOrigin::parse(name).is_err() {
            return Err(bad());
        }
        Ok(Self { name: name.to_owned(), id: expected, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl signed_note::Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Some((time, signature)) = sig.split_first_chunk::<8>() else { return false };
        let Ok(signature) = <[u8; 64]>::try_from(signature) else { return false };
        let message = cosigned_message(u64::from_be_bytes(*time), msg);
        self.key.verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&signature)).is_ok()
    }
}

/// The witnesses among `witnesses` whose valid cosignatures a checkpoint
/// note carries (its log signature is checked by [`verify`]). A line under
/// a known witness's key that does not verify refuses the whole note.
pub fn cosigned_by(note: &str, witnesses: &[CosignatureVerifier]) -> Result<Vec<String>, CheckpointError> {
    if witnesses.is_empty() {
        return Ok(Vec::new());
    }
    let parsed = Note::from_bytes(note.as_bytes()).map_err(CheckpointError::Malformed)?;
    let known =
        VerifierList::new(witnesses.iter().map(|w| Box::new(w.clone()) as Box<dyn signed_note::Verifier>).collect());
    match parsed.verify(&known) {
        Ok((verified, _)) => Ok(verified.iter().map(|s| s.name().to_owned()).collect()),
        Err(NoteError::UnverifiedNote) => Ok(Vec::new()),
        Err(e) => Err(CheckpointError::BadCosignature(e)),
    }
}

/// A size or index in the C2SP text formats (tlog-witness, tlog-proof):
/// ASCII digits, no sign, no leading zeroes.
pub fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

/// A proof in the C2SP text formats (tlog-witness requests, tlog-proofs):
/// base64 hash lines, an empty line, then the signed checkpoint, which is
/// returned as the rest of `text`.
pub fn split_proof(text: &str) -> Result<(Vec<Hash>, &str), &'static str> {
    let (lines, checkpoint) = match text.strip_prefix('\n') {
        Some(checkpoint) => ("", checkpoint),
        None => text.split_once("\n\n").ok_or("no empty line before the checkpoint")?,
    };
    let proof = lines
        .split('\n')
        .filter(|line| !line.is_empty())
        .map(|line| Hash::parse_hash(line).map_err(|_| "a proof line is not a base64 hash"))
        .collect::<Result<_, _>>()?;
    Ok((proof, checkpoint))
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
    #[error("a witness cosignature on the checkpoint does not verify: {0}")]
    BadCosignature(NoteError),
}

/// A checkpoint whose signature by the log's key has been checked.
#[derive(Debug)]
pub struct VerifiedCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The whole note as given, other signatures included.
    pub note: String,
    /// The checkpoint with only the log's verified signature.
    pub log_signed: String,
}

/// Checks that `note` is a checkpoint of the log whose key is `verifier_key`
/// (signed-note form), signed by it. Signatures by other keys are ignored.
pub fn verify(note: &str, verifier_key: &str) -> Result<VerifiedCheckpoint, CheckpointError> {
    let verifier = StandardVerifier::new(verifier_key).map_err(|e| CheckpointError::BadKey(e.to_string()))?;
    let origin = signed_note::Verifier::name(&verifier).to_owned();
    let parsed = Note::from_bytes(note.as_bytes()).map_err(CheckpointError::Malformed)?;
    let (verified, _) =
        parsed.verify(&VerifierList::new(vec![Box::new(verifier)])).map_err(CheckpointError::Unsigned)?;
    let checkpoint = Checkpoint::from_bytes(parsed.text()).map_err(|_| CheckpointError::NotACheckpoint)?;
    if checkpoint.origin() != origin {
        return Err(CheckpointError::OtherLog { expected: origin, found: checkpoint.origin().to_owned() });
    }
    let mut log_signed = parsed.text().to_vec();
    log_signed.push(b'\n');
    verified.iter().for_each(|signature| log_signed.extend(signature.to_bytes()));
    Ok(VerifiedCheckpoint {
        size: checkpoint.size(),
        root: *checkpoint.hash(),
        note: note.to_owned(),
        log_signed: String::from_utf8_lossy(&log_signed).into_owned(),
    })
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
    fn decimals_are_plain_digits_without_leading_zeroes() {
        assert_eq!((parse_decimal("0"), parse_decimal("305")), (Some(0), Some(305)));
        for bad in ["", "00", "0305", "+5", "-1", " 5", "5 ", "1e3", "18446744073709551616"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn origins_that_cannot_name_a_key_are_refused() {
        for bad in ["", "two words", "a+b", "tab\there"] {
            assert!(LogOrigin::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_witness_cosignature_verifies_with_its_key_and_not_after_a_change() {
        let log = log_key();
        let note = log.sign(42, &tlog_tiles::record_hash(b"root"));
        let body = note.split("\n\n").next().unwrap().to_owned() + "\n";
        let mut witness = WitnessKey::new("witness.test/w1", SigningKey::from_bytes(&[3; 32])).unwrap();
        let line = witness.cosign(body.as_bytes(), 1_700_000_000);
        assert!(line.starts_with("— witness.test/w1 ") && line.ends_with('\n'), "{line}");
        let verifier = CosignatureVerifier::parse(&witness.verifier_key()).unwrap();
        let cosigned = format!("{note}{line}");
        assert_eq!(cosigned_by(&cosigned, std::slice::from_ref(&verifier)).unwrap(), ["witness.test/w1"]);
        verify(&cosigned, &log.verifier_key()).unwrap();
        // Without the line, or with another checkpoint under it: no cosignature, or a refused note.
        assert!(cosigned_by(&note, std::slice::from_ref(&verifier)).unwrap().is_empty());
        let moved = format!("{}{line}", log.sign(43, &tlog_tiles::record_hash(b"root")));
        assert!(cosigned_by(&moved, &[verifier]).is_err());
        // A log key is not a witness key.
        assert!(CosignatureVerifier::parse(&log.verifier_key()).is_err());
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
