//! Database access: connecting (SQLite or PostgreSQL), migrating, counting
//! statements, and a small SQL builder that writes the right placeholders for the
//! backend, so hand-written queries stay portable.
use crate::config::Config;
use crate::error::{AppError, AppResult};
use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, FromQueryResult,
    QueryResult, Statement, Value,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The compile options `.cargo/config.toml` gives the bundled SQLite, as
/// `PRAGMA compile_options` names them, and what a build without each costs.
const SQLITE_OPTIONS: [(&str, &str); 2] = [
    (
        "ENABLE_QPSG",
        "statements with a `LIKE ?`, a `LIMIT ?` or (after ANALYZE) an indexed \
         equality are parsed and planned again on every execution",
    ),
    (
        "DEFAULT_MEMSTATUS=0",
        "every allocation takes a global mutex",
    ),
];

/// The connection pool plus a counter of every SQL statement sent through it
/// (exported as a metric; the tests use it to prove there is no N+1).
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    statements: Arc<AtomicU64>,
}

/// How a pool connects.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// Pool size (default: 10 on PostgreSQL, 8 on SQLite).
    pub max_connections: Option<u32>,
    /// Longest wait for a free connection; then SERVICE_UNAVAILABLE.
    pub acquire_timeout: Duration,
    /// Longest a statement may run or wait for a lock: PostgreSQL's
    /// `statement_timeout`, SQLite's busy timeout. `None`: no limit on
    /// PostgreSQL (migrations, imports), 10 s of busy waiting on SQLite.
    pub statement_timeout: Option<Duration>,
    /// Connections kept open while idle. sqlx reopens a lost one in the
    /// background, holding a pool slot while it retries with a backoff that
    /// grows to a minute: right for a pool with slots to spare, wrong for the
    /// one-slot health pool, whose ping would wait behind it long after the
    /// database is back.
    pub min_connections: u32,
    /// Connections idle at least this long are pinged before use; `None`:
    /// every checkout is pinged.
    pub ping_after_idle: Option<Duration>,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: None,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: None,
            min_connections: 1,
            ping_after_idle: None,
        }
    }
}

impl Db {
    /// Connects with the pool settings that suit each backend.
    pub async fn connect(url: &str, max_connections: Option<u32>) -> AppResult<Db> {
        Db::connect_with(
            url,
            &DbOptions {
                max_connections,
                ..DbOptions::default()
            },
        )
        .await
    }

    /// Connects with explicit pool options.
    pub async fn connect_with(url: &str, options: &DbOptions) -> AppResult<Db> {
        let sqlite = url.starts_with("sqlite:");
        let mut opts = ConnectOptions::new(url.to_string());
        opts.sqlx_logging(false)
            .max_connections(
                options
                    .max_connections
                    .unwrap_or(if sqlite { 8 } else { 10 }),
            )
            .min_connections(options.min_connections)
            .acquire_timeout(options.acquire_timeout);
        if let Some(idle) = options.ping_after_idle {
            opts.test_before_acquire_if_idle_for(idle);
        }
        if !sqlite {
            // Session settings for an OLTP workload whose data sits in memory: index
            // lookups cost about as much as sequential reads (the default of 4 makes
            // the planner seq-scan documents for a 20-row page: 13 ms instead of 1.5
            // ms, measured), and JIT compilation only adds latency to short queries.
            // A statement timeout stops runaway work on the server's side too.
            let timeout = options
                .statement_timeout
                .map_or_else(|| "0".to_string(), |t| t.as_millis().max(1).to_string());
            opts.map_sqlx_postgres_opts(move |o| {
                o.options([
                    ("random_page_cost", "1.1"),
                    ("jit", "off"),
                    ("statement_timeout", timeout.as_str()),
                ])
            });
        }
        if sqlite {
            // WAL lets readers run beside the writer; a busy timeout instead of
            // SQLITE_BUSY errors when two writers meet.
            let busy = options.statement_timeout.unwrap_or(Duration::from_secs(10));
            opts.map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(busy)
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        }
        let mut conn = Database::connect(opts)
            .await
            .map_err(|e| AppError::Internal(format!("cannot connect to the database: {e}")))?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            // The statement's text and time, never its values (they hold what
            // clients and editors sent): `RUST_LOG=cms::sql=debug`.
            tracing::debug!(target: "cms::sql", elapsed = ?info.elapsed, failed = info.failed, sql = %info.statement.sql);
        });
        Ok(Db { conn, statements })
    }

    /// The pool that serves requests: the configured statement and acquire
    /// timeouts apply.
    pub async fn serving(config: &Config) -> AppResult<Db> {
        Db::connect_with(&config.database_url(), &DbOptions::serving(config)).await
    }

    /// Connects as the configuration says, creating the data directory for the
    /// default SQLite file. No statement timeout: for migrations and imports.
    pub async fn from_config(config: &Config) -> AppResult<Db> {
        let url = config.database_url();
        if url.starts_with("sqlite:") {
            crate::config::create_private_dir(&config.data_dir).map_err(|e| {
                AppError::Internal(format!(
                    "cannot create data directory {}: {e}",
                    config.data_dir.display()
                ))
            })?;
            crate::config::warn_if_shared(&config.data_dir);
        }
        Db::connect(&url, config.db_max_connections).await
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// SQL statements sent since start.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub async fn migrate(&self) -> AppResult<()> {
        migration::Migrator::up(&self.conn, None)
            .await
            .map_err(|e| AppError::Internal(format!("migration failed: {e}")))
    }

    /// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`:
    /// the write lock is taken at once, so a concurrent writer waits (busy
    /// timeout) instead of failing later when its read snapshot has gone stale.
    /// PostgreSQL ignores the mode.
    pub async fn begin_write(&self) -> AppResult<sea_orm::DatabaseTransaction> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        Ok(self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?)
    }

    pub fn sql(&self) -> Sql {
        Sql::new(self.backend())
    }

    pub async fn all(&self, sql: Sql) -> AppResult<Vec<QueryResult>> {
        Ok(self.conn.query_all_raw(sql.build()).await?)
    }

    pub async fn all_as<T: FromQueryResult>(&self, sql: Sql) -> AppResult<Vec<T>> {
        let rows = self.all(sql).await?;
        rows.iter()
            .map(|r| T::from_query_result(r, "").map_err(AppError::from))
            .collect()
    }

    /// The compile options of `.cargo/config.toml` this SQLite build lacks, each
    /// with what its absence costs. Empty on PostgreSQL.
    pub async fn missing_sqlite_options(&self) -> AppResult<Vec<(&'static str, &'static str)>> {
        if self.backend() != DbBackend::Sqlite {
            return Ok(Vec::new());
        }
        let rows = self
            .conn
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA compile_options",
            ))
            .await?;
        let mut have = std::collections::HashSet::new();
        for row in rows {
            have.insert(row.try_get_by_index::<String>(0)?);
        }
        Ok(SQLITE_OPTIONS
            .into_iter()
            .filter(|(option, _)| !have.contains(*option))
            .collect())
    }

    /// Is the database reachable? (`/readyz`)
    pub async fn ping(&self) -> bool {
        self.conn.ping().await.is_ok()
    }
}

impl DbOptions {
    /// The options of the pool that serves requests.
    pub fn serving(config: &Config) -> DbOptions {
        DbOptions {
            max_connections: config.db_max_connections,
            acquire_timeout: Duration::from_millis(config.db_acquire_timeout_ms.max(1)),
            statement_timeout: (config.db_statement_timeout_ms > 0)
                .then(|| Duration::from_millis(config.db_statement_timeout_ms)),
            min_connections: 1,
            ping_after_idle: (config.db_ping_idle_ms > 0)
                .then(|| Duration::from_millis(config.db_ping_idle_ms)),
        }
    }

    /// The one-connection pool `/readyz` pings through, apart from the pool that
    /// requests may saturate.
    pub fn health() -> DbOptions {
        DbOptions {
            max_connections: Some(1),
            acquire_timeout: Duration::from_secs(1),
            statement_timeout: Some(Duration::from_secs(1)),
            // Every ping connects on its own if it must, within its second.
            min_connections: 0,
            ping_after_idle: None,
        }
    }
}

/// Raises the content generation (in the transaction of a content change), so
/// every process's cached counts of earlier generations stop being used.
pub async fn bump_generation<C: sea_orm::ConnectionTrait>(conn: &C) -> AppResult<()> {
    conn.execute_unprepared(
        "UPDATE content_generation SET generation = generation + 1 WHERE id = 1",
    )
    .await?;
    Ok(())
}

/// Runs a statement on a connection or a transaction; the number of rows changed.
pub async fn exec<C: sea_orm::ConnectionTrait>(conn: &C, sql: Sql) -> AppResult<u64> {
    Ok(conn.execute_raw(sql.build()).await?.rows_affected())
}

/// Runs a query on a connection or a transaction.
pub async fn query<C: sea_orm::ConnectionTrait>(conn: &C, sql: Sql) -> AppResult<Vec<QueryResult>> {
    Ok(conn.query_all_raw(sql.build()).await?)
}

/// Runs a query and maps every row.
pub async fn query_as<T: FromQueryResult, C: sea_orm::ConnectionTrait>(
    conn: &C,
    sql: Sql,
) -> AppResult<Vec<T>> {
    query(conn, sql)
        .await?
        .iter()
        .map(|r| T::from_query_result(r, "").map_err(AppError::from))
        .collect()
}

/// A statement under construction: text plus bound values, with `?` or `$n`
/// placeholders as the backend wants them.
#[derive(Debug)]
pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::with_capacity(256),
            values: Vec::new(),
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// Appends SQL text. Only `&'static str`: text written in the source or
    /// named by a typed enum (tables, columns, orderings), never a value, which
    /// goes through [`bind`](Self::bind).
    pub fn push(&mut self, s: &'static str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Writes an integer into the text: page sizes and limits, which the
    /// planners should see (a bound `LIMIT` hides the page size from
    /// PostgreSQL's generic plans). An integer type cannot carry SQL.
    pub fn push_int(&mut self, n: u64) -> &mut Self {
        self.text.push_str(&n.to_string());
        self
    }

    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.values.len().to_string());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// ` = ANY($n)` with the ids as one array parameter on PostgreSQL, so a
    /// query has one prepared statement whatever the number of ids. SQLite has no
    /// arrays: ` IN (?, ...)` with the list padded (by repeating its last id) to
    /// the next power of two, so there are a handful of statement shapes, not one
    /// per length. An empty list matches nothing.
    /// An aggregate of the group's rows as one JSON array of arrays, as text:
    /// `json_agg(json_build_array(<columns>) ORDER BY <order>)` on PostgreSQL
    /// (`[]` for no rows), `json_group_array(json_array(...) ORDER BY ...)` on
    /// SQLite. Read it back with [`json_rows`].
    pub fn json_array_agg(
        &mut self,
        columns: &[&'static str],
        order: Option<&'static str>,
    ) -> &mut Self {
        let postgres = self.backend == DbBackend::Postgres;
        self.push(if postgres {
            "COALESCE(json_agg(json_build_array("
        } else {
            "json_group_array(json_array("
        });
        for piece in columns {
            self.push(piece);
        }
        self.push(")");
        if let Some(order) = order {
            self.push(" ORDER BY ").push(order);
        }
        self.push(if postgres {
            "), '[]'::json)::text"
        } else {
            ")"
        })
    }

    /// `INSERT INTO <table> (<columns>) VALUES (...), (...)` with every value
    /// bound, for the rows given (at least one).
    pub fn insert_rows(
        &mut self,
        table: &'static str,
        columns: &[&'static str],
        rows: impl IntoIterator<Item = Vec<Value>>,
    ) -> &mut Self {
        self.push("INSERT INTO ").push(table).push(" (");
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push(c);
        }
        self.push(") VALUES ");
        for (r, row) in rows.into_iter().enumerate() {
            self.push(if r > 0 { ", (" } else { "(" });
            for (i, v) in row.into_iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.bind(v);
            }
            self.push(")");
        }
        self
    }

    pub fn in_ids(&mut self, ids: &[i32]) -> &mut Self {
        let Some(last) = ids.last().copied() else {
            return self.push(" IN (NULL)");
        };
        if self.backend == DbBackend::Postgres {
            let array = ids.iter().map(|id| Value::Int(Some(*id))).collect();
            self.push(" = ANY(")
                .bind(Value::Array(
                    sea_orm::sea_query::ArrayType::Int,
                    Some(Box::new(array)),
                ))
                .push(")")
        } else {
            self.push(" IN (");
            let padded = ids.len().next_power_of_two();
            for i in 0..padded {
                if i > 0 {
                    self.push(", ");
                }
                self.bind(ids.get(i).copied().unwrap_or(last));
            }
            self.push(")")
        }
    }

    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// The rows of a column written with [`Sql::json_array_agg`], each an array
/// decoded as `T` (a tuple of its columns).
pub fn json_rows<T: serde::de::DeserializeOwned>(
    r: &QueryResult,
    column: &str,
) -> AppResult<Vec<T>> {
    let json: String = r.try_get("", column)?;
    serde_json::from_str(&json)
        .map_err(|e| AppError::internal(format!("malformed JSON column {column}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_bundled_sqlite_is_built_with_the_project_s_options() {
        let db = Db::connect("sqlite::memory:", Some(1)).await.unwrap();
        assert_eq!(
            db.missing_sqlite_options().await.unwrap(),
            Vec::<(&str, &str)>::new()
        );
    }

    fn text(backend: DbBackend, ids: &[i32]) -> String {
        let mut sql = Sql::new(backend);
        sql.push("SELECT * FROM t WHERE id").in_ids(ids);
        sql.build().sql
    }

    #[test]
    fn id_lists_are_one_array_parameter_on_postgres() {
        let shapes: std::collections::HashSet<String> = (1..=50)
            .map(|n| text(DbBackend::Postgres, &(0..n).collect::<Vec<_>>()))
            .collect();
        assert_eq!(shapes.len(), 1, "{shapes:?}");
        assert!(shapes.contains("SELECT * FROM t WHERE id = ANY($1)"));
    }

    #[test]
    fn id_lists_have_few_shapes_on_sqlite() {
        let shapes: std::collections::HashSet<String> = (1..=50)
            .map(|n| text(DbBackend::Sqlite, &(0..n).collect::<Vec<_>>()))
            .collect();
        // 1, 2, 4, 8, 16, 32, 64 placeholders.
        assert_eq!(shapes.len(), 7);
        assert_eq!(
            text(DbBackend::Sqlite, &[]),
            "SELECT * FROM t WHERE id IN (NULL)"
        );
    }
}
