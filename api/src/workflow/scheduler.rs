//! Scheduled publishing and unpublishing: a job that publishes items whose
//! `scheduled_at` has come and unpublishes those whose `unpublish_at` has.
//! Every `cms` process may run it; each due item is handled exactly once, because a
//! run takes the due rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL (another
//! run skips them, and after the commit they are no longer due) and the database
//! write lock on SQLite (one writer at a time).
use super::{apply_transition, Action, Step};
use crate::audit;
use crate::auth::Actor;
use crate::content::Kind;
use crate::db::{exec, query, Db};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, TransactionTrait};
use std::time::Duration;

const BATCH: usize = 100;

/// The two scheduled steps: the column holding the time, and the action.
const JOBS: [(&str, Action); 2] = [
    ("scheduled_at", Action::Publish),
    ("unpublish_at", Action::Unpublish),
];

/// Publishes and unpublishes every item due at `now`; returns how many items
/// this run changed.
pub async fn publish_due(db: &Db, now: DateTime<Utc>) -> AppResult<usize> {
    let actor = Actor::system("scheduler");
    let mut published = 0;
    for kind in Kind::ALL.iter().copied() {
        for (column, action) in JOBS {
            published += run_job(db, &actor, kind, column, action, now).await?;
        }
    }
    Ok(published)
}

/// One scheduled step for one kind, in batches.
async fn run_job(
    db: &Db,
    actor: &Actor,
    kind: Kind,
    column: &'static str,
    action: Action,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let mut published = 0;
    {
        loop {
            // On SQLite the write lock is taken at BEGIN, so two runs cannot both
            // read the same due rows.
            let txn = db.begin_write().await?;
            let mut sql = db.sql();
            sql.push("SELECT id FROM ")
                .push(kind.table())
                .push(" WHERE ")
                .push(column)
                .push(" <= ")
                .bind(now)
                .push(" ORDER BY ")
                .push(column)
                .push(", id LIMIT ")
                .push_int(BATCH as u64);
            if db.backend() == DbBackend::Postgres {
                sql.push(" FOR UPDATE SKIP LOCKED");
            }
            let mut touched = Vec::new();
            let ids: Vec<i32> = query(&txn, sql)
                .await?
                .iter()
                .map(|r| r.try_get::<i32>("", "id"))
                .collect::<Result<_, _>>()?;
            for id in &ids {
                // Each item in its own savepoint: one that cannot be published
                // (not in review any more, a key taken or a reference deleted
                // meanwhile) loses its schedule, with an audit entry saying why,
                // and does not hold back the others.
                let mut outcome = attempt(&txn, actor, kind, *id, action).await?;
                // A takedown must happen: when the working copy cannot become
                // the content (a key taken meanwhile, say), the item is
                // archived instead, which keeps the published content.
                if action == Action::Unpublish
                    && !matches!(
                        outcome,
                        Ok(_) | Err(AppError::Timeout(_) | AppError::Unavailable(_))
                    )
                {
                    if let Ok(archived) = attempt(&txn, actor, kind, *id, Action::Archive).await? {
                        tracing::warn!(kind = kind.type_name(), id, "scheduled unpublication could not merge the working copy: archived instead");
                        outcome = Ok(archived);
                    }
                }
                match outcome {
                    Ok(change) => {
                        if change.is_some() {
                            touched.push((kind, *id));
                        }
                        published += 1;
                    }
                    // Faults of the database, not of the item: the schedule
                    // stays and the next run tries again. Anything else (an
                    // internal error included, say a damaged row) is the item's,
                    // which loses its schedule below rather than blocking every
                    // other due item run after run.
                    Err(err @ (AppError::Timeout(_) | AppError::Unavailable(_))) => {
                        return Err(err);
                    }
                    Err(err) => {
                        tracing::warn!(kind = kind.type_name(), id, column, error = %err, "scheduled step cannot be taken; schedule dropped");
                        let mut clear = db.sql();
                        clear
                            .push("UPDATE ")
                            .push(kind.table())
                            .push(" SET ")
                            .push(column)
                            .push(" = NULL WHERE id = ")
                            .bind(*id);
                        exec(&txn, clear).await?;
                        let target = crate::content::GlobalId::new(kind, *id).encode();
                        let reason = serde_json::json!({ "reason": err.public_message() });
                        let entry = audit::Entry {
                            actor,
                            action: audit::AuditAction::ScheduleDropped,
                            target: kind.into(),
                            target_id: &target,
                            before: None,
                            after: Some(reason),
                            at: Utc::now(),
                        };
                        audit::insert(&txn, entry).await?;
                    }
                }
            }
            // Raised once per batch, as the last lock before the commit (the
            // batch's rows are already locked by the SELECT above).
            super::commit(txn, &touched).await?;
            if ids.len() < BATCH {
                break;
            }
        }
    }
    Ok(published)
}

/// One step on one item in a savepoint of its own: committed when it worked,
/// rolled back when not (the step's error is the inner result).
async fn attempt(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    kind: Kind,
    id: i32,
    action: Action,
) -> AppResult<AppResult<Option<crate::invalidation::PublicChange>>> {
    let item = txn.begin().await?;
    match apply_transition(&item, actor, kind, id, Step::new(action)).await {
        Ok(change) => {
            item.commit().await?;
            Ok(Ok(change))
        }
        Err(err) => {
            item.rollback().await?;
            Ok(Err(err))
        }
    }
}

/// Runs the job every `interval` until the process ends.
pub async fn run(db: Db, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match publish_due(&db, Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(published = n, "scheduled publishing"),
            Err(e) => tracing::warn!(error = %e, "scheduled publishing failed; will retry"),
        }
    }
}
