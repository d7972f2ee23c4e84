//! The response cache: successful answers to anonymous queries, kept in the
//! process, keyed by the normalised document, the operation name and the
//! variables (the locale is an argument, so it is in one of them), and bounded in
//! bytes. Each entry keeps the cache tags of its content; a public change evicts
//! exactly the entries that hold one of the change's tags (the item, the lists it
//! could join), so editing a working copy evicts nothing. Changes made by other
//! processes arrive through `invalidation` (PostgreSQL's LISTEN/NOTIFY, or
//! SQLite's public generation), which flushes everything when it may have missed
//! one.
use crate::content::tags::Tag;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// What a cached answer is looked up by: the SHA-256 of the request's parts, so
/// a key costs 32 bytes however long the document and variables are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key([u8; 32]);

impl Key {
    /// The key of a request: its document with insignificant whitespace,
    /// commas and comments folded, its operation name and its variables, each
    /// prefixed by its length.
    pub fn new(query: &str, operation: Option<&str>, variables: &str) -> Key {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        for part in [
            normalise(query).as_str(),
            operation.unwrap_or("\u{0}"),
            variables,
        ] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        Key(hasher.finalize().into())
    }
}

/// A document's text without the whitespace, commas and comments outside
/// strings that GraphQL ignores between tokens (one space stays where two names
/// or numbers meet), so that the same query written differently shares one
/// entry.
pub fn normalise(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars().peekable();
    let mut gap = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // Two strings in a row keep a space: `"" "a" ""` is three
                // tokens, `"""a"""` one.
                if gap && out.ends_with('"') {
                    out.push(' ');
                }
                gap = false;
                out.push('"');
                // A block string (`"""`) runs to the next unescaped `"""`.
                if chars.peek() == Some(&'"') {
                    chars.next();
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        out.push_str("\"\"");
                        // Only `\"""` is an escape in a block string.
                        let mut quotes = 0;
                        let mut after_backslash = false;
                        for c in chars.by_ref() {
                            out.push(c);
                            if c == '"' {
                                quotes = if quotes == 0 && after_backslash {
                                    -3
                                } else {
                                    quotes + 1
                                };
                                if quotes == 3 {
                                    break;
                                }
                            } else {
                                quotes = 0;
                            }
                            after_backslash = c == '\\';
                        }
                    } else {
                        out.push('"'); // the empty string
                    }
                    continue;
                }
                let mut escaped = false;
                for c in chars.by_ref() {
                    out.push(c);
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
            }
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
                gap = true;
            }
            c if c.is_whitespace() || c == ',' || c == '\u{feff}' => gap = true,
            c => {
                let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
                if gap && word(c) && out.chars().next_back().is_some_and(word) {
                    out.push(' ');
                }
                gap = false;
                out.push(c);
            }
        }
    }
    out
}

/// A cached answer: the body as sent and its two entity tags (one per media
/// type, as `http::graphql` computes them).
#[derive(Clone, Debug)]
pub struct Cached {
    pub body: axum::body::Bytes,
    pub etags: [String; 2],
    pub tags: Vec<Tag>,
}

struct Entry {
    answer: Cached,
    cost: usize,
    /// The insertion this entry came from (eviction is oldest first).
    serial: u64,
}

#[derive(Default)]
struct Inner {
    map: HashMap<Key, Entry>,
    by_tag: HashMap<Tag, HashSet<Key>>,
    order: VecDeque<(u64, Key)>,
    bytes: usize,
    serial: u64,
}

impl Inner {
    fn remove(&mut self, key: &Key) {
        if let Some(entry) = self.map.remove(key) {
            self.bytes -= entry.cost;
            for tag in &entry.answer.tags {
                if let Some(keys) = self.by_tag.get_mut(tag) {
                    keys.remove(key);
                    if keys.is_empty() {
                        self.by_tag.remove(tag);
                    }
                }
            }
        }
    }
}

/// What the cache holds and has done (for `/metrics`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub entries: usize,
    pub bytes: usize,
    pub budget: usize,
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    /// Change notices applied (each evicts the entries holding its tags).
    pub invalidations: u64,
    pub flushes: u64,
}

/// The cache (budget 0: off).
pub struct ResponseCache {
    inner: Mutex<Inner>,
    /// Raised by every eviction and flush: an answer computed while one
    /// happened may hold what it evicted, so it is not kept.
    epoch: AtomicU64,
    budget: usize,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
    flushes: AtomicU64,
}

/// Bytes an entry costs beyond its key, body and tags: the entry, its index
/// slots and its place in the eviction queue, rounded up.
const ENTRY_OVERHEAD: usize = 256;

impl ResponseCache {
    pub fn new(budget: usize) -> ResponseCache {
        ResponseCache {
            inner: Mutex::default(),
            epoch: AtomicU64::new(0),
            budget,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
            flushes: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    pub fn get(&self, key: &Key) -> Option<Cached> {
        let found = self
            .inner
            .lock()
            .ok()
            .and_then(|inner| inner.map.get(key).map(|e| e.answer.clone()));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// The epoch to pass to [`put`](Self::put): read before executing.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Keeps an answer computed since `epoch`, unless an eviction or a flush
    /// came in between; evicts the oldest entries when the budget is full.
    pub fn put(&self, key: Key, answer: Cached, epoch: u64) {
        let cost = ENTRY_OVERHEAD
            + answer.body.len()
            + answer.tags.len() * (2 * std::mem::size_of::<Tag>() + 16);
        if cost > self.budget {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        // Under the lock: evictions raise the epoch under it too.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        inner.remove(&key);
        while inner.bytes + cost > self.budget {
            let Some((serial, old)) = inner.order.pop_front() else {
                break;
            };
            // Entries replaced or evicted since leave stale queue slots.
            if inner.map.get(&old).is_some_and(|e| e.serial == serial) {
                inner.remove(&old);
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
        inner.serial += 1;
        let serial = inner.serial;
        for tag in &answer.tags {
            inner.by_tag.entry(*tag).or_default().insert(key);
        }
        inner.order.push_back((serial, key));
        inner.bytes += cost;
        inner.map.insert(
            key,
            Entry {
                answer,
                cost,
                serial,
            },
        );
        // Stale queue slots are bounded by the live entries.
        if inner.order.len() > 2 * inner.map.len() + 64 {
            let Inner { order, map, .. } = &mut *inner;
            order.retain(|(s, k)| map.get(k).is_some_and(|e| e.serial == *s));
        }
    }

    /// Evicts every entry that holds one of these tags; how many it evicted.
    pub fn evict(&self, tags: &[Tag]) -> usize {
        let Ok(mut inner) = self.inner.lock() else {
            return 0;
        };
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.invalidations.fetch_add(1, Ordering::Relaxed);
        let keys: HashSet<Key> = tags
            .iter()
            .filter_map(|t| inner.by_tag.get(t))
            .flatten()
            .copied()
            .collect();
        for key in &keys {
            inner.remove(key);
        }
        keys.len()
    }

    /// Drops everything (a change may have been missed).
    pub fn flush(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            self.epoch.fetch_add(1, Ordering::AcqRel);
            *inner = Inner::default();
        }
        self.flushes.fetch_add(1, Ordering::Relaxed);
    }

    pub fn stats(&self) -> Stats {
        let (entries, bytes) = self
            .inner
            .lock()
            .map(|i| (i.map.len(), i.bytes))
            .unwrap_or_default();
        Stats {
            entries,
            bytes,
            budget: self.budget,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
            flushes: self.flushes.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Kind;

    fn answer(tags: Vec<Tag>, size: usize) -> Cached {
        Cached {
            body: axum::body::Bytes::from(vec![b'x'; size]),
            etags: [String::new(), String::new()],
            tags,
        }
    }

    #[test]
    fn documents_written_differently_share_a_key() {
        let a = "query Q($s: String!) {\n  country(slug: $s) { name, iso2 } # the page\n}";
        let b = "query Q($s: String!){ country(slug: $s) { name iso2 } }";
        assert_eq!(
            normalise(a),
            "query Q($s:String!){country(slug:$s){name iso2}}"
        );
        assert_eq!(normalise(b), normalise(a));
        // Strings keep their spaces, commas and hashes.
        assert_eq!(
            normalise(r#"{ search(query: "a,  b # c \" d") { x } }"#),
            r#"{search(query:"a,  b # c \" d"){x}}"#
        );
        assert_eq!(
            normalise("{ a(s: \"\"\"x,  \"y\"\n\"\"\") }"),
            "{a(s:\"\"\"x,  \"y\"\n\"\"\")}"
        );
        // Names and numbers that meet keep one space.
        assert_eq!(
            normalise("{ a(n: 1, m: 2) ... on T { b } }"),
            "{a(n:1 m:2)...on T{b}}"
        );
        assert_ne!(
            Key::new(a, None, "{}"),
            Key::new(a, None, r#"{"s":"peru"}"#)
        );
    }

    #[test]
    fn eviction_is_by_tag_and_the_budget_holds() {
        let cache = ResponseCache::new(4000);
        let peru = Tag::Item(Kind::Country, 1);
        let docs = Tag::List(Kind::Document);
        cache.put(
            Key::new("{ a }", None, ""),
            answer(vec![peru], 10),
            cache.epoch(),
        );
        cache.put(
            Key::new("{ b }", None, ""),
            answer(vec![docs], 10),
            cache.epoch(),
        );
        assert_eq!(cache.evict(&[peru]), 1);
        assert!(cache.get(&Key::new("{ a }", None, "")).is_none());
        assert!(cache.get(&Key::new("{ b }", None, "")).is_some());
        for i in 0..100 {
            let e = cache.epoch();
            cache.put(
                Key::new(&format!("{{ c{i} }}"), None, ""),
                answer(vec![docs], 100),
                e,
            );
            assert!(cache.stats().bytes <= 4000);
        }
        assert!(cache.stats().evictions > 0);
        assert!(cache.get(&Key::new("{ c99 }", None, "")).is_some());
        cache.flush();
        assert_eq!(cache.stats().entries, 0);
        // An answer computed across an eviction is not kept.
        let before = cache.epoch();
        cache.evict(&[peru]);
        cache.put(Key::new("{ d }", None, ""), answer(vec![docs], 10), before);
        assert!(cache.get(&Key::new("{ d }", None, "")).is_none());
    }
}
