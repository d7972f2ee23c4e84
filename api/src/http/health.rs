//! Liveness and readiness (the metrics are `metrics.rs`).
use super::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::time::Duration;

/// The process is up.
pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

/// The database answers; 503 otherwise, so a load balancer stops sending traffic.
/// Through a connection of its own (the request pool may be saturated) and
/// within a second: a database that does not answer in time counts as down.
/// Calls that arrive while a ping runs wait for it and share its answer (never
/// an answer older than the call), so a flood of probes costs one ping at a time.
pub async fn readyz(State(app): State<App>) -> impl IntoResponse {
    let asked = std::time::Instant::now();
    let mut last = app.ready.lock().await;
    let ready = match *last {
        Some((at, ready)) if at >= asked => ready,
        _ => {
            let ping = tokio::time::timeout(Duration::from_secs(1), app.state.health.ping()).await;
            let ready = matches!(ping, Ok(true));
            *last = Some((std::time::Instant::now(), ready));
            ready
        }
    };
    drop(last);
    if ready {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
    }
}
