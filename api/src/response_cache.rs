//! The response cache: successful answers to anonymous queries, kept in the
//! process, keyed by the normalised document, the operation name and the
//! variables (the locale is an argument, so it is in one of them), and bounded in
//! bytes. Each entry keeps the cache tags of its content; a public change evicts
//! exactly the entries that hold one of the change's tags (the item, the lists it
//! could join), so editing a working copy evicts nothing. Changes made by other
//! processes arrive through `invalidation` (PostgreSQL's LISTEN/NOTIFY, or
//! SQLite's public generation), which flushes everything when it may have missed
//! one.
use crate::bounded::{Bounded, Charged};
use crate::content::tags::Tag;
use axum::http::HeaderValue;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What one tag of an answer costs in the tag index: its entry in the tag's
/// set (a 32-byte key and the set's spare room) and its share of the tag's
/// own entry.
const TAG_INDEX_BYTES: usize = 80;

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
            normalised(query.as_bytes()).as_slice(),
            operation.unwrap_or("\u{0}").as_bytes(),
            variables.as_bytes(),
        ] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        Key(hasher.finalize().into())
    }
}

/// A document's text without the whitespace, commas and comments outside
/// strings that GraphQL ignores between tokens (one space stays where two names
/// or numbers meet), so that the same query written differently shares one
/// entry.
pub fn normalise(query: &str) -> String {
    let bytes = normalised(query.as_bytes());
    // Only ASCII bytes are dropped or added, between whole characters.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`normalise`] on the UTF-8 bytes: every byte GraphQL ignores is ASCII (or the
/// byte-order mark), and no byte of a multi-byte character is ASCII, so the
/// text is scanned byte by byte and copied in runs.
fn normalised(q: &[u8]) -> Vec<u8> {
    const BOM: &[u8] = "\u{feff}".as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::with_capacity(q.len());
    let mut gap = false;
    let mut i = 0;
    while i < q.len() {
        let b = q[i];
        match b {
            b'"' => {
                // Two strings in a row keep a space: `"" "a" ""` is three
                // tokens, `"""a"""` one.
                if gap && out.last() == Some(&b'"') {
                    out.push(b' ');
                }
                gap = false;
                let end = if q[i..].starts_with(b"\"\"\"") {
                    // A block string runs to the next `"""` not escaped as
                    // `\"""` (its only escape).
                    let mut j = i + 3;
                    loop {
                        match q[j..].iter().position(|&c| c == b'"') {
                            None => break q.len(),
                            Some(k) => {
                                j += k;
                                if !q[j..].starts_with(b"\"\"\"") {
                                    j += 1;
                                } else if q[j - 1] == b'\\' {
                                    j += 3;
                                } else {
                                    break j + 3;
                                }
                            }
                        }
                    }
                } else {
                    // A string runs to the next `"` not escaped by `\`.
                    let mut j = i + 1;
                    loop {
                        match q[j..].iter().position(|&c| c == b'"' || c == b'\\') {
                            None => break q.len(),
                            Some(k) if q[j + k] == b'"' => break j + k + 1,
                            Some(k) => j += k + 2,
                        }
                        if j >= q.len() {
                            break q.len();
                        }
                    }
                };
                out.extend_from_slice(&q[i..end]);
                i = end;
                continue;
            }
            b'#' => {
                i = q[i..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .map_or(q.len(), |k| i + k);
                gap = true;
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b',' => gap = true,
            _ if q[i..].starts_with(BOM) => {
                gap = true;
                i += BOM.len();
                continue;
            }
            _ => {
                if gap && word(b) && out.last().copied().is_some_and(word) {
                    out.push(b' ');
                }
                gap = false;
                out.push(b);
            }
        }
        i += 1;
    }
    out
}

/// A cached answer: the body as sent, its two entity tags (one per media type,
/// as `http::answer` computes them, by `http::response::Media::index`) and its cache tags, with the header values
/// a hit sends built once.
#[derive(Debug)]
pub struct Cached {
    pub body: axum::body::Bytes,
    pub etags: [HeaderValue; 2],
    pub tags: Vec<Tag>,
    /// `Cache-Tag` and `Surrogate-Key` (none for an answer without tags).
    pub tag_headers: Option<[HeaderValue; 2]>,
}

/// What the entries' cache reports of an insertion: the answers it evicted
/// for room, to be dropped from the tag index.
#[derive(Clone, Copy, Default)]
struct Evictions;

impl quick_cache::Lifecycle<Key, Charged<Arc<Cached>>> for Evictions {
    type RequestState = Vec<(Key, Arc<Cached>)>;

    fn on_evict(&self, evicted: &mut Self::RequestState, key: Key, entry: Charged<Arc<Cached>>) {
        evicted.push((key, entry.value));
    }
}

/// Which entries hold each tag.
#[derive(Default)]
struct Index(HashMap<Tag, HashSet<Key>>);

impl Index {
    fn add(&mut self, key: Key, tags: &[Tag]) {
        for tag in tags {
            self.0.entry(*tag).or_default().insert(key);
        }
    }

    fn drop_key(&mut self, key: &Key, tags: &[Tag]) {
        for tag in tags {
            if let Some(keys) = self.0.get_mut(tag) {
                keys.remove(key);
                if keys.is_empty() {
                    self.0.remove(tag);
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

/// The SHA-256 of a GET's query string exactly as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Alias([u8; 32]);

impl Alias {
    pub fn of(raw_query: &str) -> Alias {
        use sha2::Digest;
        Alias(sha2::Sha256::digest(raw_query.as_bytes()).into())
    }
}

/// The cache (budget 0: off).
pub struct ResponseCache {
    /// The answers, bounded in bytes (what is never read again goes first).
    entries: Bounded<Key, Arc<Cached>, Evictions>,
    /// The tag index, whose lock also orders insertions, evictions and
    /// flushes (lookups go to `entries` alone).
    index: Mutex<Index>,
    /// The keys of GET query strings seen before (a sixteenth of the
    /// budget): the same URL again finds its answer without decoding and
    /// normalising the request. A query string always means the same request,
    /// so these outlive evictions and flushes.
    aliases: Bounded<Alias, Key>,
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

/// What an entry typically costs (a country page's answer).
const TYPICAL_ENTRY_BYTES: usize = 8 << 10;

/// Bytes an alias costs: its two hashes, its entry and index slot, with the
/// table's spare room.
const ALIAS_COST: usize = 160;

impl ResponseCache {
    pub fn new(budget: usize) -> ResponseCache {
        ResponseCache {
            entries: Bounded::new(budget - budget / 16, TYPICAL_ENTRY_BYTES),
            index: Mutex::default(),
            aliases: Bounded::new(budget / 16, ALIAS_COST),
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

    /// The key a GET query string was found to have before.
    pub fn aliased(&self, alias: &Alias) -> Option<Key> {
        self.aliases.get(alias)
    }

    /// Remembers the key of a GET query string.
    pub fn alias(&self, alias: Alias, key: Key) {
        self.aliases.put(alias, key, ALIAS_COST);
    }

    pub fn get(&self, key: &Key) -> Option<Arc<Cached>> {
        let found = self.entries.get(key);
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
    /// came in between; answers not read lately make room when the budget is
    /// full.
    pub fn put(&self, key: Key, answer: Arc<Cached>, epoch: u64) {
        let headers = answer
            .etags
            .iter()
            .chain(answer.tag_headers.iter().flatten());
        let cost = ENTRY_OVERHEAD
            + answer.body.len()
            + headers.map(HeaderValue::len).sum::<usize>()
            + answer.tags.len() * TAG_INDEX_BYTES;
        // A poisoned lock (a panic under it; none is known) still guards the
        // index: lookups go on without it, so the index must stay kept.
        let mut index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        // Under the lock: evictions raise the epoch under it too.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if let Some(old) = self.entries.remove(&key) {
            index.drop_key(&key, &old.tags);
        }
        let mut evicted = Vec::new();
        let mut kept = self
            .entries
            .put_with(key, answer.clone(), cost, &mut evicted);
        for (old, gone) in &evicted {
            if *old == key {
                // Refused: larger than the cache takes.
                kept = false;
                continue;
            }
            index.drop_key(old, &gone.tags);
            self.evictions.fetch_add(1, Ordering::Relaxed);
        }
        if kept {
            index.add(key, &answer.tags);
        }
    }

    /// Evicts every entry that holds one of these tags; how many it evicted.
    pub fn evict(&self, tags: &[Tag]) -> usize {
        let mut index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.invalidations.fetch_add(1, Ordering::Relaxed);
        let keys: HashSet<Key> = tags
            .iter()
            .filter_map(|t| index.0.get(t))
            .flatten()
            .copied()
            .collect();
        for key in &keys {
            if let Some(gone) = self.entries.remove(key) {
                index.drop_key(key, &gone.tags);
            }
        }
        keys.len()
    }

    /// Drops everything (a change may have been missed).
    pub fn flush(&self) {
        let mut index = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
        *index = Index::default();
        self.flushes.fetch_add(1, Ordering::Relaxed);
    }

    pub fn stats(&self) -> Stats {
        let (entries, bytes) = self.entries.size();
        Stats {
            entries,
            bytes: bytes + self.aliases.size().1,
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

    fn answer(tags: Vec<Tag>, size: usize) -> Arc<Cached> {
        Arc::new(Cached {
            body: axum::body::Bytes::from(vec![b'x'; size]),
            etags: [HeaderValue::from_static("a"), HeaderValue::from_static("b")],
            tags,
            tag_headers: None,
        })
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
        // An escaped `"""` does not end a block string.
        assert_eq!(
            normalise("{ a(s: \"\"\"x \\\"\"\"  y\"\"\", t: \"\\\\\") }"),
            "{a(s:\"\"\"x \\\"\"\"  y\"\"\"t:\"\\\\\")}"
        );
        // Only GraphQL's ignored characters go: a no-break space is not one
        // (that document does not parse, and must not share a valid one's key).
        assert_eq!(normalise("{ a\u{a0}b }"), "{a\u{a0}b}");
        assert_eq!(normalise("\u{feff}{ a , b }"), "{a b}");
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
