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

/// The media type of an answer, negotiated from `Accept` by [`Media::of`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// `application/json`: request errors are 200s, as the GraphQL over HTTP
    /// spec says for clients that may predate the new type.
    Json,
    /// `application/graphql-response+json`: request errors are 4xx.
    GraphqlResponse,
}

impl Media {
    /// Each media type, in [`Media::index`] order.
    pub const ALL: [Media; 2] = [Media::Json, Media::GraphqlResponse];

    /// The client's preference: the GraphQL response media type only when its
    /// `Accept` names `application/graphql-response+json` above
    /// `application/json` and `*/*` (by `q`, then by order). No `Accept`, `*/*`
    /// or `application/json` get `application/json`.
    pub fn of(headers: &HeaderMap) -> Media {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Media::Json;
        };
        let mut best: Option<(f32, Media)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let media = if name.eq_ignore_ascii_case(GRAPHQL_RESPONSE) {
                Media::GraphqlResponse
            } else if ["application/json", "application/*", "*/*"]
                .iter()
                .any(|m| name.eq_ignore_ascii_case(m))
            {
                Media::Json
            } else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, media));
            }
        }
        best.map_or(Media::Json, |(_, media)| media)
    }

    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        })
    }

    /// Its place among a cached answer's entity tags (`Cached::etags`).
    pub fn index(self) -> usize {
        match self {
            Media::Json => 0,
            Media::GraphqlResponse => 1,
        }
    }
}

/// A GraphQL-shaped error response for failures before execution: the request
/// was not a well-formed GraphQL-over-HTTP request (or the service failed), so the
/// status says so whatever media type the client takes.
pub fn error_response(status: StatusCode, code: &str, message: &str, media: Media) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A request error of a well-formed request (its document cannot run): 400 for
/// clients of the GraphQL response type, 200 for `application/json` ones, as the
/// GraphQL over HTTP spec says.
pub fn request_error(code: &str, message: &str, media: Media) -> Response {
    let status = match media {
        Media::GraphqlResponse => StatusCode::BAD_REQUEST,
        Media::Json => StatusCode::OK,
    };
    error_response(status, code, message, media)
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
pub fn fault(err: &AppError, media: Media) -> Response {
    let message = err.public_message();
    match err {
        AppError::Unavailable(_) => retry_after(error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            code::SERVICE_UNAVAILABLE,
            &message,
            media,
        )),
        AppError::Timeout(_) => {
            error_response(StatusCode::GATEWAY_TIMEOUT, code::TIMEOUT, &message, media)
        }
        _ => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL,
            "internal server error",
            media,
        ),
    }
}
