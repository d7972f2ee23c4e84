//! `/metrics`: the process's counters and gauges in the Prometheus text format
//! (0.0.4), written by `prometheus-client` (the Prometheus project's Rust
//! client). The counters stay plain atomics where they are counted (an atomic
//! add on the hot path); a collector reads them, and the caches' sizes, at each
//! scrape as the crate's constant metrics.
use super::App;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::TypedMetric;
use prometheus_client::registry::Registry;
use sha2::Digest;
use std::fmt::Error;
use std::sync::atomic::Ordering;

/// Counters and gauges, on the public address.
pub async fn metrics(State(app): State<App>, headers: HeaderMap) -> Response {
    metrics_of(State(app.state.clone()), headers).await
}

/// Counters and gauges (for `CMS_METRICS_BIND` too). Refused (401) without the
/// configured `CMS_METRICS_TOKEN` as a bearer token.
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
    let mut registry = Registry::with_prefix("cms");
    registry.register_collector(Box::new(Scrape(state)));
    let mut body = String::with_capacity(8192);
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut body, &registry) {
        tracing::error!(error = %e, "cannot encode the metrics");
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal server error\n").into_response();
    }
    let content_type = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// What one scrape reads.
struct Scrape(AppState);

impl std::fmt::Debug for Scrape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scrape")
    }
}

/// A metric as the collector writes it: its name after `cms_` (a counter's
/// without the `_total` the encoder adds), its help, its value.
fn write<M: EncodeMetric + TypedMetric>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric: M,
) -> Result<(), Error> {
    metric.encode(encoder.encode_descriptor(name, help, None, M::TYPE)?)
}

fn counter(encoder: &mut DescriptorEncoder, name: &str, help: &str, n: u64) -> Result<(), Error> {
    write(encoder, name, help, ConstCounter::new(n))
}

fn gauge<N: EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    n: N,
) -> Result<(), Error> {
    write(encoder, name, help, ConstGauge::new(n))
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), Error> {
        let state = &self.0;
        let e = &mut encoder;
        traffic(e, state)?;
        let counts = state.counts.size();
        for (name, help, n) in [
            (
                "count_cache_bytes",
                "Bytes held by the cache of list totals.",
                counts.bytes,
            ),
            (
                "count_cache_budget_bytes",
                "Byte budget of the cache of list totals.",
                counts.budget,
            ),
            (
                "count_cache_entries",
                "Entries in the cache of list totals.",
                counts.entries,
            ),
        ] {
            gauge(e, name, help, n)?;
        }
        response_cache(e, state)?;
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
            gauge(
                e,
                &format!("{name}_entries"),
                &format!("Entries of the {what}."),
                entries,
            )?;
            gauge(
                e,
                &format!("{name}_bytes"),
                &format!("Bytes charged to the {what}."),
                bytes,
            )?;
        }
        counter(
            e,
            "document_parses",
            "GraphQL documents parsed (not found among those parsed before).",
            state.documents.parses(),
        )?;
        Ok(())
    }
}

/// What arrives and what runs: connections, requests, statements.
fn traffic(e: &mut DescriptorEncoder, state: &AppState) -> Result<(), Error> {
    let t = &state.traffic;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    for (name, help, n) in [
        (
            "graphql_requests",
            "GraphQL requests received over HTTP.",
            load(&t.graphql_requests_total),
        ),
        (
            "sql_statements",
            "SQL statements sent to the database.",
            state.db.statement_count(),
        ),
        (
            "http_connections",
            "Connections accepted.",
            load(&t.connections_total),
        ),
        (
            "http_connections_capped",
            "Times the accept loop stopped at CMS_MAX_CONNECTIONS.",
            load(&t.connections_capped_total),
        ),
        (
            "http_requests",
            "HTTP requests whose head arrived, every route.",
            load(&t.requests_total),
        ),
        (
            "http_body_timeouts",
            "Request bodies not received within CMS_BODY_TIMEOUT_MS (408).",
            load(&t.body_timeouts_total),
        ),
        (
            "graphql_requests_refused",
            "GraphQL requests refused with 503: every execution slot (CMS_MAX_IN_FLIGHT) taken.",
            load(&t.refused_total),
        ),
    ] {
        counter(e, name, help, n)?;
    }
    let level = |g: &std::sync::atomic::AtomicI64| g.load(Ordering::Relaxed);
    for (name, help, n) in [
        (
            "graphql_requests_in_flight",
            "GraphQL requests being executed now.",
            level(&t.graphql_in_flight),
        ),
        (
            "http_connections_open",
            "Connections open now (idle and half-sent ones included).",
            level(&t.connections_open),
        ),
        (
            "http_requests_in_progress",
            "HTTP requests from arrival to response, bodies being read included.",
            level(&t.requests_in_progress),
        ),
    ] {
        gauge(e, name, help, n)?;
    }
    Ok(())
}

/// The response cache's series.
fn response_cache(e: &mut DescriptorEncoder, state: &AppState) -> Result<(), Error> {
    let r = state.responses.stats();
    let lookups = r.hits + r.misses;
    let ratio = if lookups == 0 {
        0.0
    } else {
        r.hits as f64 / lookups as f64
    };
    let counters = [
        (
            "hits",
            "Anonymous queries answered from the response cache.",
            r.hits,
        ),
        (
            "misses",
            "Anonymous queries the response cache did not hold.",
            r.misses,
        ),
        ("evictions", "Answers evicted for room.", r.evictions),
        (
            "invalidations",
            "Change notices applied (each evicts the answers holding the change's tags).",
            r.invalidations,
        ),
        (
            "flushes",
            "Whole-cache flushes (imports, a lost listener, another SQLite process's change).",
            r.flushes,
        ),
    ];
    for (name, help, n) in counters {
        counter(e, &format!("response_cache_{name}"), help, n)?;
    }
    gauge(
        e,
        "response_cache_hit_ratio",
        "Hits over lookups since the process started.",
        ratio,
    )?;
    for (name, help, n) in [
        ("bytes", "Bytes held by the response cache.", r.bytes),
        (
            "budget_bytes",
            "Byte budget of the response cache.",
            r.budget,
        ),
        ("entries", "Answers held by the response cache.", r.entries),
    ] {
        gauge(e, &format!("response_cache_{name}"), help, n)?;
    }
    Ok(())
}
