//! What arrives at the HTTP server, counted from the moment it arrives: open
//! connections, requests whose body is still being read, bodies that missed
//! their deadline. `/metrics` shows these, so a flood of slow or idle clients is
//! visible there even while no GraphQL request executes.
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Traffic {
    /// Connections accepted since the start.
    pub connections_total: AtomicU64,
    /// Connections open now.
    pub connections_open: AtomicI64,
    /// Times the accept loop waited because the connection cap was reached.
    pub connections_capped_total: AtomicU64,
    /// HTTP requests whose headers arrived, on every route.
    pub requests_total: AtomicU64,
    /// HTTP requests from their arrival until their response is ready (bodies
    /// being read included).
    pub requests_in_progress: AtomicI64,
    /// Request bodies not received within the body deadline (answered 408).
    pub body_timeouts_total: AtomicU64,
    /// GraphQL requests refused because every execution slot was taken (503).
    pub refused_total: AtomicU64,
    /// GraphQL requests received (bodies read, answered from the cache or run).
    pub graphql_requests_total: AtomicU64,
    /// GraphQL requests being executed now (holding an execution slot).
    pub graphql_in_flight: AtomicI64,
}

/// Holds one unit of a gauge while it lives (also when its future is dropped).
pub struct Held<'a>(&'a AtomicI64);

impl<'a> Held<'a> {
    pub fn enter(gauge: &'a AtomicI64) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Held(gauge)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The owned form of [`Held`], for a connection's task.
pub struct HeldArc(std::sync::Arc<Traffic>);

impl HeldArc {
    pub fn connection(traffic: std::sync::Arc<Traffic>) -> Self {
        traffic.connections_total.fetch_add(1, Ordering::Relaxed);
        traffic.connections_open.fetch_add(1, Ordering::Relaxed);
        HeldArc(traffic)
    }
}

impl Drop for HeldArc {
    fn drop(&mut self) {
        self.0.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}
