//! One error type for the whole service. Each variant maps to exactly one
//! `extensions.code`; internal errors are logged and reach clients as a generic
//! message, never with SQL, paths or stack traces.
//!
//! async-graphql converts any `Display` error into its own error through `?` and
//! drops the extensions, so resolvers convert through [`ResultExt::gql`] (or
//! [`AppError::into_gql`]), which sets the code.
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// The `extensions.code` values of DESIGN.md.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const CONFLICT: &str = "CONFLICT";
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    pub const INTERNAL: &str = "INTERNAL";
    /// Too many failed logins: not in DESIGN.md's list, because none of those
    /// tells a client to wait (`extensions.retryAfterSeconds` says how long).
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// The request took longer than the request timeout, or a database statement
    /// longer than the statement timeout: the work was stopped and its
    /// transaction rolled back (HTTP 504).
    pub const TIMEOUT: &str = "TIMEOUT";
    /// The client did not send its whole request body within the body deadline
    /// (`CMS_BODY_TIMEOUT_MS`); HTTP 408, and the connection is closed.
    pub const REQUEST_TIMEOUT: &str = "REQUEST_TIMEOUT";
    /// The service cannot take the request now: too many requests in flight, or
    /// the database is unreachable (HTTP 503 with `Retry-After`).
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    /// An automatic persisted query's hash this process does not know: the
    /// client sends the query with its hash again (Apollo's protocol).
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// The client sent something invalid; `field` is the path of the offending
    /// input field or argument when there is one.
    #[error("{message}")]
    BadInput {
        message: String,
        field: Option<String>,
    },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// An update named a version that is no longer the current one.
    #[error("the item has changed since version {expected}: it is now at version {current}; reload it and apply your change again")]
    StaleVersion { expected: i32, current: i32 },
    /// A workflow action that the item's status does not allow; `next` says
    /// what is allowed now (`extensions.allowed` lists the mutations).
    #[error("cannot {action} an item whose status is {status}: {next}")]
    IllegalTransition {
        action: &'static str,
        status: &'static str,
        next: String,
        allowed: Vec<String>,
    },
    #[error("too many failed logins; try again in {retry_after} seconds")]
    RateLimited { retry_after: i64 },
    /// A statement ran past the database's statement (or lock) timeout.
    #[error("the request took too long and was stopped; the change it was making was rolled back")]
    Timeout(String),
    /// The database cannot be reached (or no connection came free in time).
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    TooComplex(String),
    /// Anything the client cannot fix. The detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        AppError::BadInput {
            message: message.into(),
            field: None,
        }
    }

    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadInput {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        AppError::Unauthenticated(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadInput { .. } => code::BAD_USER_INPUT,
            AppError::Unauthenticated(_) => code::UNAUTHENTICATED,
            AppError::Forbidden(_) => code::FORBIDDEN,
            AppError::NotFound(_) => code::NOT_FOUND,
            AppError::Conflict(_)
            | AppError::StaleVersion { .. }
            | AppError::IllegalTransition { .. } => code::CONFLICT,
            AppError::RateLimited { .. } => code::RATE_LIMITED,
            AppError::Timeout(_) => code::TIMEOUT,
            AppError::Unavailable(_) => code::SERVICE_UNAVAILABLE,
            AppError::PayloadTooLarge(_) => code::PAYLOAD_TOO_LARGE,
            AppError::TooComplex(_) => code::QUERY_TOO_COMPLEX,
            AppError::Internal(_) => code::INTERNAL,
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "internal server error".to_string(),
            other => other.to_string(),
        }
    }
}

impl From<DbErr> for AppError {
    /// Database facts become domain errors in this one place.
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                return AppError::Conflict("an item with the same unique key already exists".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return AppError::bad_input("a referenced item does not exist or is still in use")
            }
            _ => {}
        }
        match err {
            DbErr::RecordNotFound(what) => AppError::NotFound(what),
            DbErr::ConnectionAcquire(e) => AppError::Unavailable(format!("database: {e}")),
            DbErr::Conn(RuntimeErr::SqlxError(e))
            | DbErr::Exec(RuntimeErr::SqlxError(e))
            | DbErr::Query(RuntimeErr::SqlxError(e)) => from_sqlx(&e),
            DbErr::Conn(other) => AppError::Unavailable(format!("database: {other}")),
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

/// Driver errors: the ones that say "too slow" or "cannot reach the database"
/// get codes of their own, so a client can tell them from a bug.
fn from_sqlx(e: &sea_orm::sqlx::Error) -> AppError {
    use sea_orm::sqlx::Error as E;
    let detail = format!("database: {e}");
    match e {
        E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed => {
            AppError::Unavailable(detail)
        }
        E::Database(db) => match db.code().as_deref() {
            // PostgreSQL: query_canceled (statement_timeout), lock_not_available.
            Some("57014") | Some("55P03") => AppError::Timeout(detail),
            // SQLite (numeric codes, shorter than SQLSTATEs): SQLITE_BUSY and
            // SQLITE_LOCKED with their extended codes (the busy timeout ran out).
            Some(c) if c.len() < 5 && c.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)) => {
                AppError::Timeout(detail)
            }
            // PostgreSQL: a data exception in a bound value (our statements are
            // fixed; the values are the client's), e.g. a NUL character in text.
            Some(c) if c.len() == 5 && c.starts_with("22") => AppError::bad_input(
                "a value cannot be stored or compared (it holds a NUL character or is out of range)",
            ),
            // PostgreSQL: connection exceptions, server shutting down or starting.
            Some(c) if c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03") => {
                AppError::Unavailable(detail)
            }
            _ => AppError::Internal(detail),
        },
        _ => AppError::Internal(detail),
    }
}

impl From<serde_json::Error> for AppError {
    fn from(err: serde_json::Error) -> Self {
        AppError::Internal(format!("json: {err}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Characters of a client's value an error message repeats.
const QUOTED_CHARS: usize = 64;

/// A client's value quoted for an error message (as `{:?}` would), cut after
/// [`QUOTED_CHARS`] characters with its length in bytes: a long bad value used
/// at every item of a list must not come back at length in every error.
pub fn quoted(value: &str) -> String {
    let shown = clipped(value);
    if shown.len() == value.len() {
        format!("{value:?}")
    } else {
        format!("{shown:?}... ({} bytes)", value.len())
    }
}

/// The first [`QUOTED_CHARS`] characters of a client's value (for a field
/// path such as `translations.<locale>`).
pub fn clipped(value: &str) -> &str {
    match value.char_indices().nth(QUOTED_CHARS) {
        None => value,
        Some((cut, _)) => &value[..cut],
    }
}
