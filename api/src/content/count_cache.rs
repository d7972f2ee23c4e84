//! Cached `totalCount`s of lists (top-level and nested), each with the content generation it
//! was counted at. A page statement reads the current generation beside its rows
//! (same snapshot), so a cached count is used only while nothing has changed,
//! whichever process changed it.
//!
//! Bounded in bytes, not only in entries: keys hold client-chosen filter text,
//! so an entry count alone would let a client fill memory with long keys. Each
//! entry is charged its key's heap bytes plus a fixed overhead, in a cache that
//! drops first what is not read again (`bounded.rs`: a flood of one-off keys,
//! such as distinct search words, does not push out the counts partner pages
//! keep reading; a key's older generation is replaced when it is counted
//! again). Keys are normalised before they get here (statuses sorted and
//! folded), so equivalent filters share one entry.
#[cfg(test)]
use super::filter::Cond;
use super::filter::Filter;
use super::tables::Via;
use super::{Kind, Visibility};
use crate::bounded::Bounded;

/// What a count depends on (not the order or the window): the visibility, the
/// listed type, the filter, and for a nested list its parent (the relation and
/// the parent's id).
pub type CountKey = (Visibility, Kind, Filter, Option<(Via, i32)>);

/// A count and the generation it was counted at.
type Entry = (i64, i64);

/// Bytes an entry costs beyond its key's text: the key and value structs (with
/// the charge and the queue links) twice (a table keeps up to as many spare
/// slots as used ones) and the index slot, rounded up.
const ENTRY_OVERHEAD: usize =
    2 * (std::mem::size_of::<CountKey>() + std::mem::size_of::<Entry>() + 24) + 16;

pub struct CountCache {
    entries: Bounded<CountKey, Entry>,
    budget: usize,
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
            entries: Bounded::new(budget, ENTRY_OVERHEAD + 64),
            budget,
        }
    }

    /// The cached (generation, count) of `key`.
    pub fn get(&self, key: &CountKey) -> Option<(i64, i64)> {
        self.entries.get(key)
    }

    pub fn put(&self, mut key: CountKey, generation: i64, count: i64) {
        // Charged by capacity: drop any spare capacity the key was built with.
        key.2.shrink_to_fit();
        let cost = entry_bytes(&key);
        self.entries.put(key, (generation, count), cost);
    }

    pub fn size(&self) -> CacheSize {
        let (entries, bytes) = self.entries.size();
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

    #[test]
    fn a_flood_of_one_off_keys_keeps_the_counts_that_are_read() {
        let budget = 20 * entry_bytes(&key("xxxx"));
        let cache = CountCache::new(budget);
        cache.put(key("hot"), 1, 42);
        for i in 0..1000 {
            cache.put(key(&format!("{i:04}")), 1, i);
            assert_eq!(cache.get(&key("hot")), Some((1, 42)), "after {i}");
            assert!(cache.size().bytes <= budget);
        }
        // The flood itself is still cached in part.
        assert!(cache.get(&key("0999")).is_some());
        assert!(cache.size().entries > 2);
    }
}
