//! A request's GraphQL document: parsed once (or found among the documents
//! parsed before), measured against the limits ([`limits`]), and what the
//! pipeline asks of it (is it a mutation, does it only log in). Below the
//! schema and the state: it knows the text of a document, not its types.
pub mod limits;

use crate::bounded::Bounded;
use crate::error::code;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::ServerError;
use limits::{coded, framework_limit, measure, text_nesting, QueryLimits, Shape, MAX_TEXT_NESTING};
use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A document as parsed, with its expanded size.
pub struct Parsed {
    pub doc: ExecutableDocument,
    pub shape: Shape,
    /// The (operation name, variables) it passed validation with, as keyed
    /// hashes, the newest last.
    validated: Mutex<VecDeque<u64>>,
}

/// Passes remembered per document: a partner query is run with a few sets of
/// variables (slugs, pages, search words); others are validated each time.
const VALIDATED_PER_DOCUMENT: usize = 32;

impl Parsed {
    pub fn passed(&self, key: u64) -> bool {
        self.validated.lock().is_ok_and(|v| v.contains(&key))
    }

    pub fn pass(&self, key: u64) {
        if let Ok(mut v) = self.validated.lock() {
            if !v.contains(&key) {
                if v.len() == VALIDATED_PER_DOCUMENT {
                    v.pop_front();
                }
                v.push_back(key);
            }
        }
    }
}

/// What a request's document is: parsed, or the parse error to report.
pub type Document = Result<Arc<Parsed>, ServerError>;

/// Documents parsed before, by their exact text, within a byte budget: partner
/// sites send the same few queries again and again. The hasher of validation
/// keys is seeded per process, so no client can aim at another's key.
pub struct Documents {
    kept: Bounded<Arc<str>, Arc<Parsed>>,
    seed: RandomState,
    /// Texts parsed (not found among those parsed before), for `/metrics`
    /// and the tests that hold a request to one parse.
    parses: AtomicU64,
}

/// Bytes charged per selection of the document: a field's node (name, alias,
/// positions, argument, directive and selection vectors) with its name's
/// allocation is about 200 bytes, whatever the length of its text (`{ a a a }`
/// is two bytes a field).
const TREE_BYTES_PER_NODE: usize = 256;
/// Per byte of text: argument values and names held beside the nodes, and the
/// text itself (the key).
const TREE_BYTES_PER_TEXT_BYTE: usize = 4;
const ENTRY_OVERHEAD: usize = 512 + VALIDATED_PER_DOCUMENT * 8;
/// What an entry typically costs: a partner query of fifty selections.
const TYPICAL_ENTRY_BYTES: usize = 16 << 10;

impl Documents {
    /// At most `budget` bytes (0: every request parses its document).
    pub fn new(budget: usize) -> Documents {
        Documents {
            kept: Bounded::new(budget, TYPICAL_ENTRY_BYTES),
            seed: RandomState::new(),
            parses: AtomicU64::new(0),
        }
    }

    /// Entries and bytes held (for `/metrics`).
    pub fn size(&self) -> (usize, usize) {
        self.kept.size()
    }

    /// Texts parsed since the start.
    pub fn parses(&self) -> u64 {
        self.parses.load(Ordering::Relaxed)
    }

    /// The key a validation pass is remembered by: the operation and the
    /// variables' JSON, hashed with this process's seed.
    pub fn pass_key(&self, operation: Option<&str>, variables: &[u8]) -> u64 {
        self.seed.hash_one((operation, variables))
    }

    /// A document parsed before, by its exact text.
    pub fn get(&self, query: &str) -> Option<Arc<Parsed>> {
        self.kept.get(query)
    }

    /// Parses a document's text, once its brackets are known to nest within
    /// [`MAX_TEXT_NESTING`], and measures it (not kept: see
    /// [`keep`](Self::keep)).
    pub fn parse(&self, query: &str) -> Document {
        self.parses.fetch_add(1, Ordering::Relaxed);
        parse(query)
    }

    /// Keeps a document parsed now for the next requests, when it is within
    /// the limits: refused ones would push out the partner queries for
    /// nothing.
    pub fn keep(&self, query: &str, parsed: &Arc<Parsed>, limits: &QueryLimits) {
        let cache = &self.kept;
        if !cache.enabled() || limits.check_shape(parsed.shape).is_err() {
            return;
        }
        let nodes = usize::try_from(parsed.shape.nodes).unwrap_or(usize::MAX);
        let cost = nodes
            .saturating_mul(TREE_BYTES_PER_NODE)
            .saturating_add(query.len().saturating_mul(TREE_BYTES_PER_TEXT_BYTE))
            .saturating_add(ENTRY_OVERHEAD);
        cache.put(Arc::from(query), parsed.clone(), cost);
    }

    /// The parsed document of a query text: from the cache, or parsed now and
    /// kept (see [`keep`](Self::keep)).
    pub fn lookup(&self, query: &str, limits: &QueryLimits) -> Document {
        if let Some(parsed) = self.get(query) {
            return Ok(parsed);
        }
        let parsed = self.parse(query)?;
        self.keep(query, &parsed, limits);
        Ok(parsed)
    }
}

fn parse(query: &str) -> Document {
    if text_nesting(query, MAX_TEXT_NESTING) > MAX_TEXT_NESTING {
        return Err(coded(
            ServerError::new(
                format!("the document nests brackets more than {MAX_TEXT_NESTING} deep"),
                None,
            ),
            code::QUERY_TOO_COMPLEX,
        ));
    }
    let doc = async_graphql::parser::parse_query(query).map_err(|err| {
        let err = ServerError::from(err);
        let code = if framework_limit(&err.message) {
            code::QUERY_TOO_COMPLEX
        } else {
            code::BAD_USER_INPUT
        };
        coded(err, code)
    })?;
    Ok(Arc::new(Parsed {
        shape: measure(&doc),
        doc,
        validated: Mutex::default(),
    }))
}

/// The operations of a document the request would run: the named one, or all
/// (a document without a name to pick by has a single operation, or fails).
pub fn selected<'a>(
    doc: &'a ExecutableDocument,
    operation: Option<&'a str>,
) -> impl Iterator<Item = OperationType> + 'a {
    doc.operations
        .iter()
        .filter(move |(name, _)| match (operation, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        })
        .map(|(_, op)| op.node.ty)
}

/// Whether the operation a request selects is a mutation (never cached, never
/// over GET, its variables never remembered).
pub fn is_mutation(doc: &ExecutableDocument, operation: Option<&str>) -> bool {
    selected(doc, operation).any(|ty| ty == OperationType::Mutation)
}

/// Whether a document only logs in: mutations whose root fields are all `login`
/// (or `__typename`), and no named fragments. What trusted-documents mode lets
/// through unregistered, so staff can still get a token; any other document an
/// anonymous client sends there must be registered.
pub fn logs_in_only(doc: &ExecutableDocument) -> bool {
    let mut ops = doc.operations.iter().peekable();
    doc.fragments.is_empty()
        && ops.peek().is_some()
        && ops.all(|(_, op)| {
            op.node.ty == OperationType::Mutation
                && op.node.selection_set.node.items.iter().all(|item| {
                    matches!(&item.node, Selection::Field(f)
                        if matches!(f.node.name.node.as_str(), "login" | "__typename"))
                })
        })
}
