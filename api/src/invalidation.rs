//! Public changes, announced to every process's response cache. A change the
//! public can see names its cache tags (the item, its type's lists, the nested
//! lists it hangs under before and after, search). In the transaction that
//! commits it, PostgreSQL gets a `NOTIFY` on [`CHANNEL`] (delivered at commit,
//! to every listening process) and SQLite a raised public generation; the
//! process that made the change evicts at once, after its commit.
//!
//! Each process listens ([`listen`]): on PostgreSQL a dedicated connection
//! receives the notifications, and when it is lost and comes back the cache is
//! flushed, since notifications sent meanwhile are lost. On SQLite a cache hit is
//! served only while the public generation is the one the cache knows
//! ([`Freshness::check`]); another value means another process changed
//! something, and the cache is flushed.
use crate::content::tags::Tag;
use crate::content::Kind;
use crate::db::{Db, Sql};
use crate::error::AppResult;
use crate::response_cache::ResponseCache;
use sea_orm::{ConnectionTrait, DbBackend};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "cms_public";

/// A payload that flushes everything (an import).
const FLUSH: &str = "flush";

/// The tags a public change of an item touches: the item, its type's lists, the
/// nested lists under the items it refers to (before and after), and search.
pub fn change_tags(kind: Kind, id: i32, refs: impl IntoIterator<Item = (Kind, i32)>) -> Vec<Tag> {
    let mut tags = vec![Tag::Item(kind, id), Tag::List(kind)];
    if kind.searched().is_some() {
        tags.push(Tag::Search);
    }
    for (parent, parent_id) in refs {
        tags.push(Tag::Under(parent, parent_id, kind));
    }
    tags.sort_unstable();
    tags.dedup();
    tags
}

fn payload(tags: &[Tag]) -> String {
    let mut out = String::from("tags:");
    for (i, t) in tags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&t.to_string());
    }
    out
}

/// A public change, as the process that made it applies it to its own cache
/// once committed.
#[derive(Debug, Default)]
pub struct PublicChange {
    pub tags: Vec<Tag>,
    /// SQLite: the public generation the change raised to.
    generation: Option<i64>,
}

impl PublicChange {
    /// Evicts what the change touched from this process's cache; on SQLite, the
    /// cache then knows the new generation, unless another process changed
    /// something in between (then its next check flushes).
    pub fn apply(&self, cache: &ResponseCache, freshness: &Freshness) {
        if self.tags.is_empty() {
            return;
        }
        cache.evict(&self.tags);
        if let Some(g) = self.generation {
            let _ = freshness
                .seen
                .compare_exchange(g - 1, g, Ordering::AcqRel, Ordering::Acquire);
        }
    }
}

/// Announces a public change in the transaction that commits it. `tags: None`
/// flushes every cache (an import).
pub async fn announce<C: ConnectionTrait>(
    conn: &C,
    tags: Option<&[Tag]>,
) -> AppResult<PublicChange> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    let mut change = PublicChange {
        tags: tags.map(<[Tag]>::to_vec).unwrap_or_default(),
        generation: None,
    };
    match backend {
        DbBackend::Postgres => {
            // NOTIFY's payload is at most 8000 bytes; a change with more tags
            // than fit flushes instead.
            let text = tags.map(payload).filter(|p| p.len() < 7900);
            sql.push("SELECT pg_notify('cms_public', ")
                .bind(text.unwrap_or_else(|| FLUSH.to_string()))
                .push(")");
            crate::db::exec(conn, sql).await?;
        }
        _ => {
            sql.push(
                "UPDATE content_generation SET public_generation = public_generation + 1 \
                 WHERE id = 1 RETURNING public_generation",
            );
            let rows = crate::db::query(conn, sql).await?;
            if let Some(r) = rows.first() {
                change.generation = Some(r.try_get("", "public_generation")?);
            }
        }
    }
    Ok(change)
}

/// Parses a notification's payload into the tags it names (`None`: flush).
fn parse(payload: &str) -> Option<Vec<Tag>> {
    let list = payload.strip_prefix("tags:")?;
    list.split(',').map(Tag::parse).collect()
}

/// Whether the response cache may serve: what the SQLite cache was filled at,
/// and whether the PostgreSQL listener is listening.
#[derive(Debug, Default)]
pub struct Freshness {
    seen: AtomicI64,
    listening: AtomicBool,
    /// SQLite: the generation reads, shared by the hits waiting for one.
    reads: SharedRead,
}

impl Freshness {
    /// On SQLite, the public generation must be the one the cache knows (else
    /// it is flushed and the new one kept). On PostgreSQL the listener must be
    /// listening: while it is away, changes would go unheard, so the cache is
    /// not used at all.
    pub async fn check(&self, db: &Db, cache: &ResponseCache) -> AppResult<bool> {
        if db.backend() == DbBackend::Postgres {
            return Ok(self.listening.load(Ordering::Acquire));
        }
        // Under the read's lock: a hit that shares this read waits until the
        // flush it calls for is done.
        self.reads
            .run(public_generation(db), |now| {
                let seen = self.seen.swap(now, Ordering::AcqRel);
                if seen != now {
                    cache.flush();
                    return false;
                }
                true
            })
            .await
    }

    /// Is the PostgreSQL listener listening now?
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }
}

/// One read at a time, shared by every caller that arrived before it started:
/// under load, the hits waiting together share one generation read instead of
/// each sending its own, and none is answered by a read that started before it
/// arrived (a change committed before a request arrives is always seen).
#[derive(Debug, Default)]
struct SharedRead {
    /// Reads started so far.
    started: std::sync::atomic::AtomicU64,
    /// The number of the last read that finished, and what it read.
    last: tokio::sync::Mutex<(u64, i64)>,
}

impl SharedRead {
    /// The outcome of `then` on a value read after the call began: the last
    /// read's, when it started after this call, else a new one's (`read`,
    /// dropped unpolled when not needed). `then` runs under the lock.
    async fn run<T>(
        &self,
        read: impl std::future::Future<Output = AppResult<i64>>,
        then: impl FnOnce(i64) -> T,
    ) -> AppResult<T> {
        let arrived = self.started.load(Ordering::SeqCst);
        let mut last = self.last.lock().await;
        if last.0 <= arrived {
            let number = self.started.fetch_add(1, Ordering::SeqCst) + 1;
            // A failed read leaves the last one as it was: later callers read
            // again.
            *last = (number, read.await?);
        }
        Ok(then(last.1))
    }
}

async fn public_generation(db: &Db) -> AppResult<i64> {
    let mut sql = db.sql();
    sql.push("SELECT public_generation FROM content_generation WHERE id = 1");
    let rows = db.all(sql).await?;
    Ok(match rows.first() {
        Some(r) => r.try_get("", "public_generation")?,
        None => 0,
    })
}

/// Listens for every process's changes (PostgreSQL), on a connection of its
/// own: evicts what each names, and flushes when the connection was lost (the
/// cache is not used until it listens again). Runs until the process ends.
pub fn listen(url: &str, cache: Arc<ResponseCache>, freshness: Arc<Freshness>) {
    if !url.starts_with("postgres") {
        return;
    }
    let url = url.to_string();
    tokio::spawn(async move {
        use sea_orm::sqlx::postgres::PgListener;
        let pause = |backoff: &mut std::time::Duration| {
            let wait = *backoff;
            *backoff = (*backoff * 2).min(std::time::Duration::from_secs(5));
            tokio::time::sleep(wait)
        };
        let mut backoff = std::time::Duration::from_millis(100);
        loop {
            freshness.listening.store(false, Ordering::Release);
            let mut listener = match PgListener::connect(&url).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::debug!(error = %e, "response cache: cannot listen for changes yet");
                    pause(&mut backoff).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::debug!(error = %e, "response cache: LISTEN failed");
                pause(&mut backoff).await;
                continue;
            }
            backoff = std::time::Duration::from_millis(100);
            // Whatever changed before LISTEN took effect was not heard.
            cache.flush();
            freshness.listening.store(true, Ordering::Release);
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => match parse(n.payload()) {
                        Some(tags) => {
                            cache.evict(&tags);
                        }
                        None => cache.flush(),
                    },
                    // The connection was lost and is back (LISTEN again):
                    // notifications sent meanwhile are gone.
                    Ok(None) => cache.flush(),
                    Err(e) => {
                        tracing::warn!(error = %e, "response cache: listener lost; not caching until it is back");
                        freshness.listening.store(false, Ordering::Release);
                        cache.flush();
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn callers_share_a_read_that_started_after_they_arrived() {
        let shared = Arc::new(SharedRead::default());
        let reads = Arc::new(std::sync::atomic::AtomicI64::new(0));
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let read = |gate: Option<tokio::sync::oneshot::Receiver<()>>| {
            let reads = reads.clone();
            async move {
                if let Some(gate) = gate {
                    let _ = gate.await;
                }
                Ok(reads.fetch_add(1, Ordering::SeqCst) + 1)
            }
        };
        // The first read is held open; five callers arrive while it runs.
        let first = tokio::spawn({
            let shared = shared.clone();
            let read = read(Some(held));
            async move { shared.run(read, |g| g).await }
        });
        while shared.started.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let waiting: Vec<_> = (0..5)
            .map(|_| {
                let shared = shared.clone();
                let read = read(None);
                tokio::spawn(async move { shared.run(read, |g| g).await })
            })
            .collect();
        // Let them all arrive and queue for the lock.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let _ = release.send(());
        assert_eq!(first.await.ok().and_then(Result::ok), Some(1));
        for w in waiting {
            // Not the read that was running when they arrived: the next one,
            // shared by all five.
            assert_eq!(w.await.ok().and_then(Result::ok), Some(2));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        // A caller arriving after that reads again.
        let later = shared.run(read(None), |g| g).await.ok();
        assert_eq!(later, Some(3));
    }

    #[test]
    fn payloads_name_the_tags_of_a_change() {
        let tags = change_tags(
            Kind::Document,
            7,
            [(Kind::Country, 3), (Kind::Programme, 2)],
        );
        let text = payload(&tags);
        assert_eq!(
            text,
            "tags:Document:7,Documents,Country:3/Documents,Programme:2/Documents,Search"
        );
        assert_eq!(parse(&text), Some(tags));
        assert_eq!(parse(FLUSH), None);
        assert_eq!(parse("tags:Nonsense:1"), None);
    }
}
