//! Starting the service: database, migrations, demo content, router, graceful
//! shutdown.
use crate::config::{Config, ServeArgs};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::graphql::build_schema;
use crate::http::router;
use crate::import;
use crate::state::AppState;
use crate::traffic::{HeldArc, Traffic};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Connects, migrates and (on an empty database, unless told not to) loads the
/// demo content.
pub async fn prepare_state(config: Config, args: &ServeArgs) -> AppResult<AppState> {
    // A body deadline past the request timeout would never be met: the body
    // is given a little less (see `http::graphql::body_deadline`).
    if config.body_timeout_ms >= config.request_timeout_ms {
        tracing::warn!(
            body_timeout_ms = config.body_timeout_ms,
            request_timeout_ms = config.request_timeout_ms,
            "CMS_BODY_TIMEOUT_MS is not shorter than CMS_REQUEST_TIMEOUT_MS: bodies get a tenth less than the request timeout"
        );
    }
    // Set but empty would leave /metrics open while it looks protected.
    if config
        .metrics_token
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        return Err(AppError::Internal(
            "CMS_METRICS_TOKEN is set but empty: give it a token, or unset it to leave /metrics open"
                .into(),
        ));
    }
    // Keys first: a production start without a secret fails before touching the
    // database.
    let keys = crate::auth::Keys::from_config(&config)?;
    // Migrations and the demo import on a pool without statement timeout (an
    // index build may take longer than any request should).
    let setup = Db::from_config(&config).await?;
    setup.migrate().await?;
    if !args.no_demo && import::is_empty(&setup).await? {
        let files = crate::files::Files::from_config(&config)?;
        let mut demo = import::demo::dataset();
        import::files::attach(&files, &setup, &mut demo, import::files::Source::Made).await?;
        let report = import::import(&setup, demo, import::ImportOptions::default()).await?;
        tracing::info!(
            items = %report,
            "empty database: loaded the demo content (start with --no-demo to skip)"
        );
    }
    // A diagnosis only: the server starts whatever it finds.
    match setup.missing_sqlite_options().await {
        Ok(missing) => {
            for (option, cost) in missing {
                tracing::warn!(
                    option,
                    cost,
                    "this build's SQLite lacks a compile option of .cargo/config.toml \
                     (built outside the repository, or with a LIBSQLITE3_FLAGS of your own?)"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read SQLite's compile options"),
    }
    setup.conn.close_by_ref().await.ok();
    let db = Db::serving(&config).await?;
    let health = Db::connect_with(&config.database_url(), &crate::db::DbOptions::health()).await?;
    Ok(AppState::with_keys(db, config, keys)?.with_health(health))
}

/// The full application router for a state.
pub fn app(state: AppState) -> Router {
    let schema = build_schema(state.clone());
    router(state, schema)
}

/// Serves until SIGTERM or SIGINT, then finishes in-flight requests.
pub async fn serve(config: Config, args: ServeArgs) -> AppResult<()> {
    let bind = config.bind;
    let metrics_bind = config.metrics_bind;
    let state = prepare_state(config, &args).await?;
    let listener = listen(bind).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| AppError::Internal(format!("no local address: {e}")))?;
    let db = state.db.clone();
    println!("Partnerships CMS listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphiql (GraphQL endpoint: http://{addr}/graphql)");
    tracing::info!(%addr, backend = ?db.backend(), "listening");
    let interval = state.config.scheduler_interval;
    if interval > 0 {
        tokio::spawn(crate::workflow::scheduler::run(
            db.clone(),
            std::time::Duration::from_secs(interval),
        ));
    }
    if state.config.file_store == crate::config::FileStoreKind::Local
        && db.backend() == sea_orm::DatabaseBackend::Postgres
    {
        tracing::warn!(
            "documents' files are on this machine's disk (CMS_FILE_STORE=local): if several \
             processes share this database, give them one store with CMS_FILE_STORE=s3"
        );
    }
    // Download addresses start with the address really bound, unless
    // CMS_PUBLIC_URL says otherwise.
    if state.config.public_url.as_deref().is_none_or(str::is_empty) {
        state.files.set_public_url(&format!("http://{addr}"));
    }
    let every = state.config.file_collect_interval;
    if every > 0 {
        tokio::spawn(crate::files::run_collector(
            state.files.clone(),
            db.clone(),
            std::time::Duration::from_secs(every),
        ));
    }
    // Other processes' changes reach this one's response cache.
    if state.responses.enabled() {
        crate::invalidation::listen(
            &state.config.database_url(),
            state.responses.clone(),
            state.freshness.clone(),
        );
    }
    // Expired failed-login counters and revoked tokens go in the background,
    // whatever logins do.
    tokio::spawn(crate::auth::throttle::run_sweeper(
        db.clone(),
        state.config.clone(),
    ));
    let limits = Limits::of(&state.config).fit_open_file_limit();
    let traffic = state.traffic.clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics = match metrics_bind {
        Some(bind) => {
            let listener = listen(bind).await?;
            let at = listener.local_addr().map_err(|e| {
                AppError::Internal(format!("no local address for the metrics: {e}"))
            })?;
            println!("Metrics: http://{at}/metrics");
            let router = crate::http::metrics_router(state.clone());
            Some(tokio::spawn(accept_loop(
                listener,
                router,
                limits.clone(),
                traffic.clone(),
                stopped.clone(),
            )))
        }
        None => None,
    };
    let main = tokio::spawn(accept_loop(listener, app(state), limits, traffic, stopped));
    shutdown_signal().await;
    let _ = stop.send(true);
    for task in std::iter::once(main).chain(metrics) {
        if let Err(e) = task.await {
            tracing::error!(error = %e, "a server task failed");
        }
    }
    db.conn.close_by_ref().await.ok();
    tracing::info!("stopped");
    Ok(())
}

async fn listen(bind: std::net::SocketAddr) -> AppResult<TcpListener> {
    TcpListener::bind(bind)
        .await
        .map_err(|e| AppError::Internal(format!("cannot listen on {bind}: {e}")))
}

/// The limits every connection is held to.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest wait for a request head (the first, or the next on a kept-alive
    /// connection).
    pub header_timeout: Duration,
    /// Longest a write may make no progress.
    pub write_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// How long a stopping server waits for open connections.
    pub shutdown_grace: Duration,
}

/// Descriptors kept for everything but client connections: the database pools,
/// the SQLite files, the listeners, logs.
const OTHER_DESCRIPTORS: u64 = 256;

impl Limits {
    pub fn of(config: &Config) -> Limits {
        Limits {
            header_timeout: Duration::from_millis(config.header_timeout_ms.max(1)),
            write_timeout: Duration::from_millis(config.write_timeout_ms.max(1)),
            max_connections: config.max_connections.max(1),
            shutdown_grace: Duration::from_millis(config.shutdown_grace_ms),
        }
    }

    /// Raises the soft open-file limit to fit the connection cap (as far as the
    /// hard limit allows); where it cannot, lowers the cap to fit, so running out
    /// of descriptors fails a connection at the cap, not the database pool.
    pub fn fit_open_file_limit(mut self) -> Limits {
        let wanted = self.max_connections as u64 + OTHER_DESCRIPTORS;
        match rlimit::increase_nofile_limit(wanted) {
            Ok(soft) if soft < wanted => {
                let fits = soft.saturating_sub(OTHER_DESCRIPTORS).max(1) as usize;
                tracing::warn!(
                    open_file_limit = soft,
                    configured = self.max_connections,
                    cap = fits,
                    "the open-file limit is below CMS_MAX_CONNECTIONS: the cap is lowered to fit \
                     (raise the hard limit, e.g. LimitNOFILE= in a systemd unit)"
                );
                self.max_connections = fits;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read or raise the open-file limit"),
        }
        self
    }
}

/// Accepts connections and serves each with hyper's HTTP/1.1 server until
/// `stopped` turns true, then lets every open connection finish its request
/// (hyper-util's graceful shutdown) and returns.
///
/// Rather than `axum::serve`, which sets no timeouts: hyper's timer closes a
/// connection that has not sent a whole request head within the header timeout
/// (a half-sent request or an idle kept-alive connection, which would otherwise
/// hold a file descriptor forever), and a semaphore caps the open connections.
/// HTTP/1.1 only: HTTP/2 over cleartext (prior knowledge) has no idle timeout in
/// hyper, and TLS and HTTP/2 to browsers belong to the proxy in front. A write
/// that makes no progress for the write timeout ends its connection (a client
/// that never reads would otherwise hold it and its buffers).
pub async fn accept_loop(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    traffic: Arc<Traffic>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    loop {
        // A free slot first: at the cap, new connections wait in the kernel's
        // accept queue rather than cost a descriptor each.
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                traffic
                    .connections_capped_total
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    max = limits.max_connections,
                    "connection cap reached: not accepting until one closes"
                );
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    _ = stopped.changed() => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before it was
                    // taken: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        // A write without progress for the write timeout fails, and the
        // connection with it.
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.write_timeout));
        let stream = Box::pin(stream);
        let held = HeldArc::connection(traffic.clone());
        // The peer's address, as `ConnectInfo` (the login limits use it).
        let service = TowerToHyperService::new(router.clone().map_request(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            },
        ));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away or times out is not the server's error.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(held);
            drop(slot);
        });
    }
    drop(listener);
    // Idle connections close at once, busy ones after their request; one that
    // is still open after the grace period (a client that stopped reading, say)
    // does not hold the process up.
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_ms = limits.shutdown_grace.as_millis() as u64,
            "connections still open after the shutdown grace period: stopping anyway"
        );
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received, finishing in-flight requests");
}
