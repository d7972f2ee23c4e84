//! The failed-login limit, kept in the database (`login_attempts`) so every `cms`
//! process sharing the database shares it. Three counters, each over one window:
//!
//! - per (email, client address) pair, the tight one (default 5): someone failing
//!   on an email from their own address is stopped there, and only there;
//! - per client address (default 50), against one client spraying guesses over
//!   many emails; IPv6 clients are grouped by /64, since one host usually holds a
//!   whole /64 and could otherwise step through addresses;
//! - per email, a much higher ceiling (default 100) against guessing spread over
//!   many addresses.
//!
//! A third party failing on someone's email from elsewhere therefore fills only
//! their own pair and address counters; the owner still logs in from their own
//! address. Even a distributed run that exhausts the per-email ceiling does not
//! stop the owner at an address they have logged in from successfully in the last
//! `CMS_LOGIN_KNOWN_ADDRESS_DAYS` (a `known:` row): known addresses are exempt
//! from that ceiling, though not from their own pair and address limits. (The rejected alternative, one counter per email, let anyone lock any
//! staff member out with five requests.)
//!
//! Every attempt is counted before the password is checked, so concurrent guesses
//! cannot slip through before the first failure is recorded. A successful login
//! clears its pair's counter and gives back its own count to the others (their
//! earlier failures stay, so one good password does not reopen a guessing run).
//! Expired counters are removed by [`sweep`], which the server runs in the
//! background.
use crate::config::Config;
use crate::db::{exec, query, Db};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

/// The longest email counted (RFC 5321's limit); longer ones are never anyone's.
pub const MAX_EMAIL: usize = 254;

/// The email's share of a pair key (the subject column holds 300 characters).
const PAIR_EMAIL: usize = 200;

/// What a client address counts as: itself for IPv4 (and IPv4-mapped IPv6), its
/// /64 network for IPv6.
pub fn address_group(addr: IpAddr) -> String {
    match addr.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
    }
}

/// The counters one attempt touches, in the order they are counted: the client
/// address first (an address over its limit is refused before its guesses add
/// rows for more emails), then the pair, then the email.
pub struct Subjects {
    keys: Vec<Counter>,
    window: Duration,
    /// `known:<address group>|<email>`: set by a successful login from that
    /// address, it exempts the pair from the per-email ceiling.
    known: Option<String>,
    known_for: Duration,
    /// The attempt came from a known address, so it was not counted against
    /// the per-email ceiling: nothing to give back there either.
    email_skipped: AtomicBool,
}

struct Counter {
    key: String,
    limit: i32,
    /// Cleared by a successful login (the pair); the others only give back the
    /// successful attempt's own count.
    cleared_on_success: bool,
    /// The per-email ceiling, which a known address does not count against.
    per_email: bool,
}

impl Subjects {
    pub fn new(config: &Config, email: &str, addr: Option<IpAddr>) -> Subjects {
        let email: String = email.chars().take(MAX_EMAIL).collect();
        let group = addr.map(address_group);
        let mut keys = Vec::with_capacity(3);
        if let Some(group) = &group {
            keys.push(Counter {
                key: format!("addr:{group}"),
                limit: config.login_max_failures_per_address,
                cleared_on_success: false,
                per_email: false,
            });
        }
        let short: String = email.chars().take(PAIR_EMAIL).collect();
        keys.push(Counter {
            key: format!("pair:{}|{short}", group.as_deref().unwrap_or("-")),
            limit: config.login_max_failures_per_pair,
            cleared_on_success: true,
            per_email: false,
        });
        keys.push(Counter {
            key: format!("email:{email}"),
            limit: config.login_max_failures_per_email,
            cleared_on_success: false,
            per_email: true,
        });
        let known = group
            .filter(|_| config.login_known_address_days > 0)
            .map(|g| format!("known:{g}|{short}"));
        Subjects {
            keys,
            window: Duration::seconds(config.login_window_seconds.max(1)),
            known,
            known_for: Duration::days(config.login_known_address_days.clamp(0, 3650)),
            email_skipped: AtomicBool::new(false),
        }
    }

    /// The one counter of a login that presents a valid device token for its
    /// account (OWASP's device cookies): the device's own failures, never the
    /// email's ceiling or the address's, so failures others cause on the email,
    /// from however many addresses, do not lock the owner out on a device they
    /// have logged in from before. A stolen device token gives a guesser only
    /// this device's allowance.
    pub fn device(config: &Config, did: &str) -> Subjects {
        let did: String = did.chars().take(64).collect();
        Subjects {
            keys: vec![Counter {
                key: format!("device:{did}"),
                limit: config.login_max_failures_per_device,
                cleared_on_success: true,
                per_email: false,
            }],
            window: Duration::seconds(config.login_window_seconds.max(1)),
            known: None,
            known_for: Duration::zero(),
            email_skipped: AtomicBool::new(false),
        }
    }

    /// Counts an attempt against each subject in turn (one atomic upsert each)
    /// and refuses it (RATE_LIMITED) at the first counter over its limit within
    /// its window; the later counters are not touched then.
    pub async fn attempt(&self, db: &Db, now: DateTime<Utc>) -> AppResult<()> {
        let expired = now - self.window;
        let known = self.is_known(db, now).await?;
        self.email_skipped.store(known, Ordering::Relaxed);
        for counter in &self.keys {
            if counter.per_email && known {
                continue;
            }
            let mut sql = db.sql();
            sql.push("INSERT INTO login_attempts (subject, failures, window_start) VALUES (")
                .bind(counter.key.clone())
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
            if failures > counter.limit {
                let wait = (start + self.window - now).num_seconds().max(1);
                return Err(AppError::RateLimited { retry_after: wait });
            }
        }
        Ok(())
    }

    /// Whether this address has logged in to this email successfully lately.
    async fn is_known(&self, db: &Db, now: DateTime<Utc>) -> AppResult<bool> {
        let Some(key) = &self.known else {
            return Ok(false);
        };
        let mut sql = db.sql();
        sql.push("SELECT 1 AS k FROM login_attempts WHERE subject = ")
            .bind(key.clone())
            .push(" AND window_start >= ")
            .bind(now - self.known_for);
        Ok(!query(&db.conn, sql).await?.is_empty())
    }

    /// A password-hashing slot for this attempt; when none comes free in time
    /// the attempt is refused (RATE_LIMITED) and gives back what it counted, so
    /// a busy server does not turn into failed logins.
    pub async fn slot(
        &self,
        hashing: &super::password::Hashing,
        db: &Db,
    ) -> AppResult<tokio::sync::OwnedSemaphorePermit> {
        match hashing.permit().await {
            Ok(slot) => Ok(slot),
            Err(err) => {
                self.give_back(db, false).await?;
                Err(err)
            }
        }
    }

    /// Takes back the attempt's count from every counter (and clears the pair's
    /// when `clear_pair`).
    async fn give_back(&self, db: &Db, clear_pair: bool) -> AppResult<()> {
        let email_skipped = self.email_skipped.load(Ordering::Relaxed);
        for counter in &self.keys {
            if counter.per_email && email_skipped {
                continue;
            }
            let mut sql = db.sql();
            if clear_pair && counter.cleared_on_success {
                sql.push("DELETE FROM login_attempts WHERE subject = ")
                    .bind(counter.key.clone());
            } else {
                sql.push("UPDATE login_attempts SET failures = failures - 1 WHERE failures > 0 AND subject = ")
                    .bind(counter.key.clone());
            }
            exec(&db.conn, sql).await?;
        }
        Ok(())
    }

    /// A successful attempt: the pair's counter is cleared; the address's and the
    /// email's give back the attempt they counted.
    pub async fn succeeded(&self, db: &Db) -> AppResult<()> {
        self.give_back(db, true).await?;
        if let Some(key) = &self.known {
            let mut sql = db.sql();
            sql.push("INSERT INTO login_attempts (subject, failures, window_start) VALUES (")
                .bind(key.clone())
                .push(", 0, ")
                .bind(Utc::now())
                .push(") ON CONFLICT (subject) DO UPDATE SET window_start = excluded.window_start");
            exec(&db.conn, sql).await?;
        }
        Ok(())
    }
}

/// Removes the counters whose window has passed; returns how many.
pub async fn sweep(db: &Db, config: &Config, now: DateTime<Utc>) -> AppResult<u64> {
    let window = Duration::seconds(config.login_window_seconds.max(1));
    let known_for = Duration::days(config.login_known_address_days.clamp(0, 3650));
    let mut sql = db.sql();
    sql.push("DELETE FROM login_attempts WHERE (subject NOT LIKE 'known:%' AND window_start < ")
        .bind(now - window)
        .push(") OR (subject LIKE 'known:%' AND window_start < ")
        .bind(now - known_for)
        .push(")");
    let counters = exec(&db.conn, sql).await?;
    // Revoked tokens that would have expired by now anyway.
    let mut sql = db.sql();
    sql.push("DELETE FROM revoked_tokens WHERE expires_at < ")
        .bind(now);
    Ok(counters + exec(&db.conn, sql).await?)
}

/// The background job: sweeps expired counters every `every` (a minute, or the
/// window when that is shorter), for as long as the server runs.
pub async fn run_sweeper(db: Db, config: std::sync::Arc<Config>) {
    let every = std::time::Duration::from_secs(config.login_window_seconds.clamp(1, 60) as u64);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&db, &config, Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(removed = n, "expired login counters removed"),
            Err(e) => tracing::warn!(error = %e, "cannot remove expired login counters"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::address_group;

    #[test]
    fn ipv6_clients_are_grouped_by_64_and_ipv4_by_address() {
        let g = |s: &str| address_group(s.parse().expect("ip"));
        assert_eq!(g("2001:db8:1:2:3:4:5:6"), g("2001:db8:1:2:ffff::1"));
        assert_ne!(g("2001:db8:1:2::1"), g("2001:db8:1:3::1"));
        assert_eq!(g("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(g("203.0.113.5"), "203.0.113.5");
        assert_ne!(g("203.0.113.5"), g("203.0.113.6"));
        assert_eq!(g("::ffff:203.0.113.5"), "203.0.113.5");
    }
}
