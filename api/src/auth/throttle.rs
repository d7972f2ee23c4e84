//! The failed-login limit, per email and per client address, kept in the database
//! (`login_attempts`) so every `cms` process sharing the database shares it.
//! A counter starts with the first failure and resets when its window has passed;
//! a successful login clears its email's counter (not its address's, so one good
//! password does not reopen a guessing run against other emails).
use crate::config::Config;
use crate::db::{exec, query, Db};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

pub struct Subjects {
    keys: Vec<(String, i32)>,
    window: Duration,
}

impl Subjects {
    pub fn new(config: &Config, email: &str, addr: Option<IpAddr>) -> Subjects {
        let mut keys = vec![(
            format!("email:{email}"),
            config.login_max_failures_per_email,
        )];
        if let Some(addr) = addr {
            keys.push((
                format!("addr:{addr}"),
                config.login_max_failures_per_address,
            ));
        }
        Subjects {
            keys,
            window: Duration::seconds(config.login_window_seconds.max(1)),
        }
    }

    /// RATE_LIMITED when any counter has reached its limit within its window.
    pub async fn check(&self, db: &Db, now: DateTime<Utc>) -> AppResult<()> {
        let mut sql = db.sql();
        sql.push("SELECT subject, failures, window_start FROM login_attempts WHERE subject IN (");
        for (i, (key, _)) in self.keys.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(key.clone());
        }
        sql.push(")");
        let mut wait = 0i64;
        for row in query(&db.conn, sql).await? {
            let subject: String = row.try_get("", "subject")?;
            let failures: i32 = row.try_get("", "failures")?;
            let start: DateTime<Utc> = row.try_get("", "window_start")?;
            let limit = self
                .keys
                .iter()
                .find(|(k, _)| *k == subject)
                .map_or(i32::MAX, |(_, l)| *l);
            let ends = start + self.window;
            if failures >= limit && ends > now {
                wait = wait.max((ends - now).num_seconds().max(1));
            }
        }
        if wait > 0 {
            return Err(AppError::RateLimited { retry_after: wait });
        }
        Ok(())
    }

    /// Counts one failure against every subject (one statement each, upserts).
    pub async fn record_failure(&self, db: &Db, now: DateTime<Utc>) -> AppResult<()> {
        let expired = now - self.window;
        for (key, _) in &self.keys {
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
                .push(" THEN excluded.window_start ELSE login_attempts.window_start END");
            exec(&db.conn, sql).await?;
        }
        Ok(())
    }

    /// A successful login clears its email's counter.
    pub async fn clear_email(&self, db: &Db) -> AppResult<()> {
        let mut sql = db.sql();
        sql.push("DELETE FROM login_attempts WHERE subject = ")
            .bind(self.keys[0].0.clone());
        exec(&db.conn, sql).await?;
        Ok(())
    }
}
