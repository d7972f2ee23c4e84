//! GraphQL over HTTP: POST with a JSON body, GET with query parameters (never a
//! mutation), GraphiQL for browsers. Transport errors are GraphQL-shaped JSON with an
//! `extensions.code`, like every other error.
use super::persisted_queries::{self, Refusal};
use super::response::{
    content_type, error_response, fault, request_error, retry_after, wants_graphql_response,
};
use super::App;
use crate::auth::{ClientAddr, Viewer};
use crate::content::tags::{header_value, Tags};
use crate::error::code;
use crate::error::AppError;
use crate::response_cache::{Alias, Cached, Key};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::net::SocketAddr;
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
pub(super) fn bearer(headers: &HeaderMap) -> Result<Option<&str>, AppError> {
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

/// Who is asking: no header is anonymous; a header with a bad, expired or forged
/// token is 401 (never a silent downgrade to anonymous).
async fn authenticate(app: &App, headers: &HeaderMap, modern: bool) -> Result<Viewer, Response> {
    let fail = |err: AppError| match err {
        AppError::Unauthenticated(_) => {
            let mut resp = error_response(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                &err.public_message(),
                modern,
            );
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            resp
        }
        // The user lookup met a database that is away or slow (503, 504), or
        // something else went wrong (500).
        err => {
            if let AppError::Internal(detail) = &err {
                tracing::error!(error = %detail, "authentication failed");
            } else {
                tracing::warn!(error = %err, "authentication: database fault");
            }
            fault(&err, modern)
        }
    };
    match bearer(headers) {
        Ok(None) => Ok(Viewer::Anonymous),
        Ok(Some(token)) => crate::users::viewer_of(&app.state, token)
            .await
            .map_err(fail),
        Err(e) => Err(fail(e)),
    }
}

async fn execute(
    app: &App,
    request: async_graphql::Request,
    headers: &HeaderMap,
    addr: ClientAddr,
    modern: bool,
    method: Method,
    seen: Seen,
) -> Response {
    app.state
        .traffic
        .graphql_requests_total
        .fetch_add(1, Ordering::Relaxed);
    // An execution slot, now that the whole request is here; none free is 503
    // at once rather than a queue of requests that would time out anyway.
    let Ok(_slot) = app.slots.try_acquire() else {
        app.state
            .traffic
            .refused_total
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!("request refused: too many in flight");
        return fault(&AppError::Unavailable(String::new()), modern);
    };
    let _in_flight = crate::traffic::Held::enter(&app.state.traffic.graphql_in_flight);
    let viewer = match authenticate(app, headers, modern).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let anonymous = viewer.actor().is_none();
    let mut request = request;
    if let Err(refusal) = persisted_queries::resolve(&app.state, &mut request, anonymous).await {
        return match refusal {
            Refusal::Request { code, message } => request_error(code, &message, modern),
            Refusal::Fault(err) => fault(&err, modern),
        };
    }
    // Anonymous queries may be answered from the response cache.
    let responses = &app.state.responses;
    // Looked up before the document is parsed here: only queries are ever
    // stored, so a hit is a query, and a mutation's key finds nothing.
    let key = (anonymous && responses.enabled()).then(|| {
        let variables = serde_json::to_string(&request.variables).unwrap_or_default();
        Key::new(
            &request.query,
            request.operation_name.as_deref(),
            &variables,
        )
    });
    if let (Some(key), Seen::New(Some(alias))) = (key, seen) {
        responses.alias(alias, key);
    }
    if let Some(key) = key.as_ref().filter(|_| !matches!(seen, Seen::Missed)) {
        // A failed check only skips the cache; the execution reports the fault.
        let fresh = app.state.freshness.check(&app.state.db, responses).await;
        if let Some(hit) = matches!(fresh, Ok(true))
            .then(|| responses.get(key))
            .flatten()
        {
            return with_vary(anonymous_answer(app, headers, &hit, modern, method));
        }
    }
    // On a miss: a persisted query's document is known only after `resolve`;
    // mutations never run over GET and are never cached.
    let document = crate::graphql::run::document(&app.state, &request.query);
    let mutation = crate::query::is_mutation(&document, request.operation_name.as_deref());
    if mutation && method == Method::Get {
        let mut resp = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            code::BAD_USER_INPUT,
            "mutations are only accepted over POST",
            modern,
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return resp;
    }
    let key = key.filter(|_| !mutation);
    let epoch = responses.epoch();
    let tags = Tags::default();
    let mut request = crate::graphql::prepare(&app.state, request, viewer, addr, tags.clone());
    if let Ok(Some(token)) = bearer(headers) {
        request = request.data(crate::users::Bearer(token.to_string()));
    }
    let response = crate::graphql::run::run(&app.schema, &app.state, request, document).await;
    // A response without data failed as a whole: the service's fault when the
    // database was slow or away (whatever the client accepts, so proxies and
    // load balancers see it), else a request error (parse, validation, limits).
    let failed = response.data == async_graphql::Value::Null && response.is_err();
    let status = match failed.then(|| first_code(&response)).flatten() {
        Some(code::SERVICE_UNAVAILABLE) => StatusCode::SERVICE_UNAVAILABLE,
        Some(code::TIMEOUT) => StatusCode::GATEWAY_TIMEOUT,
        Some(code::INTERNAL) => StatusCode::INTERNAL_SERVER_ERROR,
        _ if failed && modern => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let body = match serde_json::to_vec(&Answer::of(&response)) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a GraphQL response");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                "internal server error",
                modern,
            );
        }
    };
    if anonymous && !mutation && status == StatusCode::OK && response.errors.is_empty() {
        // Entity tags serve GETs, now or from the cache later.
        let etags = if method == Method::Get || key.is_some() {
            etags_of(&body)
        } else {
            std::array::from_fn(|_| HeaderValue::from_static(""))
        };
        let tags = tags.sorted();
        let max = app.state.config.cache_tag_max_bytes;
        let tag_headers = (!tags.is_empty())
            .then(|| {
                // Written once: no tag holds a comma, so Surrogate-Key's
                // spaces are Cache-Tag's commas replaced (the same fold).
                let commas = header_value(&tags, ',', max);
                let spaces = commas.replace(',', " ");
                Some([
                    HeaderValue::from_str(&commas).ok()?,
                    HeaderValue::from_str(&spaces).ok()?,
                ])
            })
            .flatten();
        let cached = std::sync::Arc::new(Cached {
            etags,
            body: Bytes::from(body),
            tags,
            tag_headers,
        });
        let resp = anonymous_answer(app, headers, &cached, modern, method);
        if let Some(key) = key {
            responses.put(key, cached, epoch);
        }
        return with_vary(resp);
    }
    let mut resp = (status, Body::from(body)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, content_type(modern));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, private_or_no_store(anonymous));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp = retry_after(resp);
    }
    with_vary(resp)
}

/// Every GraphQL answer, 304s included (the compression layer would add
/// accept-encoding to compressible bodies only).
fn with_vary(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("accept, authorization, accept-encoding"),
    );
    resp
}

/// The weak entity tags of an answer, for `application/json` and for the
/// GraphQL response type: the media type is part of the entity, so caches that
/// ignore `Vary` (or revalidate across it) cannot take one for the other.
fn etags_of(body: &[u8]) -> [HeaderValue; 2] {
    use sha2::Digest;
    [false, true].map(|modern| {
        let mut hasher = sha2::Sha256::new();
        hasher.update(body);
        hasher.update([u8::from(modern)]);
        let mut tag = String::with_capacity(36);
        tag.push_str("W/\"");
        for b in &hasher.finalize()[..16] {
            tag.push_str(&format!("{b:02x}"));
        }
        tag.push('"');
        // Hex digits in quotes: always a valid header value.
        HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("W/\"\""))
    })
}

/// How a GraphQL request arrived: only GET answers may be cached.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// Answers other than successful anonymous GETs are never stored: staff answers
/// (previews, editorial data) are `private, no-store`, the rest `no-store`.
fn private_or_no_store(anonymous: bool) -> HeaderValue {
    HeaderValue::from_static(if anonymous {
        "no-store"
    } else {
        "private, no-store"
    })
}

/// A successful anonymous answer. Over GET: cacheable by browsers and CDNs, with
/// an `ETag` (304 when `If-None-Match` names it) and the cache tags of the
/// content in it. Over POST (not a cacheable request): `no-store`.
fn anonymous_answer(
    app: &App,
    request_headers: &HeaderMap,
    answer: &Cached,
    modern: bool,
    method: Method,
) -> Response {
    if method == Method::Post {
        let mut resp = (StatusCode::OK, Body::from(answer.body.clone())).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, content_type(modern));
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, private_or_no_store(true));
        return resp;
    }
    let etag = &answer.etags[usize::from(modern)];
    let mut resp = if etag
        .to_str()
        .is_ok_and(|tag| super::response::not_modified(request_headers, tag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut resp = (StatusCode::OK, Body::from(answer.body.clone())).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, content_type(modern));
        resp
    };
    let out = resp.headers_mut();
    out.insert(header::ETAG, etag.clone());
    out.insert(header::CACHE_CONTROL, app.public_cache_control.clone());
    if let Some([tag, key]) = &answer.tag_headers {
        out.insert("cache-tag", tag.clone());
        out.insert("surrogate-key", key.clone());
    }
    resp
}

/// A GraphQL response as sent. A request error (the document did not parse,
/// validate or pass the limits: no error has a path) has no `data` entry at all,
/// as the GraphQL spec says; an execution that failed as a whole has `data: null`.
#[derive(serde::Serialize)]
struct Answer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> Answer<'a> {
    fn of(r: &'a async_graphql::Response) -> Answer<'a> {
        let request_error = r.data == async_graphql::Value::Null
            && !r.errors.is_empty()
            && r.errors.iter().all(|e| e.path.is_empty());
        Answer {
            data: (!request_error).then_some(&r.data),
            errors: &r.errors,
            extensions: &r.extensions,
        }
    }
}

/// The code of a response's first error that names a service fault.
fn first_code(response: &async_graphql::Response) -> Option<&'static str> {
    response.errors.iter().find_map(|e| {
        let code = e.extensions.as_ref()?.get("code")?;
        [code::SERVICE_UNAVAILABLE, code::TIMEOUT, code::INTERNAL]
            .into_iter()
            .find(|c| *code == async_graphql::Value::from(*c))
    })
}

/// POST /graphql with `{"query", "variables", "operationName"}`.
pub async fn post_handler(
    State(app): State<App>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let addr = client_addr(&app, connect, &headers);
    let modern = wants_graphql_response(&headers);
    if !is_json(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            "a GraphQL POST needs `Content-Type: application/json`",
            modern,
        );
    }
    let limit = app.state.config.max_body_bytes;
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::PAYLOAD_TOO_LARGE,
            &format!("the request body is larger than the limit of {limit} bytes"),
            modern,
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return too_large();
    }
    // One deadline for the whole body, however it trickles in (tower-http's
    // body timeout restarts on every frame: a byte every few seconds kept a
    // request alive for ever). No execution slot is held meanwhile.
    let deadline = body_deadline(&app.state.config);
    let bytes: Bytes = match tokio::time::timeout(deadline, axum::body::to_bytes(body, limit)).await
    {
        Ok(Ok(b)) => b,
        Ok(Err(err)) => {
            use std::error::Error as _;
            let mut source = err.source();
            while let Some(e) = source {
                if e.is::<http_body_util::LengthLimitError>() {
                    return too_large();
                }
                source = e.source();
            }
            // The client went away or broke the framing.
            let mut resp = error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "the request body could not be read",
                modern,
            );
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return resp;
        }
        Err(_) => {
            app.state
                .traffic
                .body_timeouts_total
                .fetch_add(1, Ordering::Relaxed);
            let mut resp = error_response(
                StatusCode::REQUEST_TIMEOUT,
                code::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within {} ms",
                    deadline.as_millis()
                ),
                modern,
            );
            // The rest of the body is never read: the connection ends here.
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return resp;
        }
    };
    let request = match serde_json::from_slice::<PostBody>(&bytes)
        .map_err(|e| format!("the body is not a GraphQL request in JSON: {e}"))
        .and_then(PostBody::into_request)
    {
        Ok(r) => r,
        Err(message) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                &message,
                modern,
            );
        }
    };
    execute(
        &app,
        request,
        &headers,
        addr,
        modern,
        Method::Post,
        Seen::New(None),
    )
    .await
}

/// How long a request body may take: `CMS_BODY_TIMEOUT_MS`, but always less
/// than the request timeout (a tenth less at most), so a slow sender gets its
/// 408 and loses its connection rather than the request timeout's 504.
fn body_deadline(config: &crate::config::Config) -> std::time::Duration {
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
    let addr = client_addr(&app, connect, &headers);
    let modern = wants_graphql_response(&headers);
    let accepts_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let has_query = query.as_deref().is_some_and(|q| {
        q.split('&')
            .any(|p| p.starts_with("query=") || p.starts_with("extensions="))
    });
    if !has_query {
        if accepts_html {
            return super::graphiql::page();
        }
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "missing `query` parameter",
            modern,
        );
    }
    let raw = query.unwrap_or_default();
    if raw.len() > app.state.config.max_body_bytes {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::PAYLOAD_TOO_LARGE,
            "the query string is larger than the request size limit",
            modern,
        );
    }
    let seen = match cached_get(&app, &headers, &raw, modern).await {
        Ok(hit) => return hit,
        Err(seen) => seen,
    };
    let request = match PostBody::from_query_string(&raw).and_then(PostBody::into_request) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("invalid GraphQL GET request: {e}");
            return error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                &message,
                modern,
            );
        }
    };
    execute(&app, request, &headers, addr, modern, Method::Get, seen).await
}

/// What the GET fast path found before a request is executed.
#[derive(Clone, Copy)]
enum Seen {
    /// A query string not seen before (with the alias to remember for it,
    /// when it may have one), or a POST.
    New(Option<Alias>),
    /// Seen before, and the response cache had no fresh answer: not asked
    /// again.
    Missed,
}

/// A repeated anonymous GET, answered from the response cache by its query
/// string alone when that string was seen before (no decoding, parsing or
/// normalising). Not in trusted-documents mode, where every request is checked
/// against the registered documents, which an operator may remove.
async fn cached_get(
    app: &App,
    headers: &HeaderMap,
    raw: &str,
    modern: bool,
) -> Result<Response, Seen> {
    let responses = &app.state.responses;
    if !responses.enabled()
        || headers.contains_key(header::AUTHORIZATION)
        || app.state.config.trusted_documents == crate::config::Switch::On
    {
        return Err(Seen::New(None));
    }
    let alias = Alias::of(raw);
    let Some(key) = responses.aliased(&alias) else {
        return Err(Seen::New(Some(alias)));
    };
    // A failed check falls through to the execution, which reports the fault.
    let fresh = app.state.freshness.check(&app.state.db, responses).await;
    match matches!(fresh, Ok(true))
        .then(|| responses.get(&key))
        .flatten()
    {
        Some(hit) => {
            app.state
                .traffic
                .graphql_requests_total
                .fetch_add(1, Ordering::Relaxed);
            Ok(with_vary(anonymous_answer(
                app,
                headers,
                &hit,
                modern,
                Method::Get,
            )))
        }
        None => Err(Seen::Missed),
    }
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
