//! Persisted documents, by the SHA-256 of their text: the trusted documents an
//! operator registered (`cms trusted-documents register`, in the database, so
//! every process shares them), and the automatic persisted queries (APQ) one
//! process remembers. The protocol is in `http::persisted_queries`.
use crate::bounded::Bounded;
use crate::db::{exec, Db};
use crate::error::{AppError, AppResult};
use std::sync::Arc;

/// The lowercase hex SHA-256 of a document's text: what clients send as
/// `extensions.persistedQuery.sha256Hash`.
pub fn hash_of(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Is this a well-formed hash (64 lowercase hex digits)?
pub fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A registered document.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct Trusted {
    pub hash: String,
    /// Its operations' names, comma-separated (`-` for an anonymous one).
    pub name: String,
    pub document: String,
}

/// A document to register: it must parse and hold at least one operation.
pub fn prepare(text: &str) -> AppResult<Trusted> {
    let doc = async_graphql::parser::parse_query(text)
        .map_err(|e| AppError::bad_input(format!("the document does not parse: {e}")))?;
    let names: Vec<String> = doc
        .operations
        .iter()
        .map(|(name, _)| name.map_or_else(|| "-".to_string(), |n| n.to_string()))
        .collect();
    if names.is_empty() {
        return Err(AppError::bad_input("the document has no operation"));
    }
    Ok(Trusted {
        hash: hash_of(text),
        name: names.join(","),
        document: text.to_string(),
    })
}

/// Registers documents, all or none (one transaction); one already registered
/// stays as it is.
pub async fn register(db: &Db, docs: &[Trusted]) -> AppResult<()> {
    use sea_orm::TransactionTrait;
    let txn = db.conn.begin().await?;
    let now = chrono::Utc::now();
    for doc in docs {
        let mut sql = db.sql();
        sql.push("INSERT INTO trusted_documents (hash, name, document, created_at) VALUES (")
            .bind(doc.hash.clone())
            .push(", ")
            .bind(doc.name.clone())
            .push(", ")
            .bind(doc.document.clone())
            .push(", ")
            .bind(now)
            .push(") ON CONFLICT (hash) DO NOTHING");
        exec(&txn, sql).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The registered document with this hash.
pub async fn find(db: &Db, hash: &str) -> AppResult<Option<String>> {
    if !is_hash(hash) {
        return Ok(None);
    }
    let mut sql = db.sql();
    sql.push("SELECT hash, name, document FROM trusted_documents WHERE hash = ")
        .bind(hash.to_string());
    Ok(db
        .all_as::<Trusted>(sql)
        .await?
        .into_iter()
        .next()
        .map(|t| t.document))
}

/// Every registered document, by hash.
pub async fn list(db: &Db) -> AppResult<Vec<Trusted>> {
    let mut sql = db.sql();
    sql.push("SELECT hash, name, document FROM trusted_documents ORDER BY hash");
    db.all_as::<Trusted>(sql).await
}

/// Removes a registered document; whether there was one.
pub async fn remove(db: &Db, hash: &str) -> AppResult<bool> {
    let mut sql = db.sql();
    sql.push("DELETE FROM trusted_documents WHERE hash = ")
        .bind(hash.to_string());
    Ok(exec(&db.conn, sql).await? > 0)
}

/// The APQ documents a process remembers, within a byte budget (hashes sent
/// once and never again go first).
pub struct ApqStore(Bounded<String, Arc<str>>);

/// Bytes an entry costs beyond its hash and text: the text's Arc header, and
/// the cache's entry (key, value, cost, queue links) with its index slot,
/// counted twice for the table's spare room.
const APQ_ENTRY_OVERHEAD: usize = 16 + 2 * (24 + 24 + 24 + 8);

/// What an entry typically costs (a partner query of a kilobyte or two).
const APQ_TYPICAL_BYTES: usize = 2048;

impl ApqStore {
    pub fn new(budget: usize) -> ApqStore {
        ApqStore(Bounded::new(budget, APQ_TYPICAL_BYTES))
    }

    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.0.get(hash)
    }

    pub fn put(&self, hash: String, doc: &str) {
        // The hash with its String, the text with its Arc, the entry.
        let cost = hash.len() + std::mem::size_of::<String>() + doc.len() + APQ_ENTRY_OVERHEAD;
        self.0.put(hash, Arc::from(doc), cost);
    }

    /// Entries and bytes held (for `/metrics`).
    pub fn size(&self) -> (usize, usize) {
        self.0.size()
    }
}

#[cfg(test)]
mod tests {
    use super::ApqStore;

    #[test]
    fn apq_entries_are_charged_their_copies_of_the_hash_not_only_the_text() {
        // Tiny documents under 64-character hashes: what an entry really holds
        // is mostly the hash (twice) and the map's slot.
        let store = ApqStore::new(1000);
        for i in 0..10 {
            store.put(format!("{i:064}"), "{a}");
        }
        let (entries, bytes) = store.size();
        assert!(bytes <= 1000, "{bytes}");
        assert!(entries <= 3, "{entries} entries of 1000 bytes' budget");
        assert!(
            store.get(&format!("{:064}", 9)).is_some(),
            "the newest is kept"
        );
    }
}
