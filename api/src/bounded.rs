//! A map bounded in bytes that forgets its oldest entries first: what the
//! persisted-query store and the parsed-document cache keep. Each entry is
//! charged the cost its owner gives (its key's and value's heap bytes, roughly),
//! so client-chosen keys cannot fill memory past the budget.
use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub struct Fifo<K, V: ?Sized> {
    inner: Mutex<Inner<K, V>>,
    budget: usize,
}

struct Inner<K, V: ?Sized> {
    map: HashMap<K, (Arc<V>, usize)>,
    order: VecDeque<K>,
    bytes: usize,
}

impl<K: Hash + Eq + Clone, V: ?Sized> Fifo<K, V> {
    /// At most `budget` bytes (0: holds nothing).
    pub fn new(budget: usize) -> Fifo<K, V> {
        Fifo {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
            budget,
        }
    }

    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    pub fn get<Q>(&self, key: &Q) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.inner.lock().ok()?.map.get(key).map(|(v, _)| v.clone())
    }

    /// Keeps `value` under `key` (a key already held keeps its first value),
    /// forgetting the oldest entries while the budget is short; an entry that
    /// costs more than the whole budget is not kept.
    pub fn put(&self, key: K, value: Arc<V>, cost: usize) {
        if cost > self.budget {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.map.contains_key(&key) {
            return;
        }
        while inner.bytes + cost > self.budget {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some((_, c)) = inner.map.remove(&old) {
                inner.bytes -= c;
            }
        }
        inner.bytes += cost;
        inner.order.push_back(key.clone());
        inner.map.insert(key, (value, cost));
    }

    /// Entries and bytes held (for `/metrics`).
    pub fn size(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|i| (i.map.len(), i.bytes))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Fifo;
    use std::sync::Arc;

    #[test]
    fn the_oldest_entries_go_first_and_the_budget_holds() {
        let fifo: Fifo<String, u32> = Fifo::new(10);
        fifo.put("a".into(), Arc::new(1), 4);
        fifo.put("b".into(), Arc::new(2), 4);
        assert_eq!(fifo.size(), (2, 8));
        fifo.put("c".into(), Arc::new(3), 4);
        assert!(fifo.get("a").is_none());
        assert_eq!(fifo.get("b").as_deref(), Some(&2));
        assert_eq!(fifo.get("c").as_deref(), Some(&3));
        assert_eq!(fifo.size(), (2, 8));
        fifo.put("huge".into(), Arc::new(4), 11);
        assert!(fifo.get("huge").is_none());
        fifo.put("b".into(), Arc::new(5), 4);
        assert_eq!(fifo.get("b").as_deref(), Some(&2));
        assert!(!Fifo::<String, u32>::new(0).enabled());
    }
}
