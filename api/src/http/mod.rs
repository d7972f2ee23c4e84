//! The HTTP surface: GraphQL over HTTP (POST and GET) as a pipeline of steps
//! (`pipeline.rs`), GraphiQL, health, metrics.
pub mod answer;
pub mod brakes;
pub mod downloads;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod persisted_queries;
pub mod pipeline;
pub mod response;
pub mod uploads;

use crate::graphql::CmsSchema;
use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// What every handler needs, behind one `Arc`: axum clones the state for
/// every request, and one reference count is cheaper than the dozen of the
/// state's pools and caches.
#[derive(Clone)]
pub struct App(Arc<Shared>);

impl std::ops::Deref for App {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub state: AppState,
    pub schema: CmsSchema,
    /// Execution slots (`CMS_MAX_IN_FLIGHT`), taken once a request's body has
    /// arrived: a request that finds none is refused at once with 503.
    pub slots: Arc<tokio::sync::Semaphore>,
    /// The last readiness ping and when it finished: concurrent `/readyz`
    /// calls share one ping instead of queueing for the health connection.
    pub ready: tokio::sync::Mutex<Option<(std::time::Instant, bool)>>,
    /// The `Cache-Control` of a cacheable answer (from the configuration).
    pub public_cache_control: axum::http::HeaderValue,
    /// `Keep-Alive: timeout=N`: how long an idle connection stays open (the
    /// header timeout), so pooling clients drop it before the server does.
    pub keep_alive: axum::http::HeaderValue,
    /// The `Cache-Control` of a file at its versioned public address.
    pub immutable: axum::http::HeaderValue,
}

/// `public, max-age=…[, s-maxage=…], stale-while-revalidate=…`.
fn public_cache_control(config: &crate::config::Config) -> axum::http::HeaderValue {
    let mut control = format!("public, max-age={}", config.http_max_age);
    if let Some(shared) = config.http_s_maxage {
        control.push_str(&format!(", s-maxage={shared}"));
    }
    control.push_str(&format!(
        ", stale-while-revalidate={}",
        config.http_stale_while_revalidate
    ));
    // Digits and ASCII words only.
    axum::http::HeaderValue::from_str(&control)
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("public"))
}

/// `timeout=N`, a second under the header timeout (which also ends idle
/// kept-alive connections), so a client's pool drops a connection first.
fn keep_alive(config: &crate::config::Config) -> axum::http::HeaderValue {
    let seconds = (config.header_timeout_ms / 1000).saturating_sub(1).max(1);
    // Digits only: always a valid header value.
    axum::http::HeaderValue::from_str(&format!("timeout={seconds}"))
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("timeout=1"))
}

/// The service's router. Partner sites call the public API from browsers too, so
/// CORS allows any origin for GET and POST of `/graphql`; the operational
/// endpoints (`/healthz`, `/readyz`, `/metrics`) send no CORS headers, so no web
/// page can read them from a visitor's browser. With `CMS_METRICS_BIND` set,
/// `/metrics` is served only there ([`metrics_router`]).
pub fn router(state: AppState, schema: CmsSchema) -> Router {
    let metrics_here = state.config.metrics_bind.is_none();
    let app = App(Arc::new(Shared {
        schema,
        slots: Arc::new(tokio::sync::Semaphore::new(
            state.config.max_in_flight.max(1),
        )),
        ready: tokio::sync::Mutex::default(),
        public_cache_control: public_cache_control(&state.config),
        keep_alive: keep_alive(&state.config),
        // Digits only: always a valid header value.
        immutable: axum::http::HeaderValue::from_str(&format!(
            "public, max-age={}, immutable",
            state.config.file_max_age
        ))
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("public, immutable")),
        state,
    }));
    let timeout = std::time::Duration::from_millis(app.state.config.request_timeout_ms.max(1));
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers(Any)
        // Any origin gets the same answer: no `Vary: origin`, which would split
        // CDN caches per partner site.
        .vary(tower_http::cors::Vary::list(std::iter::empty()));
    // The request timeout holds the GraphQL route only: health and metrics must
    // answer however loaded the public path is. The in-flight limit is taken
    // inside the pipeline, once the body has arrived (`pipeline::admit`).
    // A POST keeps its own time (`graphql::post_handler`): an upload's body
    // has deadlines of its own, longer than a JSON request's.
    let graphql = brakes::limit_time(
        Router::new().route("/graphql", get(graphql::get_handler)),
        timeout,
    )
    .route("/graphql", axum::routing::post(graphql::post_handler))
    .layer(cors.clone());
    let files = brakes::limit_time(
        Router::new().route(
            "/files/{id}/{name}",
            get(downloads::download).head(downloads::download),
        ),
        timeout,
    )
    .layer(
        // Partner pages fetch files too (a PDF viewer asks for ranges).
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([axum::http::Method::GET, axum::http::Method::HEAD])
            .allow_headers(Any)
            .expose_headers([
                axum::http::header::CONTENT_RANGE,
                axum::http::header::ACCEPT_RANGES,
                axum::http::header::CONTENT_LENGTH,
                axum::http::header::CONTENT_DISPOSITION,
                axum::http::header::ETAG,
            ])
            .vary(tower_http::cors::Vary::list(std::iter::empty())),
    );
    let mut router = graphql
        .merge(files)
        .route("/graphiql", get(graphiql::page_handler))
        .route(graphiql::ASSET_PATH, get(graphiql::asset))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    if metrics_here {
        router = router.route("/metrics", get(metrics::metrics));
    }
    finish(router, app)
}

/// The router of `CMS_METRICS_BIND`: `/metrics` alone, counting what the
/// public address's router receives (the state's traffic is shared).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::metrics_of))
        .with_state(state)
}

/// The layers every route has: compression, the request log, the arrival
/// count, panics caught.
fn finish(router: Router<App>, app: App) -> Router {
    // Files are sent as stored: compressing them would break ranges, lengths
    // and their ETag (the digest of the bytes).
    use tower_http::compression::predicate::Predicate as _;
    let compress = tower_http::compression::predicate::DefaultPredicate::new().and(
        |_: axum::http::StatusCode,
         _: axum::http::Version,
         headers: &axum::http::HeaderMap,
         _: &axum::http::Extensions| {
            !headers.contains_key(axum::http::header::CONTENT_DISPOSITION)
        },
    );
    let router = router
        .layer(CompressionLayer::new().compress_when(compress))
        // One span and one "finished processing request" event (status, latency) per
        // request at INFO; RUST_LOG=warn turns them off for benchmarks. The span
        // names the path, never the query string: a GET's variables (or a password
        // someone put in a GET mutation, refused) must not reach the logs.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        version = ?req.version(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(axum::middleware::from_fn_with_state(app.clone(), arrived));
    brakes::catch_panics(router).with_state(app)
}

/// Counts a request from the moment its head has arrived until its response is
/// ready, body reading included: `/metrics` shows slow senders as they trickle.
async fn arrived(
    axum::extract::State(app): axum::extract::State<App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let traffic = &app.state.traffic;
    traffic
        .requests_total
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let _held = crate::traffic::Held::enter(&traffic.requests_in_progress);
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert("keep-alive", app.keep_alive.clone());
    response
}
