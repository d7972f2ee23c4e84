//! Server brakes, from tower and tower-http rather than hand-written middleware:
//!
//! - a request timeout (tower's `Timeout`): the handler's future is dropped, which
//!   stops the work and rolls back its open transaction, and the client gets
//!   TIMEOUT (HTTP 504);
//! - the limit on GraphQL requests in flight is not here but in the handler
//!   (`pipeline::admit`): a slot is taken only once the body has arrived, so
//!   slow senders hold none; beyond it a request is refused at once with
//!   SERVICE_UNAVAILABLE (HTTP 503, `Retry-After`), so overload never builds a
//!   queue of requests that will time out anyway;
//! - `CatchPanic` (tower-http) around everything: a panic in any handler is logged
//!   and answered with INTERNAL (HTTP 500), and the process serves on.
use super::response::{fault, Media};
use crate::error::AppError;
use axum::error_handling::HandleErrorLayer;
use axum::response::Response;
use axum::Router;
use std::any::Any;
use std::time::Duration;
use tower::{BoxError, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;

/// The request timeout around the routes of `router` added so far.
pub fn limit_time<S>(router: Router<S>, timeout: Duration) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.route_layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(on_brake))
            .timeout(timeout),
    )
}

/// Panics become coded INTERNAL responses, around everything.
pub fn catch_panics<S>(router: Router<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.layer(CatchPanicLayer::custom(on_panic))
}

/// The answer of a request stopped by the request timeout.
pub fn timed_out() -> Response {
    tracing::warn!("request stopped by the request timeout");
    fault(&AppError::Timeout(String::new()), Media::Json)
}

async fn on_brake(err: BoxError) -> Response {
    let fault_of = if err.is::<tower::timeout::error::Elapsed>() {
        tracing::warn!("request stopped by the request timeout");
        AppError::Timeout(String::new())
    } else {
        tracing::error!(error = %err, "request failed in the server's middleware");
        AppError::internal("middleware")
    };
    fault(&fault_of, Media::Json)
}

fn on_panic(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = detail, "a handler panicked; the process serves on");
    fault(&AppError::internal("panic"), Media::Json)
}
