//! The failed-login limit, per email and per client address, kept in the database
//! (`login_attempts`) so every `cms` process sharing the database shares it.
//! Every attempt is counted before the password is checked; a counter resets when
//! its window has passed. A successful login clears its email's counter and takes
//! back its own count from its address's (not the earlier failures, so one good
//! password does not reopen a guessing run against other emails).
use crate::config::Config;
use crate::db::{exec, query, Db};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

/// The longest email counted (RFC 5321's limit); longer ones are never anyone's.
pub const MAX_EMAIL: usize = 254;

/// The counters one attempt touches: the client address first (an address over
/// its limit is refused before its guesses add rows for more emails), then the
/// email.
pub struct Subjects {
    keys: Vec<(String, i32)>,
    email_key: String,
    window: Duration,
}

impl Subjects {
    pub fn new(config: &Config, email: &str, addr: Option<IpAddr>) -> Subjects {
        let mut keys = Vec::with_capacity(2);
        if let Some(addr) = addr {
            keys.push((
                format!("addr:{addr}"),
                config.login_max_failures_per_address,
            ));
        }
        let email: String = email.chars().take(MAX_EMAIL).collect();
        let email_key = format!("email:{email}");
        keys.push((email_key.clone(), config.login_max_failures_per_email));
        Subjects {
            keys,
            email_key,
            window: Duration::seconds(config.login_window_seconds.max(1)),
        }
    }

    /// Counts an attempt against every subject first (one atomic upsert each),
    /// then refuses it (RATE_LIMITED) when a counter is over its limit within its
    /// window. Counting before the password check means concurrent guesses
    /// cannot all slip through before the first failure is recorded.
    pub async fn attempt(&self, db: &Db, now: DateTime<Utc>) -> AppResult<()> {
        let expired = now - self.window;
        let mut wait = 0i64;
        for (key, limit) in &self.keys {
            let mut sql = db.sql();
            sql.push("INSERT INTO login_attempts (subject, failures, window_start) VALUES (")
                .bind(key.clone())
                .push(", 1, ")
                .bind(now)
                .push(
                    ") ON CONFLICT (subject) DO UPDATE SET \
                     failures = CASE WHEN login_attempts.window_start < ",
                )
                .bind(expired)
                .push(" THEN 1 ELSE login_attempts.failures + 1 END, window_start = CASE WHEN login_attempts.window_start < ")
                .bind(expired)
                .push(" THEN excluded.window_start ELSE login_attempts.window_start END \
                       RETURNING failures, window_start");
            let rows = query(&db.conn, sql).await?;
            let Some(row) = rows.first() else {
                continue;
            };
            let failures: i32 = row.try_get("", "failures")?;
            let start: DateTime<Utc> = row.try_get("", "window_start")?;
            if failures > *limit {
                wait = wait.max((start + self.window - now).num_seconds().max(1));
                break;
            }
        }
        if wait > 0 {
            return Err(AppError::RateLimited { retry_after: wait });
        }
        Ok(())
    }

    /// A successful attempt: the email's counter is cleared; the address's gives
    /// back the attempt it counted (its failures stay). Counters whose window has
    /// passed are removed too, so the table only holds current windows.
    pub async fn succeeded(&self, db: &Db, now: DateTime<Utc>) -> AppResult<()> {
        for (key, _) in &self.keys {
            let mut sql = db.sql();
            if *key == self.email_key {
                sql.push("DELETE FROM login_attempts WHERE subject = ")
                    .bind(key.clone());
            } else {
                sql.push("UPDATE login_attempts SET failures = failures - 1 WHERE failures > 0 AND subject = ")
                    .bind(key.clone());
            }
            exec(&db.conn, sql).await?;
        }
        let mut sql = db.sql();
        sql.push("DELETE FROM login_attempts WHERE window_start < ")
            .bind(now - self.window);
        exec(&db.conn, sql).await?;
        Ok(())
    }
}
