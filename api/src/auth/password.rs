//! Password hashing with argon2id (the argon2 crate's defaults: 19 MiB, 2 passes,
//! OWASP's recommendation) in PHC strings, so parameters can rise later without
//! invalidating stored hashes.
use crate::error::{AppError, AppResult};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::{Arc, OnceLock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1024;

/// Checks a new password's length (in characters).
pub fn validate(password: &str, field: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(AppError::bad_field(
            field,
            format!("the password must have at least {MIN_LENGTH} characters"),
        ));
    }
    if n > MAX_LENGTH {
        return Err(AppError::bad_field(
            field,
            format!("the password must have at most {MAX_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// Hashes a password (on a blocking thread: it takes tens of milliseconds). The
/// hashing slot is held by the blocking work itself, so a request that is
/// cancelled meanwhile does not free the slot while the hash still runs.
pub async fn hash(password: String, slot: OwnedSemaphorePermit) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| AppError::internal(format!("password hashing task: {e}")))?
}

/// Verifies a password against a stored hash. `None` (no such user) verifies
/// against a fixed hash, so an unknown email costs the same time as a wrong
/// password and the response time does not tell which emails exist.
pub async fn verify(
    stored: Option<String>,
    password: String,
    slot: OwnedSemaphorePermit,
) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let known = stored.is_some();
        let stored = match stored {
            Some(s) => s,
            None => dummy_hash()?.to_string(),
        };
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| AppError::internal(format!("stored password hash: {e}")))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && ok)
    })
    .await
    .map_err(|e| AppError::internal(format!("password check task: {e}")))?
}

fn dummy_hash() -> AppResult<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let salt = SaltString::generate(&mut OsRng);
    let h = Argon2::default()
        .hash_password(b"no such user", &salt)
        .map_err(|e| AppError::internal(format!("password hashing: {e}")))?
        .to_string();
    Ok(DUMMY.get_or_init(|| h))
}

/// The concurrency bound on password hashing. Each hash takes tens of milliseconds
/// of a core and 19 MiB, so unbounded concurrent logins would pile up memory and
/// starve every other request: at most `concurrency` hashes run at once, and an
/// attempt that cannot start within `wait` is refused with RATE_LIMITED.
#[derive(Clone, Debug)]
pub struct Hashing {
    permits: Arc<Semaphore>,
    wait: std::time::Duration,
}

impl Hashing {
    pub fn new(concurrency: usize, wait: std::time::Duration) -> Hashing {
        Hashing {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            wait,
        }
    }

    /// From the configuration: the configured bound, else the number of cores.
    pub fn from_config(config: &crate::config::Config) -> Hashing {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hashing::new(
            config.password_hash_concurrency.unwrap_or(cores),
            std::time::Duration::from_millis(config.password_hash_wait_ms),
        )
    }

    /// A slot to hash in, waiting at most the configured time for one.
    pub async fn permit(&self) -> AppResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(AppError::internal("password hashing is shut down")),
            Err(_) => Err(AppError::RateLimited { retry_after: 1 }),
        }
    }

    /// [`hash`] under the bound.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        let slot = self.permit().await?;
        hash(password, slot).await
    }
}
