//! A concurrent map bounded in bytes: what the persisted-query store, the
//! parsed-document cache, the response cache and the cache of list totals keep
//! their entries in. Each entry is charged the cost its owner gives (its key's
//! and value's heap bytes, roughly), so client-chosen keys cannot fill memory
//! past the budget.
//!
//! The cache itself is `quick_cache`'s (S3-FIFO eviction: a new entry waits in
//! a small queue and is dropped first unless it is read again, so a flood of
//! one-off keys cannot push out the entries that are read; CLOCK among the
//! rest). Its hit path measured as fast as the hand-written map it replaced
//! (docs/performance.md). Keys are hashed with the standard library's seeded
//! SipHash, as before: many keys are client-chosen text.
use quick_cache::sync::{Cache, DefaultLifecycle};
use quick_cache::{Equivalent, Lifecycle, OptionsBuilder, Weighter};
use std::hash::{Hash, RandomState};

/// A value with the bytes it is charged.
#[derive(Clone)]
pub struct Charged<V> {
    pub value: V,
    cost: u64,
}

/// Weighs an entry by its charge.
#[derive(Clone, Copy, Default)]
pub struct ByCost;

impl<K, V> Weighter<K, Charged<V>> for ByCost {
    fn weight(&self, _key: &K, value: &Charged<V>) -> u64 {
        value.cost
    }
}

/// The smallest budget of a shard: the budget is split into shards that lock
/// apart, and an entry must fit in one. Budgets below twice this are one
/// shard.
const MIN_SHARD_BYTES: usize = 4 << 20;

/// At most `budget` bytes of entries (0: holds nothing).
pub struct Bounded<K, V, L = DefaultLifecycle<K, Charged<V>>> {
    cache: Option<Cache<K, Charged<V>, ByCost, RandomState, L>>,
    /// The largest charge an entry may have: a shard's (less what the cache
    /// keeps for new entries).
    largest: usize,
}

impl<K: Hash + Eq, V: Clone, L: Lifecycle<K, Charged<V>> + Clone + Default> Bounded<K, V, L> {
    /// At most `budget` bytes, holding entries of about `typical` bytes each
    /// (what the cache sizes its bookkeeping by).
    pub fn new(budget: usize, typical: usize) -> Self {
        if budget == 0 {
            return Bounded {
                cache: None,
                largest: 0,
            };
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        // A power of two (as quick_cache wants), each of MIN_SHARD_BYTES at least.
        let most = (budget / MIN_SHARD_BYTES).clamp(1, 4 * cores);
        let shards = 1 << most.ilog2();
        let per_shard = budget / shards;
        let items = (budget / typical.max(1)).max(shards * 32);
        // Ghost keys (recently evicted, remembered to admit them hot on
        // return) take slots the budget does not charge: a tenth of the
        // items, not quick_cache's half, keeps that within a few percent.
        let options = OptionsBuilder::new()
            .shards(shards)
            .estimated_items_capacity(items)
            .weight_capacity((per_shard * shards) as u64)
            .ghost_allocation(0.1)
            .build();
        let cache = options
            .ok()
            .map(|o| Cache::with_options(o, ByCost, RandomState::new(), L::default()));
        Bounded {
            // quick_cache refuses an entry over its hot share (97 %) of a
            // shard.
            largest: per_shard - per_shard.div_ceil(32),
            cache,
        }
    }

    pub fn enabled(&self) -> bool {
        self.cache.is_some()
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.cache.as_ref()?.get(key).map(|c| c.value)
    }

    /// Keeps `value` under `key` (replacing what the key held), forgetting
    /// other entries while the budget is short; an entry that costs more than
    /// a shard of the budget is not kept.
    pub fn put(&self, key: K, value: V, cost: usize) {
        self.put_with(key, value, cost, &mut Default::default());
    }

    /// As [`put`](Self::put), with the lifecycle's record of what was evicted
    /// for room; whether the entry was taken in (false when the cache is off
    /// or the entry too large).
    pub fn put_with(&self, key: K, value: V, cost: usize, evicted: &mut L::RequestState) -> bool {
        let Some(cache) = self.cache.as_ref().filter(|_| cost <= self.largest) else {
            return false;
        };
        // A free entry would never be evicted.
        let cost = u64::try_from(cost.max(1)).unwrap_or(u64::MAX);
        cache.insert_with_lifecycle(key, Charged { value, cost }, evicted);
        true
    }

    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.cache.as_ref()?.remove(key).map(|(_, c)| c.value)
    }

    pub fn clear(&self) {
        if let Some(cache) = &self.cache {
            cache.clear();
        }
    }

    /// Entries and bytes held (for `/metrics`).
    pub fn size(&self) -> (usize, usize) {
        self.cache.as_ref().map_or((0, 0), |c| {
            let bytes = usize::try_from(c.weight()).unwrap_or(usize::MAX);
            (c.len(), bytes)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Bounded;
    use std::sync::Arc;

    type Map = Bounded<String, Arc<u32>>;

    #[test]
    fn the_budget_holds_and_an_entry_read_again_outlives_a_flood() {
        let map = Map::new(1000, 10);
        map.put("hot".into(), Arc::new(0), 10);
        for i in 0..1000 {
            map.put(format!("{i}"), Arc::new(i), 10);
            assert!(map.size().1 <= 1000, "{:?}", map.size());
            assert_eq!(map.get("hot").as_deref(), Some(&0), "after {i}");
        }
        assert_eq!(map.get("999").as_deref(), Some(&999), "the newest is kept");
        assert!(map.get("500").is_none(), "one-off keys go");
        map.put("hot".into(), Arc::new(5), 10);
        assert_eq!(map.get("hot").as_deref(), Some(&5), "replaced");
        map.put("huge".into(), Arc::new(4), 1001);
        assert!(map.get("huge").is_none());
        assert_eq!(map.remove("hot").as_deref(), Some(&5));
        map.clear();
        assert_eq!(map.size(), (0, 0));
        let off = Map::new(0, 10);
        assert!(!off.enabled());
        off.put("a".into(), Arc::new(1), 1);
        assert!(off.get("a").is_none());
    }

    #[test]
    fn large_budgets_are_sharded_and_every_shard_takes_a_large_entry() {
        let map = Map::new(64 << 20, 1 << 10);
        map.put("big".into(), Arc::new(1), 3 << 20);
        assert_eq!(map.get("big").as_deref(), Some(&1));
        assert_eq!(map.size(), (1, 3 << 20));
    }
}
