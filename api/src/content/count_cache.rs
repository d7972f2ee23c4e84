//! Cached `totalCount`s of lists (top-level and nested), each with the content generation it
//! was counted at. A page statement reads the current generation beside its rows
//! (same snapshot), so a cached count is used only while nothing has changed,
//! whichever process changed it.
//!
//! Bounded in bytes, not only in entries: keys hold client-chosen filter text,
//! so an entry count alone would let a client fill memory with long keys. Each
//! entry is charged its key's heap bytes plus a fixed overhead; when an insert
//! would pass the budget, entries of older generations go first (they can never
//! be used again), then everything. Keys are normalised before they get here
//! (statuses sorted and folded), so equivalent filters share one entry.
#[cfg(test)]
use super::filter::Cond;
use super::filter::Filter;
use super::tables::Via;
use super::{Kind, Visibility};
use std::collections::HashMap;
use std::sync::Mutex;

/// What a count depends on (not the order or the window): the visibility, the
/// listed type, the filter, and for a nested list its parent (the relation and
/// the parent's id).
pub type CountKey = (Visibility, Kind, Filter, Option<(Via, i32)>);

/// Bytes an entry costs beyond its key's text: the key and value structs twice
/// (a hash table keeps up to as many spare slots as used ones) and the control
/// bytes, rounded up.
const ENTRY_OVERHEAD: usize =
    2 * (std::mem::size_of::<CountKey>() + std::mem::size_of::<(i64, i64)>()) + 16;

#[derive(Debug)]
pub struct CountCache {
    inner: Mutex<Inner>,
    budget: usize,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<CountKey, (i64, i64)>,
    bytes: usize,
}

/// What the cache holds now (for `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSize {
    pub entries: usize,
    pub bytes: usize,
    pub budget: usize,
}

/// The bytes an entry is charged.
pub fn entry_bytes(key: &CountKey) -> usize {
    ENTRY_OVERHEAD + key.2.heap_bytes()
}

impl CountCache {
    /// A cache holding at most `budget` bytes (0 turns it off).
    pub fn new(budget: usize) -> CountCache {
        CountCache {
            inner: Mutex::new(Inner::default()),
            budget,
        }
    }

    pub fn get(&self, key: &CountKey) -> Option<(i64, i64)> {
        self.inner.lock().ok().and_then(|m| m.map.get(key).copied())
    }

    pub fn put(&self, mut key: CountKey, generation: i64, count: i64) {
        // Charged by capacity: drop any spare capacity the key was built with.
        key.2.shrink_to_fit();
        let cost = entry_bytes(&key);
        if cost > self.budget {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.map.remove(&key).is_some() {
            inner.bytes = inner.bytes.saturating_sub(cost);
        }
        if inner.bytes + cost > self.budget {
            // Older generations first: they are never used again.
            inner.map.retain(|_, (g, _)| *g >= generation);
            inner.map.shrink_to_fit();
            inner.bytes = inner.map.keys().map(entry_bytes).sum();
        }
        if inner.bytes + cost > self.budget {
            inner.map = HashMap::new();
            inner.bytes = 0;
        }
        inner.map.insert(key, (generation, count));
        inner.bytes += cost;
    }

    pub fn size(&self) -> CacheSize {
        let (entries, bytes) = self
            .inner
            .lock()
            .map(|m| (m.map.len(), m.bytes))
            .unwrap_or_default();
        CacheSize {
            entries,
            bytes,
            budget: self.budget,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(country: &str) -> CountKey {
        (
            Visibility::Public,
            Kind::Document,
            Filter::from(vec![Cond::Country(country.to_string())]),
            None,
        )
    }

    #[test]
    fn stays_within_its_byte_budget_and_prefers_current_generations() {
        let budget = 20 * entry_bytes(&key("xx"));
        let cache = CountCache::new(budget);
        for i in 0..1000 {
            cache.put(key(&format!("{i:02}")), i / 100, i);
            assert!(cache.size().bytes <= budget);
        }
        assert!(cache.size().entries > 0);
        // A key larger than the whole budget is not cached at all.
        cache.put(key(&"x".repeat(budget)), 99, 1);
        assert!(cache.get(&key(&"x".repeat(budget))).is_none());
        assert!(cache.size().bytes <= budget);
        // Replacing an entry does not count it twice.
        let before = cache.size();
        cache.put(key("990"), 9, 5);
        cache.put(key("990"), 9, 6);
        assert_eq!(cache.get(&key("990")), Some((9, 6)));
        assert!(cache.size().bytes <= before.bytes.max(budget));
    }
}
