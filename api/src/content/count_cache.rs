//! Cached `totalCount`s of lists (top-level and nested), each with the content generation it
//! was counted at. A page statement reads the current generation beside its rows
//! (same snapshot), so a cached count is used only while nothing has changed,
//! whichever process changed it.
//!
//! Bounded in bytes, not only in entries: keys hold client-chosen filter text,
//! so an entry count alone would let a client fill memory with long keys. Each
//! entry is charged its key's heap bytes plus a fixed overhead; when an insert
//! would pass the budget, entries of older generations go first (they can never
//! be used again), then those not read since the last sweep (a second chance:
//! a flood of one-off keys, such as distinct search words, does not push out
//! the counts partner pages keep reading), then any until half the budget is
//! free. Keys are normalised before they get here (statuses sorted and
//! folded), so equivalent filters share one entry.
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
    2 * (std::mem::size_of::<CountKey>() + std::mem::size_of::<Entry>()) + 16;

#[derive(Debug)]
pub struct CountCache {
    inner: Mutex<Inner>,
    budget: usize,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<CountKey, Entry>,
    bytes: usize,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    generation: i64,
    count: i64,
    /// Read since the last sweep.
    used: bool,
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

    /// The cached (generation, count) of `key`.
    pub fn get(&self, key: &CountKey) -> Option<(i64, i64)> {
        let mut inner = self.inner.lock().ok()?;
        let e = inner.map.get_mut(key)?;
        e.used = true;
        Some((e.generation, e.count))
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
        if let Some((old, _)) = inner.map.remove_entry(&key) {
            inner.bytes = inner.bytes.saturating_sub(entry_bytes(&old));
        }
        if inner.bytes + cost > self.budget {
            // Older generations first: they are never used again. Then what
            // was not read since the last sweep.
            inner
                .map
                .retain(|_, e| e.generation >= generation && std::mem::take(&mut e.used));
            inner.map.shrink_to_fit();
            inner.bytes = inner.map.keys().map(entry_bytes).sum();
        }
        if inner.bytes + cost > self.budget {
            // All of it read lately: keep what fits in half the budget, so
            // the next sweeps are as far apart.
            let room = (self.budget / 2).saturating_sub(cost);
            let mut kept = 0;
            inner.map.retain(|k, _| {
                let b = entry_bytes(k);
                let keep = kept + b <= room;
                if keep {
                    kept += b;
                }
                keep
            });
            inner.map.shrink_to_fit();
            inner.bytes = kept;
        }
        inner.map.insert(
            key,
            Entry {
                generation,
                count,
                used: false,
            },
        );
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
