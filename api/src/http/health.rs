//! Liveness, readiness and Prometheus metrics.
use super::App;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::Digest;
use std::sync::atomic::Ordering;
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

/// Counters in the Prometheus text format, on the public address.
pub async fn metrics(State(app): State<App>, headers: HeaderMap) -> Response {
    metrics_of(State(app.state.clone()), headers).await
}

/// Counters in the Prometheus text format (for `CMS_METRICS_BIND` too).
/// Refused (401) without the configured `CMS_METRICS_TOKEN` as a bearer token.
pub async fn metrics_of(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = state
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    {
        let sent = super::graphql::bearer(&headers)
            .ok()
            .flatten()
            .unwrap_or_default();
        // Compared as digests: the time a comparison takes says nothing about the
        // token itself.
        let digest = |s: &str| sha2::Sha256::digest(s.as_bytes());
        if digest(sent) != digest(token) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "/metrics needs the configured bearer token (CMS_METRICS_TOKEN)\n",
            )
                .into_response();
        }
    }
    let counts = state.counts.size();
    let mut body = String::with_capacity(4096);
    let t = &state.traffic;
    // One line each: (name after `cms_`, type, help, value).
    for (name, kind, help, value) in [
        (
            "graphql_requests_total",
            "counter",
            "GraphQL requests received over HTTP.",
            t.graphql_requests_total.load(Ordering::Relaxed) as i64,
        ),
        (
            "sql_statements_total",
            "counter",
            "SQL statements sent to the database.",
            state.db.statement_count() as i64,
        ),
        (
            "count_cache_bytes",
            "gauge",
            "Bytes held by the cache of list totals.",
            counts.bytes as i64,
        ),
        (
            "count_cache_budget_bytes",
            "gauge",
            "Byte budget of the cache of list totals.",
            counts.budget as i64,
        ),
        (
            "count_cache_entries",
            "gauge",
            "Entries in the cache of list totals.",
            counts.entries as i64,
        ),
        (
            "graphql_requests_in_flight",
            "gauge",
            "GraphQL requests being executed now.",
            t.graphql_in_flight.load(Ordering::Relaxed),
        ),
        (
            "http_connections_total",
            "counter",
            "Connections accepted.",
            t.connections_total.load(Ordering::Relaxed) as i64,
        ),
        (
            "http_connections_open",
            "gauge",
            "Connections open now (idle and half-sent ones included).",
            t.connections_open.load(Ordering::Relaxed),
        ),
        (
            "http_connections_capped_total",
            "counter",
            "Times the accept loop stopped at CMS_MAX_CONNECTIONS.",
            t.connections_capped_total.load(Ordering::Relaxed) as i64,
        ),
        (
            "http_requests_total",
            "counter",
            "HTTP requests whose head arrived, every route.",
            t.requests_total.load(Ordering::Relaxed) as i64,
        ),
        (
            "http_requests_in_progress",
            "gauge",
            "HTTP requests from arrival to response, bodies being read included.",
            t.requests_in_progress.load(Ordering::Relaxed),
        ),
        (
            "http_body_timeouts_total",
            "counter",
            "Request bodies not received within CMS_BODY_TIMEOUT_MS (408).",
            t.body_timeouts_total.load(Ordering::Relaxed) as i64,
        ),
        (
            "graphql_requests_refused_total",
            "counter",
            "GraphQL requests refused with 503: every execution slot (CMS_MAX_IN_FLIGHT) taken.",
            t.refused_total.load(Ordering::Relaxed) as i64,
        ),
    ] {
        body.push_str(&format!(
            "# HELP cms_{name} {help}\n# TYPE cms_{name} {kind}\ncms_{name} {value}\n"
        ));
    }
    let r = state.responses.stats();
    let lookups = r.hits + r.misses;
    let ratio = if lookups == 0 {
        0.0
    } else {
        r.hits as f64 / lookups as f64
    };
    body.push_str(&format!(
        "# HELP cms_response_cache_hits_total Anonymous queries answered from the response cache.\n\
         # TYPE cms_response_cache_hits_total counter\n\
         cms_response_cache_hits_total {}\n\
         # HELP cms_response_cache_misses_total Anonymous queries the response cache did not hold.\n\
         # TYPE cms_response_cache_misses_total counter\n\
         cms_response_cache_misses_total {}\n\
         # HELP cms_response_cache_hit_ratio Hits over lookups since the process started.\n\
         # TYPE cms_response_cache_hit_ratio gauge\n\
         cms_response_cache_hit_ratio {ratio:.4}\n\
         # HELP cms_response_cache_bytes Bytes held by the response cache.\n\
         # TYPE cms_response_cache_bytes gauge\n\
         cms_response_cache_bytes {}\n\
         # HELP cms_response_cache_budget_bytes Byte budget of the response cache.\n\
         # TYPE cms_response_cache_budget_bytes gauge\n\
         cms_response_cache_budget_bytes {}\n\
         # HELP cms_response_cache_entries Answers held by the response cache.\n\
         # TYPE cms_response_cache_entries gauge\n\
         cms_response_cache_entries {}\n\
         # HELP cms_response_cache_evictions_total Answers evicted for room.\n\
         # TYPE cms_response_cache_evictions_total counter\n\
         cms_response_cache_evictions_total {}\n\
         # HELP cms_response_cache_invalidations_total Change notices applied (each evicts the answers holding the change's tags).\n\
         # TYPE cms_response_cache_invalidations_total counter\n\
         cms_response_cache_invalidations_total {}\n\
         # HELP cms_response_cache_flushes_total Whole-cache flushes (imports, a lost listener, another SQLite process's change).\n\
         # TYPE cms_response_cache_flushes_total counter\n\
         cms_response_cache_flushes_total {}\n",
        r.hits,
        r.misses,
        r.bytes,
        r.budget,
        r.entries,
        r.evictions,
        r.invalidations,
        r.flushes
    ));
    for (name, what, (entries, bytes)) in [
        (
            "document_cache",
            "parsed documents kept by their text",
            state.documents.size(),
        ),
        (
            "apq_store",
            "automatic persisted queries remembered",
            state.apq.size(),
        ),
    ] {
        body.push_str(&format!(
            "# HELP cms_{name}_entries Entries of the {what}.\n\
             # TYPE cms_{name}_entries gauge\n\
             cms_{name}_entries {entries}\n\
             # HELP cms_{name}_bytes Bytes charged to the {what}.\n\
             # TYPE cms_{name}_bytes gauge\n\
             cms_{name}_bytes {bytes}\n"
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
