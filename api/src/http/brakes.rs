//! Server brakes, from tower and tower-http rather than hand-written middleware:
//!
//! - a request timeout (tower's `Timeout`): the handler's future is dropped, which
//!   stops the work and rolls back its open transaction, and the client gets
//!   TIMEOUT (HTTP 504);
//! - a limit on GraphQL requests in flight with load shedding (tower's
//!   `ConcurrencyLimit` behind `LoadShed`): beyond it a request is refused at once
//!   with SERVICE_UNAVAILABLE (HTTP 503, `Retry-After`), so overload never builds a
//!   queue of requests that will time out anyway;
//! - `CatchPanic` (tower-http) around everything: a panic in any handler is logged
//!   and answered with INTERNAL (HTTP 500), and the process serves on.
use super::graphql::error_response;
use crate::error::{code, AppError};
use axum::error_handling::HandleErrorLayer;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use std::any::Any;
use std::time::Duration;
use tower::{BoxError, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;

/// Seconds a refused client is told to wait.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// The timeout and the in-flight limit around the routes of `router` added so
/// far.
pub fn limit_requests<S>(router: Router<S>, timeout: Duration, max_in_flight: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router.route_layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(on_brake))
            .load_shed()
            .concurrency_limit(max_in_flight.max(1))
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

async fn on_brake(err: BoxError) -> Response {
    let fault_of = if err.is::<tower::timeout::error::Elapsed>() {
        tracing::warn!("request stopped by the request timeout");
        AppError::Timeout(String::new())
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        tracing::debug!("request refused: too many in flight");
        AppError::Unavailable(String::new())
    } else {
        tracing::error!(error = %err, "request failed in the server's middleware");
        AppError::internal("middleware")
    };
    fault(&fault_of, false)
}

fn on_panic(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = detail, "a handler panicked; the process serves on");
    fault(&AppError::internal("panic"), false)
}
