//! Starting the service: database, migrations, demo content, router, graceful
//! shutdown.
use crate::config::{Config, ServeArgs};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::graphql::build_schema;
use crate::http::router;
use crate::import;
use crate::state::AppState;
use axum::Router;
use tokio::net::TcpListener;

/// Connects, migrates and (on an empty database, unless told not to) loads the
/// demo content.
pub async fn prepare_state(config: Config, args: &ServeArgs) -> AppResult<AppState> {
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
        let report = import::import(
            &setup,
            import::demo::dataset(),
            import::ImportOptions::default(),
        )
        .await?;
        tracing::info!(
            countries = report.countries,
            documents = report.documents,
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
    Ok(AppState::with_keys(db, config, keys).with_health(health))
}

/// The full application router for a state.
pub fn app(state: AppState) -> Router {
    let schema = build_schema(state.clone());
    router(state, schema)
}

/// Serves until SIGTERM or SIGINT, then finishes in-flight requests.
pub async fn serve(config: Config, args: ServeArgs) -> AppResult<()> {
    let bind = config.bind;
    let state = prepare_state(config, &args).await?;
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|e| AppError::Internal(format!("cannot listen on {bind}: {e}")))?;
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
    // Other processes' changes reach this one's response cache.
    if state.responses.enabled() {
        crate::invalidation::listen(
            &state.config.database_url(),
            state.responses.clone(),
            state.freshness.clone(),
        );
    }
    // Expired failed-login counters go in the background, whatever logins do.
    tokio::spawn(crate::auth::throttle::run_sweeper(
        db.clone(),
        state.config.clone(),
    ));
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| AppError::Internal(format!("server error: {e}")))?;
    db.conn.close_by_ref().await.ok();
    tracing::info!("stopped");
    Ok(())
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
