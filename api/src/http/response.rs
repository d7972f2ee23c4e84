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

/// Does the client prefer the GraphQL response media type? Only when its
/// `Accept` names `application/graphql-response+json` above `application/json`
/// and `*/*` (by `q`, then by order). No `Accept`, `*/*` or `application/json`
/// get `application/json`, as the GraphQL over HTTP spec says for clients that
/// may predate the new type. Request errors then get 4xx statuses under the new
/// type and 200 under `application/json`.
pub fn wants_graphql_response(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut best: Option<(f32, bool)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let modern = if media.eq_ignore_ascii_case(GRAPHQL_RESPONSE) {
            true
        } else if ["application/json", "application/*", "*/*"]
            .iter()
            .any(|m| media.eq_ignore_ascii_case(m))
        {
            false
        } else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, modern));
        }
    }
    best.is_some_and(|(_, modern)| modern)
}

pub fn content_type(modern: bool) -> HeaderValue {
    HeaderValue::from_static(if modern {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    })
}

/// A GraphQL-shaped error response for failures before execution: the request
/// was not a well-formed GraphQL-over-HTTP request (or the service failed), so the
/// status says so whatever media type the client takes.
pub fn error_response(status: StatusCode, code: &str, message: &str, modern: bool) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, content_type(modern));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A request error of a well-formed request (its document cannot run): 400 for
/// clients of the GraphQL response type, 200 for `application/json` ones, as the
/// GraphQL over HTTP spec says.
pub fn request_error(code: &str, message: &str, modern: bool) -> Response {
    let status = if modern {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    error_response(status, code, message, modern)
}

/// Does the request's `If-None-Match` name this entity tag (weak comparison, as
/// GET revalidation uses), or `*`?
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == ours || tag == "*")
        })
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
