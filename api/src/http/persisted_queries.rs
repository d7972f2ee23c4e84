//! Persisted queries. Apollo's automatic persisted queries (APQ): a client sends
//! `extensions.persistedQuery = {version: 1, sha256Hash}` without the query; an
//! unknown hash is `PERSISTED_QUERY_NOT_FOUND`, and the client sends the query
//! with its hash again, which this process then remembers (in a byte budget,
//! oldest first out). Over GET as over POST.
//!
//! Trusted documents: with `CMS_TRUSTED_DOCUMENTS=on`, anonymous clients may run
//! only documents an operator registered (`cms trusted-documents register`), by
//! hash or by their exact text; they cannot register new ones through APQ. Staff
//! tokens are unrestricted.
use crate::config::Switch;
use crate::error::{code, AppError};
use crate::persisted as trusted;
use crate::state::AppState;
use std::sync::Arc;

/// Why a request's document cannot run.
pub enum Refusal {
    /// The request's fault: an error with this code.
    Request { code: &'static str, message: String },
    /// The service's (the database away or slow).
    Fault(AppError),
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::Request {
            code,
            message: message.into(),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(err: AppError) -> Refusal {
        Refusal::Fault(err)
    }
}

/// The `persistedQuery` extension of a request, if it has one.
fn persisted_hash(request: &async_graphql::Request) -> Result<Option<String>, Refusal> {
    use async_graphql::Value;
    let Some(pq) = request.extensions.0.get("persistedQuery") else {
        return Ok(None);
    };
    let bad = |m: &str| Refusal::new(code::BAD_USER_INPUT, m);
    let Value::Object(pq) = pq else {
        return Err(bad("`extensions.persistedQuery` must be an object"));
    };
    match pq.get("version") {
        Some(Value::Number(n)) if n.as_i64() == Some(1) => {}
        _ => return Err(bad("`extensions.persistedQuery.version` must be 1")),
    }
    match pq.get("sha256Hash") {
        Some(Value::String(h)) if trusted::is_hash(h) => Ok(Some(h.clone())),
        _ => Err(bad(
            "`extensions.persistedQuery.sha256Hash` must be 64 lowercase hex digits",
        )),
    }
}

/// Fills in the document of a persisted query, registers an APQ one, and in
/// trusted mode refuses an anonymous document that is not registered.
pub async fn resolve(
    state: &AppState,
    request: &mut async_graphql::Request,
    anonymous: bool,
) -> Result<(), Refusal> {
    let restricted = anonymous && state.config.trusted_documents == Switch::On;
    let hash = persisted_hash(request)?;
    match hash {
        Some(hash) if request.query.is_empty() => {
            // A document this process remembers is the one of that hash,
            // trusted or not, so only a miss asks the database (in trusted
            // mode the registry alone counts: a removal applies at once).
            let remembered = if restricted {
                None
            } else {
                state.apq.get(&hash)
            };
            let found = match remembered {
                Some(doc) => Some(doc),
                None => trusted::find(&state.db, &hash).await?.map(Arc::from),
            };
            match found {
                Some(doc) => {
                    request.query = doc.to_string();
                    Ok(())
                }
                None => Err(Refusal::new(
                    code::PERSISTED_QUERY_NOT_FOUND,
                    "PersistedQueryNotFound",
                )),
            }
        }
        Some(hash) => {
            if trusted::hash_of(&request.query) != hash {
                return Err(Refusal::new(
                    code::BAD_USER_INPUT,
                    "`extensions.persistedQuery.sha256Hash` is not the SHA-256 of the query",
                ));
            }
            if restricted {
                return require_trusted(state, request, &hash).await;
            }
            state.apq.put(hash, &request.query);
            Ok(())
        }
        None if restricted => {
            require_trusted(state, request, &trusted::hash_of(&request.query)).await
        }
        None => Ok(()),
    }
}

/// A registered document, or one that only logs in (so staff can still get a
/// token in trusted mode).
async fn require_trusted(
    state: &AppState,
    request: &async_graphql::Request,
    hash: &str,
) -> Result<(), Refusal> {
    if trusted::find(&state.db, hash).await?.is_some() {
        return Ok(());
    }
    // Parsed to be looked at, not kept: refused documents must not push the
    // registered ones out of the document cache.
    if crate::query::logs_in_only(&crate::graphql::run::peek(state, &request.query)) {
        return Ok(());
    }
    Err(Refusal::new(
        code::FORBIDDEN,
        "this service runs registered documents only: send a trusted document's \
         `extensions.persistedQuery.sha256Hash` (or its exact text)",
    ))
}
