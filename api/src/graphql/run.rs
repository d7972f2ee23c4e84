//! Executing a request: its document parsed once (or found among the documents
//! parsed before) and measured against the limits ([`Operation`], [`check`]),
//! then run by async-graphql without any extension installed, then its
//! answer's fields put in document order and its errors coded
//! ([`QueryLimits::finish`]). The HTTP pipeline calls these steps one by one
//! (`http::pipeline`); [`execute`] chains them for tests and tools.
use super::CmsSchema;
use crate::error::code;
use crate::query::limits::{coded, QueryLimits};
use crate::query::{is_mutation, Parsed};
use crate::state::AppState;
use async_graphql::{IntrospectionMode, Request, Response, ServerError, Value};
use std::sync::Arc;

/// A request's document as the execution needs it: parsed, and whether the
/// operation the request selects is a mutation (decided here, once).
pub struct Operation {
    parsed: Arc<Parsed>,
    mutation: bool,
}

impl Operation {
    /// The operation `name` (or the only one) of a parsed document.
    pub fn of(parsed: Arc<Parsed>, name: Option<&str>) -> Operation {
        let mutation = is_mutation(&parsed.doc, name);
        Operation { parsed, mutation }
    }

    /// Mutations are never cached, never run over GET, and their variables
    /// (a password) are never remembered.
    pub fn is_mutation(&self) -> bool {
        self.mutation
    }
}

/// The limits a prepared request is held to before it runs: introspection
/// only for whom it is open to (said, not silently answered with `null`, as
/// async-graphql would), and the document's measured shape.
pub fn check(
    state: &AppState,
    request: &Request,
    operation: &Operation,
) -> Result<(), ServerError> {
    if request.introspection_mode == IntrospectionMode::Disabled
        && operation.parsed.shape.introspects
    {
        return Err(coded(
            ServerError::new("introspection is available to staff only here", None),
            code::FORBIDDEN,
        ));
    }
    QueryLimits::of(&state.config).check_shape(operation.parsed.shape)
}

/// The answer to a request refused before it ran: its error, coded.
pub fn refused(state: &AppState, err: ServerError) -> Response {
    QueryLimits::of(&state.config).finish(Response::from_errors(vec![err]))
}

/// Runs a request whose document passed [`check`].
pub async fn run(
    schema: &CmsSchema,
    state: &AppState,
    mut request: Request,
    operation: Operation,
) -> Response {
    let Operation { parsed, mutation } = operation;
    request.set_parsed_query(parsed.doc.clone());
    let name = request.operation_name.clone();
    // Variables in their JSON form: a map, so in one order whatever the client
    // sent, and one form per value as long as variables arrive as JSON (an enum
    // and a string would print alike, but JSON has no enums). Mutations are
    // always validated: nothing of their variables (a password) is kept.
    let key = serde_json::to_vec(&request.variables)
        .ok()
        .filter(|_| !mutation)
        .map(|vars| state.documents.pass_key(name.as_deref(), &vars));
    let passed = key.is_some_and(|k| parsed.passed(k));
    let mut resp = if passed {
        schema.fast.execute(request).await
    } else {
        schema.strict.execute(request).await
    };
    // Only an answer with data was validated and executed.
    if resp.data != Value::Null {
        if let (false, Some(k)) = (passed, key) {
            parsed.pass(k);
        }
        super::order::reorder(&mut resp.data, &parsed.doc, name.as_deref());
    }
    QueryLimits::of(&state.config).finish(resp)
}

/// Parses (or finds) a prepared request's document, checks it and runs it.
pub async fn execute(schema: &CmsSchema, state: &AppState, request: Request) -> Response {
    let limits = QueryLimits::of(&state.config);
    let operation = match state.documents.lookup(&request.query, &limits) {
        Ok(parsed) => Operation::of(parsed, request.operation_name.as_deref()),
        Err(err) => return refused(state, err),
    };
    if let Err(err) = check(state, &request, &operation) {
        return refused(state, err);
    }
    run(schema, state, request, operation).await
}
