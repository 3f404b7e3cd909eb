//! The tree as C2SP tlog-tiles serves it: hash tiles (`tile/<L>/<N>`) and
//! entry bundles (`tile/entries/<N>`), each optionally partial (`.p/<W>`).
//! An entry bundle holds the entries' commitments, each prefixed with its
//! length as a big-endian `u16`, so what anyone can mirror reveals nothing
//! about the entries.

use super::tree::DbHashes;
use crate::db::{DbConnection, DbError};
use tlog_tiles::Tile;

/// Hashes (and entries) per full tile.
const TILE_HEIGHT: u8 = 8;

/// The tile a C2SP path names, if it names one in canonical form.
pub fn parse(path: &str) -> Option<Tile> {
    let rest = path.strip_prefix("tile/")?;
    let (level, rest) = rest.split_once('/')?;
    // `tlog_tiles` asserts (panics) on a width of 0 or a level past 63: refused here first.
    if let Some((_, width)) = rest.rsplit_once(".p/") {
        width.parse::<u32>().ok().filter(|w| (1..256).contains(w))?;
    }
    let go_path = if level == "entries" {
        format!("tile/{TILE_HEIGHT}/data/{rest}")
    } else {
        let parsed: u8 = level.parse().ok().filter(|l| *l < 64)?;
        if parsed.to_string() != level {
            return None;
        }
        format!("tile/{TILE_HEIGHT}/{level}/{rest}")
    };
    Tile::from_path(&go_path).ok()
}

/// The C2SP path of a tile.
pub fn path(tile: &Tile) -> String {
    let go_path = tile.path();
    let rest = go_path.strip_prefix(&format!("tile/{TILE_HEIGHT}/")).unwrap_or(&go_path);
    match rest.strip_prefix("data/") {
        Some(index) => format!("tile/entries/{index}"),
        None => format!("tile/{rest}"),
    }
}

/// Whether a tree of `size` leaves holds the whole tile.
pub fn within(tile: &Tile, size: u64) -> bool {
    let level_width =
        if tile.is_data() { Some(size) } else { size.checked_shr(u32::from(TILE_HEIGHT) * u32::from(tile.level())) };
    let end = tile.level_index().checked_mul(1 << TILE_HEIGHT).and_then(|start| start.checked_add(tile.width().into()));
    matches!((level_width, end), (Some(width), Some(end)) if end <= width)
}

/// Why a tile within the tree cannot be served: the stored log was changed.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("the stored tree is missing hashes of tile {0}")]
    MissingHashes(String),
    #[error("audit entry {0} is missing or cannot be read")]
    BrokenEntry(i64),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The tile's bytes; the caller has checked it is [`within`] the tree.
pub fn read(conn: &mut DbConnection, tile: &Tile) -> Result<Vec<u8>, TileError> {
    if !tile.is_data() {
        let hashes = DbHashes::new(conn);
        let data = tile.read_data(&hashes).map_err(|_| TileError::MissingHashes(path(tile)));
        return Ok(hashes.into_result(data)?.0);
    }
    let first = i64::try_from(tile.level_index() << TILE_HEIGHT).unwrap_or(i64::MAX);
    let entries = super::page(conn, first, tile.width().into())?;
    let mut bundle = Vec::with_capacity(entries.len() * 34);
    for (expected, entry) in (first + 1..).zip(&entries) {
        let commitment =
            entry.commitment().filter(|_| entry.seq == expected).ok_or(TileError::BrokenEntry(expected))?;
        bundle.extend_from_slice(&32u16.to_be_bytes());
        bundle.extend_from_slice(&commitment);
    }
    if entries.len() != usize::try_from(tile.width()).unwrap_or(usize::MAX) {
        return Err(TileError::BrokenEntry(first + i64::try_from(entries.len()).unwrap_or(0) + 1));
    }
    Ok(bundle)
}

/// The commitments in an entry bundle, or `None` if it is not one of 32-byte entries.
pub fn commitments(bundle: &[u8]) -> Option<Vec<[u8; 32]>> {
    bundle
        .chunks(34)
        .map(|chunk| match chunk {
            [0, 32, commitment @ ..] => commitment.try_into().ok(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c2sp_paths_round_trip_and_name_the_same_tile() {
        for text in [
            "tile/0/000",
            "tile/0/x001/x234/067.p/8",
            "tile/2/001.p/255",
            "tile/entries/x001/000",
            "tile/entries/005.p/1",
        ] {
            let tile = parse(text).unwrap_or_else(|| panic!("{text} was refused"));
            assert_eq!(path(&tile), text);
        }
        let tile = parse("tile/1/x001/234").unwrap();
        assert_eq!((tile.level(), tile.level_index(), tile.width(), tile.is_data()), (1, 1234, 256, false));
    }

    #[test]
    fn paths_that_are_not_canonical_or_out_of_range_are_refused_without_panicking() {
        for text in [
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/64/000",
            "tile/255/000",
            "tile/01/000",
            "tile/0/1",
            "tile/0/x000/001",
            "tile/data/000",
            "tile/entries/000.p/",
            "tile/0/18446744073709551616",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tiles/0/000",
            "tile/0",
            "",
        ] {
            assert!(parse(text).is_none(), "{text} was accepted");
        }
    }

    #[test]
    fn a_tile_is_served_only_once_the_tree_holds_all_of_it() {
        let full = parse("tile/0/000").unwrap();
        assert!(!within(&full, 255) && within(&full, 256));
        let partial = parse("tile/0/001.p/3").unwrap();
        assert!(!within(&partial, 258) && within(&partial, 259) && within(&partial, 10_000));
        let upper = parse("tile/1/000.p/2").unwrap();
        assert!(!within(&upper, 511) && within(&upper, 512));
        assert!(!within(&parse("tile/63/000.p/1").unwrap(), u64::MAX));
        let entries = parse("tile/entries/000.p/5").unwrap();
        assert!(!within(&entries, 4) && within(&entries, 5));
    }

    #[test]
    fn entry_bundles_parse_back_to_their_commitments() {
        let bundle = [[0, 32].as_slice(), &[1; 32], &[0, 32], &[2; 32]].concat();
        assert_eq!(commitments(&bundle), Some(vec![[1; 32], [2; 32]]));
        assert_eq!(commitments(&bundle[..40]), None);
        assert_eq!(commitments(&[[0, 31].as_slice(), &[1; 31]].concat()), None);
    }
}
