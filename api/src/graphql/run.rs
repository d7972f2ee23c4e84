//! Executing a request: its document parsed once (or found among the documents
//! parsed before) and measured against the limits, then run by async-graphql
//! without any extension installed, then its answer's fields put in document
//! order and its errors coded ([`QueryLimits::finish`]).
use super::CmsSchema;
use crate::error::code;
use crate::query::limits::{coded, QueryLimits};
use crate::query::{selected, Document};
use crate::state::AppState;
use async_graphql::parser::types::OperationType;
use async_graphql::{IntrospectionMode, Request, Response, ServerError, Value};

/// The parsed document of a query text, kept for the next requests when it is
/// within the limits.
pub fn document(state: &AppState, query: &str) -> Document {
    state
        .documents
        .lookup(query, &QueryLimits::of(&state.config), true)
}

/// As [`document`], but a document parsed now is not kept.
pub fn peek(state: &AppState, query: &str) -> Document {
    state
        .documents
        .lookup(query, &QueryLimits::of(&state.config), false)
}

/// Runs a request whose document is already known (see [`document`]).
pub async fn run(
    schema: &CmsSchema,
    state: &AppState,
    mut request: Request,
    document: Document,
) -> Response {
    let limits = QueryLimits::of(&state.config);
    let refused = |err: ServerError| limits.finish(Response::from_errors(vec![err]));
    let parsed = match document {
        Ok(p) => p,
        Err(err) => return refused(err),
    };
    // Said, not silently answered with `null` (async-graphql's way).
    if request.introspection_mode == IntrospectionMode::Disabled && parsed.shape.introspects {
        return refused(coded(
            ServerError::new("introspection is available to staff only here", None),
            code::FORBIDDEN,
        ));
    }
    if let Err(err) = limits.check_shape(parsed.shape) {
        return refused(err);
    }
    request.set_parsed_query(parsed.doc.clone());
    let operation = request.operation_name.clone();
    // Variables in their JSON form: a map, so in one order whatever the client
    // sent, and one form per value as long as variables arrive as JSON (an enum
    // and a string would print alike, but JSON has no enums). Mutations are
    // always validated: nothing of their variables (a password) is kept.
    let mutation =
        selected(&parsed.doc, operation.as_deref()).any(|t| t == OperationType::Mutation);
    let key = serde_json::to_vec(&request.variables)
        .ok()
        .filter(|_| !mutation)
        .map(|vars| state.documents.pass_key(operation.as_deref(), &vars));
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
        super::order::reorder(&mut resp.data, &parsed.doc, operation.as_deref());
    }
    limits.finish(resp)
}

/// Parses (or finds) the request's document and runs it.
pub async fn execute(schema: &CmsSchema, state: &AppState, request: Request) -> Response {
    let document = document(state, &request.query);
    run(schema, state, request, document).await
}
