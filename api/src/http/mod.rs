//! The HTTP surface: GraphQL over HTTP (POST and GET), GraphiQL, health, metrics.
pub mod brakes;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod persisted_queries;
pub mod response;

use crate::graphql::CmsSchema;
use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use std::sync::atomic::{AtomicI64, AtomicU64};
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
    pub requests: AtomicU64,
    /// GraphQL requests being executed now.
    pub in_flight: AtomicI64,
    /// The last readiness ping and when it finished: concurrent `/readyz`
    /// calls share one ping instead of queueing for the health connection.
    pub ready: tokio::sync::Mutex<Option<(std::time::Instant, bool)>>,
    /// The `Cache-Control` of a cacheable answer (from the configuration).
    pub public_cache_control: axum::http::HeaderValue,
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

/// The service's router. Partner sites call the public API from browsers too, so
/// CORS allows any origin for GET and POST.
pub fn router(state: AppState, schema: CmsSchema) -> Router {
    let app = App(Arc::new(Shared {
        schema,
        requests: AtomicU64::new(0),
        in_flight: AtomicI64::new(0),
        ready: tokio::sync::Mutex::default(),
        public_cache_control: public_cache_control(&state.config),
        state,
    }));
    let timeout = std::time::Duration::from_millis(app.state.config.request_timeout_ms.max(1));
    let max_in_flight = app.state.config.max_in_flight;
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers(Any)
        // Any origin gets the same answer: no `Vary: origin`, which would split
        // CDN caches per partner site.
        .vary(tower_http::cors::Vary::list(std::iter::empty()));
    // The brakes hold the GraphQL route only: health and metrics must answer
    // however loaded the public path is.
    let graphql = brakes::limit_requests(
        Router::new().route(
            "/graphql",
            get(graphql::get_handler).post(graphql::post_handler),
        ),
        timeout,
        max_in_flight,
    )
    .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        std::time::Duration::from_millis(app.state.config.body_timeout_ms.max(1)),
    ));
    let router = graphql
        .route("/graphiql", get(graphiql::page_handler))
        .route(graphiql::ASSET_PATH, get(graphiql::asset))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .layer(CompressionLayer::new())
        .layer(cors)
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
        );
    brakes::catch_panics(router).with_state(app)
}
