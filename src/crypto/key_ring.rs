//! The key file: every secret the registry holds, none of it in the database.
//!
//! ```json
//! { "format": 1,
//!   "active_master_key": 2,
//!   "master_keys": [ { "id": 1, "created_at": "…", "key": "<base64, 32 bytes>" }, … ],
//!   "index_pepper": "<base64, 32 bytes>", "index_salt": "<base64, 16 bytes>",
//!   "index_params": { "m_cost": 19456, "t_cost": 2, "p_cost": 1 },
//!   "token_key": "<base64, 32 bytes>" }
//! ```
//!
//! Master keys are versioned so they can rotate; the blind-index pepper,
//! salt and parameters never change for a deployment (changing them would
//! orphan every stored index), and neither does the token key.

use super::blind_index::{BlindIndexer, IndexParams};
use super::envelope::{self, DataKey, KEY_LEN, MasterSealed};
use super::jws::StatusKey;
use super::token::TokenDigester;
use super::{CryptoError, random_bytes};
use chrono::{DateTime, Utc};
use data_encoding::BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::{Arc, RwLock};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const FORMAT: u32 = 1;

/// The version number of a master key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyId(pub u32);

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why the key file could not be read or written. Never carries key bytes.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read key file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("cannot write key file {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("key file {0} already exists; refusing to overwrite it")]
    Exists(String),
    #[error("key file {path} is invalid: {reason}")]
    Invalid { path: String, reason: String },
    #[error("key file {path} has mode {mode:o}: others than its owner can read it; restrict it with chmod 600")]
    Exposed { path: String, mode: u32 },
}

/// Fixed-size secret bytes: base64 in the file, zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct SecretBytes<const N: usize>([u8; N]);

impl<const N: usize> SecretBytes<N> {
    fn random() -> Self {
        Self(random_bytes())
    }
}

impl<const N: usize> Serialize for SecretBytes<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&Zeroizing::new(BASE64.encode(&self.0)))
    }
}

impl<'de, const N: usize> Deserialize<'de> for SecretBytes<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Zeroizing::new(String::deserialize(d)?);
        let bytes = Zeroizing::new(
            BASE64.decode(text.as_bytes()).map_err(|_| serde::de::Error::custom("a secret is not valid base64"))?,
        );
        let array = <[u8; N]>::try_from(bytes.as_slice())
            .map_err(|_| serde::de::Error::custom(format!("a secret must be {N} bytes")))?;
        Ok(Self(array))
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MasterKeyEntry {
    id: KeyId,
    created_at: DateTime<Utc>,
    key: SecretBytes<KEY_LEN>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: u32,
    active_master_key: KeyId,
    master_keys: Vec<MasterKeyEntry>,
    index_pepper: SecretBytes<32>,
    index_salt: SecretBytes<16>,
    index_params: IndexParams,
    token_key: SecretBytes<32>,
}

/// The master key versions and the one new writes use.
#[derive(Clone)]
struct MasterKeys {
    active: KeyId,
    keys: BTreeMap<KeyId, MasterKeyEntry>,
}

impl MasterKeys {
    fn get(&self, id: KeyId) -> Result<&[u8; KEY_LEN], CryptoError> {
        self.keys.get(&id).map(|e| &e.key.0).ok_or(CryptoError::UnknownKey(id))
    }
}

/// The loaded key file; share it in an `Arc`. The master keys can be
/// swapped while serving ([`KeyRing::reload`]); the blind-index and token
/// secrets are fixed for the life of a deployment.
pub struct KeyRing {
    master: RwLock<Arc<MasterKeys>>,
    index_pepper: SecretBytes<32>,
    index_salt: SecretBytes<16>,
    index_params: IndexParams,
    token_key: SecretBytes<32>,
}

impl Clone for KeyRing {
    fn clone(&self) -> Self {
        Self {
            master: RwLock::new(self.master()),
            index_pepper: self.index_pepper.clone(),
            index_salt: self.index_salt.clone(),
            index_params: self.index_params,
            token_key: self.token_key.clone(),
        }
    }
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let master = self.master();
        f.debug_struct("KeyRing")
            .field("active", &master.active)
            .field("master_keys", &master.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Why a master key version cannot be retired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetireError {
    #[error("master key {0} is not in the key file")]
    Unknown(KeyId),
    #[error("master key {0} is the active key; rotate first")]
    Active(KeyId),
}

impl KeyRing {
    /// Fresh random secrets with master key 1 active.
    pub fn generate(now: DateTime<Utc>) -> Self {
        let first = MasterKeyEntry { id: KeyId(1), created_at: now, key: SecretBytes::random() };
        Self {
            master: RwLock::new(Arc::new(MasterKeys { active: first.id, keys: BTreeMap::from([(first.id, first)]) })),
            index_pepper: SecretBytes::random(),
            index_salt: SecretBytes::random(),
            index_params: IndexParams::default(),
            token_key: SecretBytes::random(),
        }
    }

    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|source| KeyFileError::Read { path: shown.clone(), source })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::Exposed { path: shown, mode });
        }
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| KeyFileError::Read { path: shown.clone(), source })?,
        );
        let invalid = |reason: String| KeyFileError::Invalid { path: shown.clone(), reason };
        let file: KeyFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if file.format != FORMAT {
            return Err(invalid(format!("format {} is not supported (expected {FORMAT})", file.format)));
        }
        file.index_params.validate().map_err(invalid)?;
        let mut master_keys = BTreeMap::new();
        for entry in file.master_keys.iter().cloned() {
            if master_keys.insert(entry.id, entry).is_some() {
                return Err(invalid("a master key id appears twice".into()));
            }
        }
        if !master_keys.contains_key(&file.active_master_key) {
            return Err(invalid(format!("active master key {} is not in the file", file.active_master_key)));
        }
        Ok(Self {
            master: RwLock::new(Arc::new(MasterKeys { active: file.active_master_key, keys: master_keys })),
            index_pepper: file.index_pepper.clone(),
            index_salt: file.index_salt.clone(),
            index_params: file.index_params,
            token_key: file.token_key.clone(),
        })
    }

    /// Writes a new key file (mode 0600); refuses to replace an existing one.
    pub fn create(&self, path: &Path) -> Result<(), KeyFileError> {
        if path.exists() {
            return Err(KeyFileError::Exists(path.display().to_string()));
        }
        self.write_atomically(path)
    }

    /// Replaces the key file atomically: a crash leaves the old or the new file, never half of one.
    pub fn replace(&self, path: &Path) -> Result<(), KeyFileError> {
        self.write_atomically(path)
    }

    #[expect(clippy::expect_used, reason = "a key file is numbers and byte strings: it always serializes")]
    fn write_atomically(&self, path: &Path) -> Result<(), KeyFileError> {
        let write_err = |source| KeyFileError::Write { path: path.display().to_string(), source };
        let master = self.master();
        let file = KeyFile {
            format: FORMAT,
            active_master_key: master.active,
            master_keys: master.keys.values().cloned().collect(),
            index_pepper: self.index_pepper.clone(),
            index_salt: self.index_salt.clone(),
            index_params: self.index_params,
            token_key: self.token_key.clone(),
        };
        let json = Zeroizing::new(serde_json::to_vec_pretty(&file).expect("the key file always serializes"));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(write_err)?;
        }
        let tmp = path.with_extension("tmp");
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(write_err)?;
        out.write_all(&json).and_then(|()| out.sync_all()).map_err(write_err)?;
        std::fs::rename(&tmp, path).map_err(write_err)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(write_err)?;
        }
        Ok(())
    }

    /// The master keys as they are now; a reload swaps in a new set.
    fn master(&self) -> Arc<MasterKeys> {
        self.master.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn master_mut(&mut self) -> &mut MasterKeys {
        Arc::make_mut(self.master.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Adds a new master key version and makes it the one new writes use.
    pub fn rotate(&mut self, now: DateTime<Utc>) -> KeyId {
        let master = self.master_mut();
        let id = KeyId(master.keys.keys().next_back().map_or(1, |k| k.0 + 1));
        master.keys.insert(id, MasterKeyEntry { id, created_at: now, key: SecretBytes::random() });
        master.active = id;
        id
    }

    /// Removes a master key version. Whatever it still wraps becomes
    /// unreadable: the caller checks first that nothing does.
    pub fn retire(&mut self, id: KeyId) -> Result<(), RetireError> {
        let master = self.master_mut();
        if master.active == id {
            return Err(RetireError::Active(id));
        }
        master.keys.remove(&id).map(drop).ok_or(RetireError::Unknown(id))
    }

    /// Takes the master keys from the key file at `path` if they changed
    /// (a rotation or a retirement); returns the active version if so. The
    /// file must be the same deployment's: its fixed secrets and every key
    /// version both hold must match, or nothing changes.
    pub fn reload(&self, path: &Path) -> Result<Option<KeyId>, KeyFileError> {
        let file = Self::load(path)?;
        let invalid = |reason: &str| KeyFileError::Invalid { path: path.display().to_string(), reason: reason.into() };
        let same = |a: &[u8], b: &[u8]| bool::from(a.ct_eq(b));
        if !same(&file.index_pepper.0, &self.index_pepper.0)
            || !same(&file.index_salt.0, &self.index_salt.0)
            || !same(&file.token_key.0, &self.token_key.0)
            || file.index_params != self.index_params
        {
            return Err(invalid(
                "its blind-index or token secrets differ from the running ones; restart to change them",
            ));
        }
        let (current, new) = (self.master(), file.master());
        for (id, entry) in &new.keys {
            if current.keys.get(id).is_some_and(|held| !same(&held.key.0, &entry.key.0)) {
                return Err(invalid("a master key version has different bytes than the running one"));
            }
        }
        if new.active == current.active && new.keys.keys().eq(current.keys.keys()) {
            return Ok(None);
        }
        *self.master.write().unwrap_or_else(std::sync::PoisonError::into_inner) = new.clone();
        Ok(Some(new.active))
    }

    pub fn active_key_id(&self) -> KeyId {
        self.master().active
    }

    /// When the active version was added: new writes use it from then on,
    /// once every running process has reloaded the key file.
    pub fn active_since(&self) -> DateTime<Utc> {
        let master = self.master();
        master.keys.get(&master.active).map_or(DateTime::<Utc>::MIN_UTC, |e| e.created_at)
    }

    pub fn key_ids(&self) -> Vec<KeyId> {
        self.master().keys.keys().copied().collect()
    }

    /// The associated data of a master seal binds it to its key version and purpose.
    fn master_aad(id: KeyId, context: &[u8]) -> Vec<u8> {
        let mut aad = b"registry:master:v1:".to_vec();
        aad.extend_from_slice(&id.0.to_be_bytes());
        aad.extend_from_slice(context);
        aad
    }

    /// Seals a small secret directly under the active master key.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<MasterSealed, CryptoError> {
        let master = self.master();
        let bytes = envelope::seal(master.get(master.active)?, &Self::master_aad(master.active, context), plaintext);
        Ok(MasterSealed { key_id: master.active, bytes })
    }

    pub fn open(&self, sealed: &MasterSealed, context: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let master = self.master();
        envelope::open(master.get(sealed.key_id)?, &Self::master_aad(sealed.key_id, context), &sealed.bytes)
    }

    /// Opens under whichever version sealed it and seals again under the active one.
    pub fn reseal(&self, sealed: &MasterSealed, context: &[u8]) -> Result<MasterSealed, CryptoError> {
        self.seal(context, &self.open(sealed, context)?)
    }

    /// A fresh data key and its wrapped form for storage.
    pub fn new_data_key(&self, context: &[u8]) -> Result<(DataKey, MasterSealed), CryptoError> {
        let key = DataKey::generate();
        let wrapped = self.seal(context, key.bytes())?;
        Ok((key, wrapped))
    }

    pub fn unwrap_data_key(&self, wrapped: &MasterSealed, context: &[u8]) -> Result<DataKey, CryptoError> {
        DataKey::from_bytes(&self.open(wrapped, context)?)
    }

    pub fn blind_indexer(&self) -> BlindIndexer<'_> {
        BlindIndexer::new(&self.index_pepper.0, &self.index_salt.0, self.index_params)
    }

    pub fn token_digester(&self) -> TokenDigester<'_> {
        TokenDigester::new(&self.token_key.0)
    }

    /// The Ed25519 key that signs audit checkpoints, derived from the token
    /// key by HMAC under its own label (so the key file format stays as it is).
    pub fn audit_signing_key(&self) -> ed25519_dalek::SigningKey {
        let seed = self.token_digester().digest(super::TokenPurpose::AuditSigningKey, "v1");
        ed25519_dalek::SigningKey::from_bytes(&seed.0)
    }

    /// The key that signs status statements now: the active master key
    /// version's. A rotation of the master key rotates it too.
    #[expect(clippy::expect_used, reason = "loading, rotating and retiring all keep the active version in the file")]
    pub fn status_key(&self) -> StatusKey {
        let master = self.master();
        Self::status_key_of(master.get(master.active).expect("the active master key is in the key file"))
    }

    /// The status-signing key of every master key version in the file.
    pub fn status_keys(&self) -> Vec<StatusKey> {
        self.master().keys.values().map(|entry| Self::status_key_of(&entry.key.0)).collect()
    }

    /// Derived from a master key by HMAC under its own label: the master
    /// key itself only ever seals.
    #[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
    fn status_key_of(master_key: &[u8; KEY_LEN]) -> StatusKey {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(master_key).expect("HMAC takes any key");
        mac.update(b"registry:status-signing-key:v1");
        let seed = Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
        StatusKey::new(ed25519_dalek::SigningKey::from_bytes(&seed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.key");
        KeyRing::generate(Utc::now()).create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        match KeyRing::load(&path) {
            Err(refused) => assert!(refused.to_string().contains("has mode 644"), "{refused}"),
            Ok(_) => panic!("a key file others can read was loaded"),
        }
    }

    #[test]
    fn a_key_file_round_trips_through_disk_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/registry.key");
        let ring = KeyRing::generate(now());
        ring.create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let loaded = KeyRing::load(&path).unwrap();
        let sealed = ring.seal(b"ctx", b"secret").unwrap();
        assert_eq!(loaded.open(&sealed, b"ctx").unwrap().as_slice(), b"secret");
        assert!(matches!(ring.create(&path), Err(KeyFileError::Exists(_))));
    }

    #[test]
    fn rotation_keeps_old_ciphertexts_readable_and_seals_new_ones_with_the_new_key() {
        let mut ring = KeyRing::generate(now());
        let (data_key, wrapped_v1) = ring.new_data_key(b"identity").unwrap();
        let field = data_key.seal(b"surname", b"Abayev");
        assert_eq!(ring.rotate(now()), KeyId(2));

        let reopened = ring.unwrap_data_key(&wrapped_v1, b"identity").unwrap();
        assert_eq!(reopened.open(b"surname", &field).unwrap().as_slice(), b"Abayev");

        let rewrapped = ring.reseal(&wrapped_v1, b"identity").unwrap();
        assert_eq!(rewrapped.key_id, KeyId(2));
        assert_eq!(ring.new_data_key(b"x").unwrap().1.key_id, KeyId(2));
        let again = ring.unwrap_data_key(&rewrapped, b"identity").unwrap();
        assert_eq!(again.open(b"surname", &field).unwrap().as_slice(), b"Abayev");
    }

    #[test]
    fn a_reload_takes_a_rotated_key_file_but_not_one_from_another_deployment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.key");
        let mut running = KeyRing::generate(now());
        running.create(&path).unwrap();
        let sealed = running.seal(b"ctx", b"secret").unwrap();

        let mut rotated = running.clone();
        rotated.rotate(now());
        rotated.replace(&path).unwrap();
        assert_eq!(running.reload(&path).unwrap(), Some(KeyId(2)));
        assert_eq!(running.reload(&path).unwrap(), None, "unchanged");
        assert_eq!(running.seal(b"ctx", b"x").unwrap().key_id, KeyId(2), "new writes use the new key");
        assert_eq!(running.open(&sealed, b"ctx").unwrap().as_slice(), b"secret");

        KeyRing::generate(now()).replace(&path).unwrap();
        let refused = running.reload(&path).unwrap_err().to_string();
        assert!(refused.contains("differ from the running ones"), "{refused}");
        assert_eq!(running.active_key_id(), KeyId(2), "the running keys stay");
        running.retire(KeyId(1)).unwrap();
        assert!(running.retire(KeyId(2)).is_err(), "the active key cannot be retired");
    }

    #[test]
    fn a_sealed_value_does_not_open_under_another_key_version_or_context() {
        let mut ring = KeyRing::generate(now());
        let sealed = ring.seal(b"official:1:totp", b"JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(ring.open(&sealed, b"official:2:totp"), Err(CryptoError::Undecryptable));
        ring.rotate(now());
        let relabelled = MasterSealed { key_id: KeyId(2), bytes: sealed.bytes.clone() };
        assert_eq!(ring.open(&relabelled, b"official:1:totp"), Err(CryptoError::Undecryptable));
        let unknown = MasterSealed { key_id: KeyId(9), bytes: sealed.bytes };
        assert_eq!(ring.open(&unknown, b"official:1:totp"), Err(CryptoError::UnknownKey(KeyId(9))));
    }

    #[test]
    fn invalid_key_files_are_rejected_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.key");
        let ring = KeyRing::generate(now());
        ring.create(&path).unwrap();
        let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();

        type Breaker = fn(&mut serde_json::Value);
        let cases: [(&str, Breaker); 4] = [
            ("format", |j| j["format"] = 7.into()),
            ("active master key 3", |j| j["active_master_key"] = 3.into()),
            ("32 bytes", |j| j["token_key"] = "c2hvcnQ=".into()),
            ("unknown field", |j| j["extra"] = true.into()),
        ];
        for (expected, break_it) in cases {
            let mut broken = json.clone();
            break_it(&mut broken);
            std::fs::write(&path, broken.to_string()).unwrap();
            let err = KeyRing::load(&path).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected}: {err}");
        }
        json["index_params"]["m_cost"] = 8.into();
        std::fs::write(&path, json.to_string()).unwrap();
        assert!(KeyRing::load(&path).unwrap_err().to_string().contains("m_cost"));
    }

    #[test]
    fn a_rotation_brings_a_new_status_key_and_keeps_the_old_ones() {
        let mut ring = KeyRing::generate(now());
        let first = ring.status_key();
        assert_eq!(first.kid(), ring.status_key().kid(), "derived the same each time");
        ring.rotate(now());
        let second = ring.status_key();
        assert_ne!(first.kid(), second.kid());
        let kids: Vec<String> = ring.status_keys().iter().map(|k| k.kid().to_owned()).collect();
        assert_eq!(kids, [first.kid(), second.kid()]);
        assert_ne!(first.public().as_bytes(), &ring.audit_signing_key().verifying_key().to_bytes());
    }

    #[test]
    fn debug_output_shows_no_key_material() {
        let ring = KeyRing::generate(now());
        let printed = format!("{ring:?}");
        assert!(printed.starts_with("KeyRing { active: KeyId(1)"), "{printed}");
        assert!(!printed.contains(&BASE64.encode(&ring.token_key.0)));
    }
}
