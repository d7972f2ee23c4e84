//! The responses the HTTP layer writes itself, before or around GraphQL
//! execution: GraphQL-shaped errors with an `extensions.code`, in the media type
//! the client accepts, and the service faults (503, 504, 500).
use crate::error::{code, AppError};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Seconds a refused client is told to wait.
pub const RETRY_AFTER_SECONDS: u64 = 1;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Does the client accept the GraphQL response media type? (Then request errors
/// get 4xx statuses, as the GraphQL over HTTP spec says; legacy `application/json`
/// clients get 200.)
pub fn wants_graphql_response(headers: &HeaderMap) -> bool {
    match headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(accept) => {
            accept.contains(GRAPHQL_RESPONSE)
                || accept.contains("*/*") && !accept.contains("application/json")
        }
    }
}

pub fn content_type(modern: bool) -> HeaderValue {
    HeaderValue::from_static(if modern {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    })
}

/// A GraphQL-shaped error response for failures before execution.
pub fn error_response(status: StatusCode, code: &str, message: &str, modern: bool) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let status = if modern
        || status == StatusCode::PAYLOAD_TOO_LARGE
        || status == StatusCode::METHOD_NOT_ALLOWED
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        status
    } else {
        StatusCode::OK
    };
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, content_type(modern));
    resp
}

/// Tells the client when to come back (every 503 carries it).
pub fn retry_after(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    resp
}

/// The response of a service fault before or around execution: SERVICE_UNAVAILABLE
/// (503, `Retry-After`), TIMEOUT (504) or INTERNAL (500), with the public message
/// only.
pub fn fault(err: &AppError, modern: bool) -> Response {
    let message = err.public_message();
    match err {
        AppError::Unavailable(_) => retry_after(error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            code::SERVICE_UNAVAILABLE,
            &message,
            modern,
        )),
        AppError::Timeout(_) => {
            error_response(StatusCode::GATEWAY_TIMEOUT, code::TIMEOUT, &message, modern)
        }
        _ => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL,
            "internal server error",
            modern,
        ),
    }
}
