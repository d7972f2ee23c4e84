//! The transport step of the pipeline (`pipeline.rs`): GraphQL over HTTP as
//! POST with a JSON body or GET with query parameters (never a mutation), the
//! media type the client accepts, the body read within its deadline and size,
//! and the GraphQL request decoded from either; GraphiQL for browsers.
//! Transport errors are GraphQL-shaped JSON with an `extensions.code`, like
//! every other error.
use super::pipeline::{self, Exchange, Seen, Transport};
use super::response::{error_response, Media};
use super::App;
use crate::auth::ClientAddr;
use crate::error::{code, AppError};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use std::net::SocketAddr;
use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::atomic::Ordering;

/// The client's address: the connection's peer, or (behind a trusted proxy) the
/// last `X-Forwarded-For` entry, the one the proxy appended. Earlier entries are
/// whatever the client claimed and are ignored.
fn client_addr(
    app: &App,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
) -> ClientAddr {
    let peer = connect.map(|c| c.0 .0.ip());
    if !app.state.config.trust_forwarded_for {
        return ClientAddr(peer);
    }
    // The proxy appends to the last header line; a malformed last entry counts
    // as none (never fall back to an earlier, client-written entry).
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| forwarded_ip(last.trim()));
    ClientAddr(forwarded.or(peer))
}

/// An `X-Forwarded-For` entry: an address, possibly with a port
/// (`203.0.113.5:4711`, `[2001:db8::1]:443`) or in brackets.
fn forwarded_ip(entry: &str) -> Option<std::net::IpAddr> {
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| e.parse().ok())
        })
}

/// The bearer token of a request, if it sends one.
pub fn bearer(headers: &HeaderMap) -> Result<Option<&str>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| AppError::unauthenticated("malformed Authorization header"))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(AppError::unauthenticated(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

/// What a GraphQL request carried, not yet decoded.
pub enum Payload {
    /// A GET's query string as sent.
    Query(String),
    /// A POST's body.
    Body(Bytes),
    /// A multipart request (`uploads.rs`), decoded with its files.
    Decoded(Box<async_graphql::Request>),
}

/// The request context of a GraphQL request that has arrived.
fn arrive(
    app: &App,
    transport: Transport,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Exchange {
    Exchange {
        transport,
        media: Media::of(&headers),
        addr: client_addr(app, connect, &headers),
        headers,
        seen: Seen::New(None),
    }
}

/// POST /graphql with `{"query", "variables", "operationName"}`, or a GraphQL
/// multipart request (an upload, `uploads.rs`), which has deadlines of its own.
pub async fn post_handler(
    State(app): State<App>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ex = arrive(&app, Transport::Post, connect, headers);
    if super::uploads::is_multipart(&ex.headers) {
        return super::uploads::serve(&app, ex, body).await;
    }
    let timeout = std::time::Duration::from_millis(app.state.config.request_timeout_ms.max(1));
    match tokio::time::timeout(timeout, post_json(&app, ex, body)).await {
        Ok(resp) => resp,
        Err(_) => super::brakes::timed_out(),
    }
}

/// A POST with a JSON body, within the request timeout.
async fn post_json(app: &App, ex: Exchange, body: Body) -> Response {
    let app = app.clone();
    match read_body(&app, &ex, body).await {
        Continue(bytes) => pipeline::serve(&app, ex, Payload::Body(bytes)).await,
        Break(resp) => resp,
    }
}

/// A POST's body: declared as JSON, within `CMS_MAX_BODY_BYTES`, and all of
/// it within one deadline however it trickles in (tower-http's body timeout
/// restarts on every frame: a byte every few seconds kept a request alive for
/// ever). No execution slot is held meanwhile.
async fn read_body(app: &App, ex: &Exchange, body: Body) -> ControlFlow<Response, Bytes> {
    if !is_json(&ex.headers) {
        return Break(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            "a GraphQL POST needs `Content-Type: application/json`",
            ex.media,
        ));
    }
    let limit = app.state.config.max_body_bytes;
    let declared = ex
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Break(too_large(limit, ex.media));
    }
    let deadline = body_deadline(&app.state.config);
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Continue(bytes),
        Ok(Err(err)) => {
            use std::error::Error as _;
            let mut source = err.source();
            while let Some(e) = source {
                if e.is::<http_body_util::LengthLimitError>() {
                    return Break(too_large(limit, ex.media));
                }
                source = e.source();
            }
            // The client went away or broke the framing.
            Break(closing(error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "the request body could not be read",
                ex.media,
            )))
        }
        Err(_) => {
            app.state
                .traffic
                .body_timeouts_total
                .fetch_add(1, Ordering::Relaxed);
            // The rest of the body is never read: the connection ends here.
            Break(closing(error_response(
                StatusCode::REQUEST_TIMEOUT,
                code::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within {} ms",
                    deadline.as_millis()
                ),
                ex.media,
            )))
        }
    }
}

fn too_large(limit: usize, media: Media) -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        code::PAYLOAD_TOO_LARGE,
        &format!("the request body is larger than the limit of {limit} bytes"),
        media,
    )
}

/// The connection ends with this response.
pub fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Step 3: the GraphQL request a payload carries; 400 when it is none.
pub fn decode(ex: &Exchange, payload: Payload) -> ControlFlow<Response, async_graphql::Request> {
    let decoded = match payload {
        Payload::Body(bytes) => request_of_json(&bytes),
        Payload::Decoded(request) => Ok(*request),
        Payload::Query(raw) => PostBody::from_query_string(&raw)
            .and_then(PostBody::into_request)
            .map_err(|e| format!("invalid GraphQL GET request: {e}")),
    };
    match decoded {
        Ok(request) => Continue(request),
        Err(message) => Break(error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            &message,
            ex.media,
        )),
    }
}

/// The GraphQL request of a JSON body (a POST's, or a multipart request's
/// `operations`).
pub fn request_of_json(bytes: &[u8]) -> Result<async_graphql::Request, String> {
    serde_json::from_slice::<PostBody>(bytes)
        .map_err(|e| format!("the body is not a GraphQL request in JSON: {e}"))
        .and_then(PostBody::into_request)
}

/// How long a request body may take: `CMS_BODY_TIMEOUT_MS`, but always less
/// than the request timeout (a tenth less at most), so a slow sender gets its
/// 408 and loses its connection rather than the request timeout's 504.
pub fn body_deadline(config: &crate::config::Config) -> std::time::Duration {
    let request = config.request_timeout_ms.max(1);
    let below = request.saturating_sub((request / 10).max(1)).max(1);
    std::time::Duration::from_millis(config.body_timeout_ms.clamp(1, below))
}

/// The parameters of a GraphQL POST. A body without a `query` string is not a
/// GraphQL request (400), rather than an empty document.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostBody {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<async_graphql::Variables>,
    extensions: Option<async_graphql::Extensions>,
}

impl PostBody {
    /// The same parameters from a GET's query string (`variables` and
    /// `extensions` as JSON text); each at most once.
    fn from_query_string(raw: &str) -> Result<PostBody, String> {
        let mut body = PostBody {
            query: None,
            operation_name: None,
            variables: None,
            extensions: None,
        };
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let twice = || format!("`{key}` is given twice");
            match key.as_ref() {
                "query" if body.query.is_none() => body.query = Some(value.into_owned()),
                "operationName" if body.operation_name.is_none() => {
                    body.operation_name = Some(value.into_owned())
                }
                "variables" if body.variables.is_none() => {
                    let v = serde_json::from_str(&value)
                        .map_err(|e| format!("`variables` is not a JSON object: {e}"))?;
                    body.variables = Some(v);
                }
                "extensions" if body.extensions.is_none() => {
                    let v = serde_json::from_str(&value)
                        .map_err(|e| format!("`extensions` is not a JSON object: {e}"))?;
                    body.extensions = Some(v);
                }
                "query" | "operationName" | "variables" | "extensions" => return Err(twice()),
                _ => {}
            }
        }
        Ok(body)
    }

    fn into_request(self) -> Result<async_graphql::Request, String> {
        // A persisted query may come by its hash alone.
        let persisted = self
            .extensions
            .as_ref()
            .is_some_and(|e| e.0.contains_key("persistedQuery"));
        let query = match self.query {
            Some(q) => q,
            None if persisted => String::new(),
            None => return Err("the request has no `query` string".into()),
        };
        let mut request = async_graphql::Request::new(query);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables {
            request = request.variables(variables);
        }
        if let Some(extensions) = self.extensions {
            request.extensions = extensions;
        }
        Ok(request)
    }
}

/// Is the request body declared as JSON (`application/json`, any parameters)?
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// GET /graphql: GraphiQL for browsers, else a query in the URL. Mutations are
/// refused (405): a GET must never change data.
pub async fn get_handler(
    State(app): State<App>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let ex = arrive(&app, Transport::Get, connect, headers);
    match query_string(&app, &ex, query) {
        Continue(raw) => pipeline::serve(&app, ex, Payload::Query(raw)).await,
        Break(resp) => resp,
    }
}

/// A GET's query string, when it holds a GraphQL request within the size
/// limit; GraphiQL for a browser that asks for none.
fn query_string(app: &App, ex: &Exchange, query: Option<String>) -> ControlFlow<Response, String> {
    let has_query = query.as_deref().is_some_and(|q| {
        q.split('&')
            .any(|p| p.starts_with("query=") || p.starts_with("extensions="))
    });
    if !has_query {
        let accepts_html = ex
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        if accepts_html {
            return Break(super::graphiql::page());
        }
        return Break(error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "missing `query` parameter",
            ex.media,
        ));
    }
    let raw = query.unwrap_or_default();
    if raw.len() > app.state.config.max_body_bytes {
        return Break(error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::PAYLOAD_TOO_LARGE,
            "the query string is larger than the request size limit",
            ex.media,
        ));
    }
    Continue(raw)
}

#[cfg(test)]
mod tests {
    use super::forwarded_ip;

    #[test]
    fn a_body_always_gets_less_time_than_its_request() {
        let mut config = crate::config::Config::defaults();
        let ms = |c: &crate::config::Config| super::body_deadline(c).as_millis();
        assert_eq!(ms(&config), 5_000);
        config.request_timeout_ms = 5_000;
        assert_eq!(ms(&config), 4_500);
        config.body_timeout_ms = 60_000;
        assert_eq!(ms(&config), 4_500);
        config.request_timeout_ms = 1;
        assert_eq!(ms(&config), 1);
    }

    #[test]
    fn forwarded_entries_with_ports_and_brackets_are_addresses() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().ok();
        assert_eq!(forwarded_ip("203.0.113.5"), ip("203.0.113.5"));
        assert_eq!(forwarded_ip("203.0.113.5:4711"), ip("203.0.113.5"));
        assert_eq!(forwarded_ip("2001:db8::1"), ip("2001:db8::1"));
        assert_eq!(forwarded_ip("[2001:db8::1]:443"), ip("2001:db8::1"));
        assert_eq!(forwarded_ip("[2001:db8::1]"), ip("2001:db8::1"));
        assert_eq!(forwarded_ip("unknown"), None);
        assert_eq!(forwarded_ip(""), None);
    }
}
