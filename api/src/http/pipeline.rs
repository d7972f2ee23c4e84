//! One GraphQL request over HTTP, as steps over a typed context, the
//! [`Exchange`]. Each step either answers (`ControlFlow::Break`, a response) or
//! hands its result to the next (`ControlFlow::Continue`):
//!
//! 1. transport (`graphql.rs`: `get_handler`, `post_handler`): GET or POST, the
//!    media type the client accepts, the client's address, the body read
//!    within its deadline and size; the [`Exchange`] is built here;
//! 2. response-cache lookup by the GET's query string as sent
//!    ([`lookup_alias`]), before anything is decoded;
//! 3. decoding the GraphQL request (`graphql.rs`: `decode`);
//! 4. admission ([`admit`]): an execution slot, then who is asking;
//! 5. persisted and trusted documents ([`persisted`], `persisted_queries.rs`):
//!    the document's text, and why it may run;
//! 6. response-cache lookup by the request's key ([`lookup_key`]), now that
//!    the text is known and trusted;
//! 7. limits ([`limits`]): the document parsed (or found) once, a mutation
//!    over GET refused, introspection and the measured shape checked;
//! 8. execution ([`execute`], `graphql::run::run`);
//! 9. response headers (`answer.rs`: status, `Cache-Control`, `ETag`, cache
//!    tags, `Vary`), and the answer kept in the response cache.
use super::answer::{self, Outcome, Share, Store};
use super::graphql::{bearer, decode, Payload};
use super::persisted_queries::{self, Refusal, Trust};
use super::response::{error_response, fault, request_error, Media};
use super::App;
use crate::auth::{ClientAddr, Viewer};
use crate::content::tags::Tags;
use crate::error::{code, AppError};
use crate::graphql::run::{self, Operation};
use crate::response_cache::{Alias, Key};
use crate::traffic::Held;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::atomic::Ordering;

/// A step's result: an answer, or what the next step needs.
type Step<T> = ControlFlow<Response, T>;

/// How a GraphQL request arrived: only GET answers may be cached, and a GET
/// never runs a mutation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Get,
    Post,
}

/// Who an answer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// An anonymous client: its queries' answers may be shared and cached,
    /// and in trusted mode it runs registered documents only.
    Anyone,
    /// A member of staff (a valid token): `private, no-store`.
    Staff,
}

impl Audience {
    fn of(viewer: &Viewer) -> Audience {
        match viewer.actor() {
            None => Audience::Anyone,
            Some(_) => Audience::Staff,
        }
    }
}

/// What the GET fast path found before a request is decoded.
#[derive(Clone, Copy)]
pub enum Seen {
    /// A query string not seen before (with the alias to remember for it,
    /// when it may have one), or a POST.
    New(Option<Alias>),
    /// Seen before, and the response cache had no fresh answer: not asked
    /// again.
    Missed,
}

/// The request context every step reads: how the request arrived (fixed by
/// the transport step) and what the response cache knew of it.
pub struct Exchange {
    pub transport: Transport,
    pub media: Media,
    pub headers: HeaderMap,
    pub addr: ClientAddr,
    pub seen: Seen,
}

/// Runs the steps after transport; every path ends in a response.
pub async fn serve(app: &App, mut ex: Exchange, payload: Payload) -> Response {
    let (Continue(resp) | Break(resp)) = steps(app, &mut ex, payload).await;
    resp
}

async fn steps(app: &App, ex: &mut Exchange, payload: Payload) -> Step<Response> {
    lookup_alias(app, ex, &payload).await?;
    let request = decode(ex, payload)?;
    let admitted = admit(app, ex).await?;
    let audience = Audience::of(&admitted.viewer);
    let resolved = persisted(app, ex, audience, request).await?;
    let key = lookup_key(app, ex, audience, &resolved).await?;
    let ready = limits(app, ex, admitted.viewer, resolved, key)?;
    let outcome = execute(app, ready).await;
    Continue(answer::answer(app, ex, outcome))
}

/// Step 2: a repeated anonymous GET, answered from the response cache by its
/// query string alone when that string was seen before (no decoding, parsing
/// or normalising). Not in trusted-documents mode, where every request is
/// checked against the registered documents, which an operator may remove.
async fn lookup_alias(app: &App, ex: &mut Exchange, payload: &Payload) -> Step<()> {
    let responses = &app.state.responses;
    let Payload::Query(raw) = payload else {
        return Continue(());
    };
    if !responses.enabled()
        || ex.headers.contains_key(header::AUTHORIZATION)
        || app.state.config.trusted_documents == crate::config::Switch::On
    {
        return Continue(());
    }
    let alias = Alias::of(raw);
    let Some(key) = responses.aliased(&alias) else {
        ex.seen = Seen::New(Some(alias));
        return Continue(());
    };
    ex.seen = Seen::Missed;
    // A failed check falls through to the execution, which reports the fault.
    let fresh = app.state.freshness.check(&app.state.db, responses).await;
    if let Some(hit) = matches!(fresh, Ok(true))
        .then(|| responses.get(&key))
        .flatten()
    {
        count(&app.state.traffic.graphql_requests_total);
        return Break(answer::shared(app, ex, &hit));
    }
    Continue(())
}

fn count(counter: &std::sync::atomic::AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What admission holds until the response is ready.
struct Admitted<'a> {
    viewer: Viewer,
    _slot: tokio::sync::SemaphorePermit<'a>,
    _in_flight: Held<'a>,
}

/// Step 4: an execution slot, now that the whole request is here (none free is
/// 503 at once rather than a queue of requests that would time out anyway),
/// then who is asking.
async fn admit<'a>(app: &'a App, ex: &Exchange) -> Step<Admitted<'a>> {
    let traffic = &app.state.traffic;
    count(&traffic.graphql_requests_total);
    let Ok(slot) = app.slots.try_acquire() else {
        count(&traffic.refused_total);
        tracing::debug!("request refused: too many in flight");
        return Break(fault(&AppError::Unavailable(String::new()), ex.media));
    };
    let in_flight = Held::enter(&traffic.graphql_in_flight);
    let viewer = authenticate(app, ex).await?;
    Continue(Admitted {
        viewer,
        _slot: slot,
        _in_flight: in_flight,
    })
}

/// Who is asking: no header is anonymous; a header with a bad, expired or forged
/// token is 401 (never a silent downgrade to anonymous).
pub(super) async fn authenticate(app: &App, ex: &Exchange) -> Step<Viewer> {
    let found = match bearer(&ex.headers) {
        Ok(None) => return Continue(Viewer::Anonymous),
        Ok(Some(token)) => crate::users::viewer_of(&app.state, token).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(viewer) => Continue(viewer),
        Err(err @ AppError::Unauthenticated(_)) => {
            let mut resp = error_response(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                &err.public_message(),
                ex.media,
            );
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            Break(resp)
        }
        // The user lookup met a database that is away or slow (503, 504), or
        // something else went wrong (500).
        Err(err) => {
            if let AppError::Internal(detail) = &err {
                tracing::error!(error = %detail, "authentication failed");
            } else {
                tracing::warn!(error = %err, "authentication: database fault");
            }
            Break(fault(&err, ex.media))
        }
    }
}

/// A request whose document's text is known, and why it may run.
struct Resolved {
    request: async_graphql::Request,
    trust: Trust,
}

/// Step 5: the document's text (a persisted query's from its hash) and why it
/// may run (`persisted_queries.rs`).
async fn persisted(
    app: &App,
    ex: &Exchange,
    audience: Audience,
    mut request: async_graphql::Request,
) -> Step<Resolved> {
    match persisted_queries::resolve(&app.state, &mut request, audience).await {
        Ok(trust) => Continue(Resolved { request, trust }),
        Err(Refusal::Request { code, message }) => Break(request_error(code, &message, ex.media)),
        Err(Refusal::Fault(err)) => Break(fault(&err, ex.media)),
    }
}

/// Step 6: an anonymous query answered from the response cache by its key
/// (the document with whitespace folded, the operation, the variables).
/// Looked up before the document is parsed: only queries are ever stored, so
/// a hit is a query, and a mutation's key finds nothing. Continues with the
/// key to keep the answer under.
async fn lookup_key(
    app: &App,
    ex: &Exchange,
    audience: Audience,
    resolved: &Resolved,
) -> Step<Option<Key>> {
    let responses = &app.state.responses;
    let request = &resolved.request;
    // A document trusted because it only logs in is a mutation.
    if audience != Audience::Anyone
        || !responses.enabled()
        || !matches!(resolved.trust, Trust::Granted)
    {
        return Continue(None);
    }
    // Variables that do not serialise (none do today) are not cached: an
    // empty text would give them all one key.
    let Ok(variables) = serde_json::to_string(&request.variables) else {
        return Continue(None);
    };
    let key = Key::new(
        &request.query,
        request.operation_name.as_deref(),
        &variables,
    );
    match ex.seen {
        Seen::New(Some(alias)) => responses.alias(alias, key),
        Seen::New(None) => {}
        Seen::Missed => return Continue(Some(key)),
    }
    // A failed check only skips the cache; the execution reports the fault.
    let fresh = app.state.freshness.check(&app.state.db, responses).await;
    match matches!(fresh, Ok(true))
        .then(|| responses.get(&key))
        .flatten()
    {
        Some(hit) => Break(answer::shared(app, ex, &hit)),
        None => Continue(Some(key)),
    }
}

/// A request ready to run: prepared for its viewer, its document checked.
struct Ready {
    request: async_graphql::Request,
    operation: Operation,
    tags: Tags,
    share: Share,
}

/// Step 7: the document parsed once (or found among those parsed before; a
/// document trusted because it only logs in was parsed by step 5), a mutation
/// over GET refused (405), then the limits: introspection for whom it is open
/// to, and the document's measured shape.
fn limits(
    app: &App,
    ex: &Exchange,
    viewer: Viewer,
    resolved: Resolved,
    key: Option<Key>,
) -> Step<Ready> {
    let Resolved { request, trust } = resolved;
    let state = &app.state;
    let audience = Audience::of(&viewer);
    let refused = |err| {
        let outcome = Outcome::refused(run::refused(state, err), audience);
        Break(answer::answer(app, ex, outcome))
    };
    let parsed = match trust {
        Trust::LoginOnly(parsed) => Ok(parsed),
        Trust::Granted => {
            let limits = crate::query::limits::QueryLimits::of(&state.config);
            state.documents.lookup(&request.query, &limits)
        }
    };
    let operation = match parsed {
        Ok(parsed) => Operation::of(parsed, request.operation_name.as_deref()),
        Err(err) => return refused(err),
    };
    if operation.is_mutation() && ex.transport == Transport::Get {
        return Break(mutation_over_get(ex.media));
    }
    let share = Share::of(audience, &operation, key, &state.responses);
    let tags = Tags::default();
    let mut request = crate::graphql::prepare(state, request, viewer, ex.addr, tags.clone());
    if let Ok(Some(token)) = bearer(&ex.headers) {
        request = request.data(crate::users::Bearer(token.to_string()));
    }
    if let Err(err) = run::check(state, &request, &operation) {
        return refused(err);
    }
    Continue(Ready {
        request,
        operation,
        tags,
        share,
    })
}

/// A GET must never change data.
fn mutation_over_get(media: Media) -> Response {
    let mut resp = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        code::BAD_USER_INPUT,
        "mutations are only accepted over POST",
        media,
    );
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    resp
}

/// Step 8: the execution.
async fn execute(app: &App, ready: Ready) -> Outcome {
    let Ready {
        request,
        operation,
        tags,
        share,
    } = ready;
    let response = run::run(&app.schema, &app.state, request, operation).await;
    Outcome {
        response,
        tags,
        share,
    }
}

impl Share {
    /// An anonymous query's answer may be shared and kept in the response
    /// cache (under `key`, as of the epoch read now, before it runs).
    fn of(
        audience: Audience,
        operation: &Operation,
        key: Option<Key>,
        responses: &crate::response_cache::ResponseCache,
    ) -> Share {
        match audience {
            Audience::Staff => Share::Private,
            Audience::Anyone if operation.is_mutation() => Share::NoStore,
            Audience::Anyone => Share::Public(key.map(|key| Store {
                key,
                epoch: responses.epoch(),
            })),
        }
    }
}
