//! `registry audit mirror`: an outside body's copy of the log. Fetches the
//! checkpoint, the entry bundles and the hash tiles (C2SP tlog-tiles),
//! recomputes the tree from the commitments, and keeps the new checkpoint
//! only if every hash matches and the log still extends what was mirrored
//! before. The directory it writes is itself a tlog-tiles log that any
//! static file server can publish.

use super::note::{self, CheckpointError, VerifiedCheckpoint};
use super::tiles;
use super::tree::{NoHashes, TreeBuilder};
use std::path::{Path, PathBuf};
use tlog_tiles::{Hash, Tile};

/// Width of a full tile.
const TILE_WIDTH: u64 = 256;

/// Where the log is read from: `GET <base>/<path>`, `None` for a 404.
pub trait Source {
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
}

/// Why a mirror run failed. Nothing of the new checkpoint is kept.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("fetching {path} failed: {reason}")]
    Fetch { path: String, reason: String },
    #[error("{0} is missing on the server")]
    Missing(String),
    #[error("the first mirror of a log needs its public key (--key)")]
    NoKey,
    #[error("this mirror follows the log whose key is {kept}, not {given}")]
    OtherKey { kept: String, given: String },
    #[error("{0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the log shrank: the mirror holds {mirrored} entries, the new checkpoint covers {served}")]
    Shrunk { mirrored: u64, served: u64 },
    #[error("{0} is not an entry bundle of commitments")]
    BadBundle(String),
    #[error("the entries served do not hash to the checkpoint's root (tree size {0})")]
    RootMismatch(u64),
    #[error(
        "the log rewrote its history: entry {first_changed} differs from the mirrored copy \
         (the mirror holds {mirrored} entries)"
    )]
    Rewritten { mirrored: u64, first_changed: u64 },
    #[error("the log's history differs from the mirrored copy of {0} entries")]
    Inconsistent(u64),
    #[error("the hash tile {0} served does not match the entries")]
    BadTile(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// What a successful run did.
#[derive(Debug)]
pub struct Mirrored {
    pub previous_size: u64,
    pub size: u64,
    pub root: Hash,
    pub fetched: usize,
}

/// Brings the mirror in `dir` up to the log's newest checkpoint.
pub fn run(source: &impl Source, dir: &Path, key: Option<&str>) -> Result<Mirrored, MirrorError> {
    let (key, first_run) = pinned_key(dir, key)?;
    let previous = match read_local(dir, "checkpoint")? {
        Some(text) => Some(note::verify(&String::from_utf8_lossy(&text), &key)?),
        None => None,
    };
    let served = fetch(source, "checkpoint")?;
    let checkpoint = note::verify(&String::from_utf8_lossy(&served), &key)?;
    let previous_size = previous.as_ref().map_or(0, |p| p.size);
    if checkpoint.size < previous_size {
        return Err(MirrorError::Shrunk { mirrored: previous_size, served: checkpoint.size });
    }
    let mut fetched = Vec::new();
    let served = entries(source, dir, checkpoint.size, true, &mut fetched)?;
    let tree = match (tree_of(&served, &checkpoint), &previous) {
        (Ok(tree), _) => tree,
        // Kept bundles and served ones disagree: check the server's own copy alone.
        (Err(MirrorError::RootMismatch(_)), Some(previous)) => {
            let served = entries(source, dir, checkpoint.size, false, &mut Vec::new())?;
            tree_of(&served, &checkpoint)?;
            return Err(rewritten(dir, previous, &served));
        }
        (Err(e), _) => return Err(e),
    };
    if let Some(previous) = &previous
        && tree.root_at(previous.size) != Some(previous.root)
    {
        return Err(rewritten(dir, previous, &served));
    }
    hash_tiles(source, dir, &tree, &mut fetched)?;
    let count = fetched.len();
    for (path, data) in fetched {
        write_local(dir, &path, &data)?;
    }
    write_local(dir, "checkpoint", checkpoint.note.as_bytes())?;
    if first_run {
        write_local(dir, "log.pub", format!("{key}\n").as_bytes())?;
    }
    Ok(Mirrored { previous_size, size: checkpoint.size, root: checkpoint.root, fetched: count })
}

/// The key this mirror follows, and whether this is the first run: the key
/// is pinned once a first run succeeds.
fn pinned_key(dir: &Path, given: Option<&str>) -> Result<(String, bool), MirrorError> {
    let kept = read_local(dir, "log.pub")?.map(|k| String::from_utf8_lossy(&k).trim().to_owned());
    let given = given.map(str::trim);
    if let Some(given) = given {
        signed_note::StandardVerifier::new(given).map_err(|e| CheckpointError::BadKey(e.to_string()))?;
    }
    match (kept, given) {
        (Some(kept), Some(given)) if kept != given => Err(MirrorError::OtherKey { kept, given: given.to_owned() }),
        (Some(kept), _) => Ok((kept, false)),
        (None, Some(given)) => Ok((given.to_owned(), true)),
        (None, None) => Err(MirrorError::NoKey),
    }
}

/// Every commitment of a tree of `size` leaves, from full bundles already
/// mirrored (when `reuse`) or fetched, which are added to `fetched`.
fn entries(
    source: &impl Source,
    dir: &Path,
    size: u64,
    reuse: bool,
    fetched: &mut Vec<(String, Vec<u8>)>,
) -> Result<Vec<[u8; 32]>, MirrorError> {
    let mut commitments = Vec::new();
    for index in 0..size.div_ceil(TILE_WIDTH) {
        let width = (size - index * TILE_WIDTH).min(TILE_WIDTH);
        let path = tiles::path(&Tile::new(8, 0, index, u32::try_from(width).unwrap_or(256), true));
        // Tiles never change once served: a partial one's path names its width.
        let kept = if reuse { read_local(dir, &path)? } else { None };
        let bundle = match kept {
            Some(bundle) => bundle,
            None => {
                let bundle = fetch(source, &path)?;
                fetched.push((path.clone(), bundle.clone()));
                bundle
            }
        };
        let parsed = tiles::commitments(&bundle).filter(|c| c.len() as u64 == width);
        commitments.extend(parsed.ok_or(MirrorError::BadBundle(path))?);
    }
    Ok(commitments)
}

fn tree_of(commitments: &[[u8; 32]], checkpoint: &VerifiedCheckpoint) -> Result<TreeBuilder<NoHashes>, MirrorError> {
    let mut tree = TreeBuilder::new(NoHashes, 0);
    for commitment in commitments {
        tree.append(commitment).map_err(|_| MirrorError::RootMismatch(checkpoint.size))?;
    }
    match tree.root() {
        Ok(root) if root == checkpoint.root => Ok(tree),
        _ => Err(MirrorError::RootMismatch(checkpoint.size)),
    }
}

/// The served log no longer extends the mirrored one: names the first
/// entry whose commitment differs from the mirrored copy.
fn rewritten(dir: &Path, previous: &VerifiedCheckpoint, served: &[[u8; 32]]) -> MirrorError {
    let Ok(kept) = entries(&LocalOnly(dir), dir, previous.size, true, &mut Vec::new()) else {
        return MirrorError::Inconsistent(previous.size);
    };
    match kept.iter().zip(served).position(|(kept, served)| kept != served) {
        Some(at) => MirrorError::Rewritten { mirrored: previous.size, first_changed: at as u64 + 1 },
        None => MirrorError::Inconsistent(previous.size),
    }
}

/// Reads only what the mirror already holds.
struct LocalOnly<'a>(&'a Path);

impl Source for LocalOnly<'_> {
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        read_local(self.0, path).map_err(|e| e.to_string())
    }
}

/// Fetches every hash tile of the tree (full ones once) and checks each
/// against the hashes recomputed from the entries.
fn hash_tiles(
    source: &impl Source,
    dir: &Path,
    tree: &TreeBuilder<NoHashes>,
    fetched: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), MirrorError> {
    for level in 0u8..63 {
        let nodes = tree.size().checked_shr(8 * u32::from(level)).unwrap_or(0);
        if nodes == 0 {
            break;
        }
        for index in 0..nodes.div_ceil(TILE_WIDTH) {
            let width = (nodes - index * TILE_WIDTH).min(TILE_WIDTH);
            let tile = Tile::new(8, level, index, u32::try_from(width).unwrap_or(256), false);
            let path = tiles::path(&tile);
            let expected = tile.read_data(tree).map_err(|_| MirrorError::BadTile(path.clone()))?;
            if read_local(dir, &path)?.as_deref() == Some(expected.as_slice()) {
                continue;
            }
            if fetch(source, &path)? != expected {
                return Err(MirrorError::BadTile(path));
            }
            fetched.push((path, expected));
        }
    }
    Ok(())
}

fn fetch(source: &impl Source, path: &str) -> Result<Vec<u8>, MirrorError> {
    source
        .get(path)
        .map_err(|reason| MirrorError::Fetch { path: path.to_owned(), reason })?
        .ok_or_else(|| MirrorError::Missing(path.to_owned()))
}

fn read_local(dir: &Path, path: &str) -> Result<Option<Vec<u8>>, MirrorError> {
    let file = dir.join(path);
    match std::fs::read(&file) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(MirrorError::Io { path: file, source }),
    }
}

/// Written to a temporary name and renamed, so that a mirror served while
/// it is updated never shows a half-written file.
fn write_local(dir: &Path, path: &str, data: &[u8]) -> Result<(), MirrorError> {
    let file = dir.join(path);
    let io = |source| MirrorError::Io { path: file.clone(), source };
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let partial = file.with_extension("partial");
    std::fs::write(&partial, data).map_err(io)?;
    std::fs::rename(&partial, &file).map_err(io)
}

/// The log over HTTP(S), with bounded time and size.
pub struct Http {
    base: String,
    agent: ureq::Agent,
}

impl Http {
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        Self { base: base.trim_end_matches('/').to_owned(), agent }
    }
}

impl Source for Http {
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        /// A full entry bundle is 8,704 bytes; a checkpoint with many cosignatures a few kilobytes.
        const LIMIT: u64 = 1 << 20;
        let mut response = self.agent.get(&format!("{}/{path}", self.base)).call().map_err(|e| e.to_string())?;
        match response.status().as_u16() {
            200 => response.body_mut().with_config().limit(LIMIT).read_to_vec().map(Some).map_err(|e| e.to_string()),
            404 => Ok(None),
            status => Err(format!("the server answered {status}")),
        }
    }
}

/// The checkpoint a mirror holds, checked with its pinned key, and the
/// commitments of the entries it covers.
pub fn kept(dir: &Path) -> Result<(VerifiedCheckpoint, Vec<[u8; 32]>), MirrorError> {
    let (key, _) = pinned_key(dir, None)?;
    let text =
        read_local(dir, "checkpoint")?.ok_or_else(|| MirrorError::Missing(format!("{}/checkpoint", dir.display())))?;
    let checkpoint = note::verify(&String::from_utf8_lossy(&text), &key)?;
    let commitments = entries(&LocalOnly(dir), dir, checkpoint.size, true, &mut Vec::new())?;
    Ok((checkpoint, commitments))
}
