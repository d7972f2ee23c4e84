//! The persisted-documents step of the pipeline (`pipeline::persisted`), the
//! one place the protocol lives; the registry and the APQ store are
//! `crate::persisted`.
//!
//! Apollo's automatic persisted queries (APQ): a client sends
//! `extensions.persistedQuery = {version: 1, sha256Hash}` without the query; an
//! unknown hash is `PERSISTED_QUERY_NOT_FOUND`, and the client sends the query
//! with its hash again, which this process then remembers (in a byte budget;
//! hashes not sent again go first). Over GET as over POST.
//!
//! Trusted documents: with `CMS_TRUSTED_DOCUMENTS=on`, anonymous clients may run
//! only documents an operator registered (`cms trusted-documents register`), by
//! hash or by their exact text; they cannot register new ones through APQ. Staff
//! tokens are unrestricted.
use super::pipeline::Audience;
use crate::config::Switch;
use crate::error::{code, AppError};
use crate::persisted as trusted;
use crate::query::Parsed;
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

/// Why a document may run.
pub enum Trust {
    /// Trusted mode is off, the client is staff, or the document is
    /// registered: the next steps parse it (or find it parsed).
    Granted,
    /// An anonymous client's unregistered document in trusted mode that only
    /// logs in (so staff can still get a token): parsed here to be looked at,
    /// and handed on so that no later step parses it again.
    LoginOnly(Arc<Parsed>),
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
    audience: Audience,
) -> Result<Trust, Refusal> {
    let restricted = audience == Audience::Anyone && state.config.trusted_documents == Switch::On;
    match persisted_hash(request)? {
        Some(hash) if request.query.is_empty() => {
            // A document this process remembers is the one of that hash,
            // trusted or not, so only a miss asks the database (in trusted
            // mode the registry alone counts: a removal applies at once).
            let remembered = (!restricted).then(|| state.apq.get(&hash)).flatten();
            let found = match remembered {
                Some(doc) => Some(doc),
                None => trusted::find(&state.db, &hash).await?.map(Arc::from),
            };
            let doc = found.ok_or_else(|| {
                Refusal::new(code::PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound")
            })?;
            request.query = doc.to_string();
            Ok(Trust::Granted)
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
            Ok(Trust::Granted)
        }
        None if restricted => {
            require_trusted(state, request, &trusted::hash_of(&request.query)).await
        }
        None => Ok(Trust::Granted),
    }
}

/// A registered document, or one that only logs in (so staff can still get a
/// token in trusted mode).
async fn require_trusted(
    state: &AppState,
    request: &async_graphql::Request,
    hash: &str,
) -> Result<Trust, Refusal> {
    if trusted::find(&state.db, hash).await?.is_some() {
        return Ok(Trust::Granted);
    }
    // Parsed here, once, and kept in the document cache only if it passes:
    // refused documents must not push the registered ones out.
    let text = &request.query;
    let parsed = match state.documents.get(text) {
        Some(parsed) => Ok(parsed),
        None => state.documents.parse(text),
    };
    match parsed {
        Ok(parsed) if crate::query::logs_in_only(&parsed.doc) => {
            let limits = crate::query::limits::QueryLimits::of(&state.config);
            state.documents.keep(text, &parsed, &limits);
            Ok(Trust::LoginOnly(parsed))
        }
        _ => Err(Refusal::new(
            code::FORBIDDEN,
            "this service runs registered documents only: send a trusted document's \
             `extensions.persistedQuery.sha256Hash` (or its exact text)",
        )),
    }
}
