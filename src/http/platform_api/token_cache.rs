//! Remembers which platform a token digest belongs to for a moment, so that
//! a polling platform costs one HMAC and no database query per request.
//! A re-issued or revoked token keeps working for at most [`TTL`].

use crate::crypto::TokenDigest;
use crate::domain::PlatformId;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(1);
/// Past this many entries the cache is cleared rather than grown: a flood of
/// random tokens must not cost memory.
const MAX_ENTRIES: usize = 10_000;

/// The platform a token belongs to: its id, and its slug as statements name it.
pub type Known = (PlatformId, Arc<str>);

#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<[u8; 32], (Known, Instant)>>,
}

impl TokenCache {
    pub fn get(&self, digest: &TokenDigest) -> Option<Known> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(&digest.0).filter(|(_, at)| at.elapsed() < TTL).map(|(known, _)| known.clone())
    }

    pub fn insert(&self, digest: &TokenDigest, platform: Known) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(digest.0, (platform, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = TokenCache::default();
        let digest = TokenDigest([7; 32]);
        assert_eq!(cache.get(&digest), None);
        let platform: Known = (PlatformId::new(42), "demo".into());
        cache.insert(&digest, platform.clone());
        assert_eq!(cache.get(&digest), Some(platform.clone()));
        cache.entries.write().unwrap().insert(digest.0, (platform, Instant::now() - TTL));
        assert_eq!(cache.get(&digest), None);
    }
}
