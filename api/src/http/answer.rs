//! The last step of the pipeline: a GraphQL response becomes an HTTP answer,
//! with its status, `Cache-Control`, `ETag` and cache tags, and `Vary`; a
//! shareable answer is kept in the response cache.
use super::pipeline::{Audience, Exchange, Transport};
use super::response::{error_response, retry_after, Media};
use super::App;
use crate::content::tags::{header_value, Tags};
use crate::error::code;
use crate::response_cache::{Cached, Key};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Where the response cache keeps an answer: its key, and the cache's epoch
/// read before the request ran (an answer computed across an eviction is not
/// kept).
pub struct Store {
    pub key: Key,
    pub epoch: u64,
}

/// Whether an answer may be shared.
pub enum Share {
    /// A staff answer: `private, no-store`.
    Private,
    /// An anonymous mutation: `no-store`.
    NoStore,
    /// An anonymous query: when it succeeds, cacheable by browsers and CDNs
    /// over GET, and kept in the response cache when it has a place there.
    Public(Option<Store>),
}

/// What the execution step hands on.
pub struct Outcome {
    pub response: async_graphql::Response,
    /// The cache tags of the content the response holds.
    pub tags: Tags,
    pub share: Share,
}

impl Outcome {
    /// A request refused before it ran (its document did not parse or pass
    /// the limits): never shared.
    pub fn refused(response: async_graphql::Response, audience: Audience) -> Outcome {
        Outcome {
            response,
            tags: Tags::default(),
            share: match audience {
                Audience::Staff => Share::Private,
                Audience::Anyone => Share::NoStore,
            },
        }
    }
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

/// Step 9: the HTTP answer of an execution. A response without data failed as
/// a whole: the service's fault when the database was slow or away (whatever
/// the client accepts, so proxies and load balancers see it), else a request
/// error (parse, validation, limits).
pub fn answer(app: &App, ex: &Exchange, outcome: Outcome) -> Response {
    with_vary(http_answer(app, ex, outcome))
}

fn http_answer(app: &App, ex: &Exchange, outcome: Outcome) -> Response {
    let Outcome {
        response,
        tags,
        share,
    } = outcome;
    let failed = response.data == async_graphql::Value::Null && response.is_err();
    let status = match failed.then(|| first_code(&response)).flatten() {
        Some(code::SERVICE_UNAVAILABLE) => StatusCode::SERVICE_UNAVAILABLE,
        Some(code::TIMEOUT) => StatusCode::GATEWAY_TIMEOUT,
        Some(code::INTERNAL) => StatusCode::INTERNAL_SERVER_ERROR,
        _ if failed && ex.media == Media::GraphqlResponse => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let body = match serde_json::to_vec(&Sent::of(&response)) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a GraphQL response");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                "internal server error",
                ex.media,
            );
        }
    };
    match share {
        Share::Public(store) if status == StatusCode::OK && response.errors.is_empty() => {
            let cached = Arc::new(cacheable(app, ex, body, tags, store.is_some()));
            let resp = shared_answer(app, ex, &cached);
            if let Some(Store { key, epoch }) = store {
                app.state.responses.put(key, cached, epoch);
            }
            resp
        }
        share => unshared(ex, status, Body::from(body), &share),
    }
}

/// A successful anonymous answer with the headers a hit sends, built once.
/// Entity tags serve GETs, now or from the cache later.
fn cacheable(app: &App, ex: &Exchange, body: Vec<u8>, tags: Tags, stored: bool) -> Cached {
    let etags = if ex.transport == Transport::Get || stored {
        etags_of(&body)
    } else {
        std::array::from_fn(|_| HeaderValue::from_static(""))
    };
    let tags = tags.sorted();
    let max = app.state.config.cache_tag_max_bytes;
    let tag_headers = (!tags.is_empty())
        .then(|| {
            // Written once: no tag holds a comma, so Surrogate-Key's spaces
            // are Cache-Tag's commas replaced (the same fold).
            let commas = header_value(&tags, ',', max);
            let spaces = commas.replace(',', " ");
            Some([
                HeaderValue::from_str(&commas).ok()?,
                HeaderValue::from_str(&spaces).ok()?,
            ])
        })
        .flatten();
    Cached {
        etags,
        body: Bytes::from(body),
        tags,
        tag_headers,
    }
}

/// Answers other than successful anonymous queries are never stored: staff
/// answers (previews, editorial data) are `private, no-store`, the rest
/// `no-store`.
fn unshared(ex: &Exchange, status: StatusCode, body: Body, share: &Share) -> Response {
    let mut resp = (status, body).into_response();
    let control = match share {
        Share::Private => "private, no-store",
        Share::NoStore | Share::Public(_) => "no-store",
    };
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, ex.media.content_type());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(control));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp = retry_after(resp);
    }
    resp
}

/// A successful anonymous answer. Over GET: cacheable by browsers and CDNs, with
/// an `ETag` (304 when `If-None-Match` names it) and the cache tags of the
/// content in it. Over POST (not a cacheable request): `no-store`.
pub fn shared(app: &App, ex: &Exchange, answer: &Cached) -> Response {
    with_vary(shared_answer(app, ex, answer))
}

fn shared_answer(app: &App, ex: &Exchange, answer: &Cached) -> Response {
    if ex.transport == Transport::Post {
        let body = Body::from(answer.body.clone());
        return unshared(ex, StatusCode::OK, body, &Share::NoStore);
    }
    let etag = &answer.etags[ex.media.index()];
    let mut resp = if etag
        .to_str()
        .is_ok_and(|tag| super::response::not_modified(&ex.headers, tag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut resp = (StatusCode::OK, Body::from(answer.body.clone())).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, ex.media.content_type());
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

/// The weak entity tags of an answer, one per media type (in
/// [`Media::index`] order): the media type is part of the entity, so caches
/// that ignore `Vary` (or revalidate across it) cannot take one for the other.
fn etags_of(body: &[u8]) -> [HeaderValue; 2] {
    use sha2::Digest;
    Media::ALL.map(|media| {
        let mut hasher = sha2::Sha256::new();
        hasher.update(body);
        hasher.update([media.index() as u8]);
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

/// A GraphQL response as sent. A request error (the document did not parse,
/// validate or pass the limits: no error has a path) has no `data` entry at all,
/// as the GraphQL spec says; an execution that failed as a whole has `data: null`.
#[derive(serde::Serialize)]
struct Sent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> Sent<'a> {
    fn of(r: &'a async_graphql::Response) -> Sent<'a> {
        let request_error = r.data == async_graphql::Value::Null
            && !r.errors.is_empty()
            && r.errors.iter().all(|e| e.path.is_empty());
        Sent {
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
