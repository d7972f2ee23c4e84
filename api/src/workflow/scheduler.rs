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
use crate::db::{exec, query, Db, Sql};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
use std::time::Duration;

const BATCH: usize = 100;

/// The two scheduled steps: the column holding the time, and the action.
const JOBS: [(&str, Action); 2] = [
    ("scheduled_at", Action::Publish),
    ("unpublish_at", Action::Unpublish),
];

/// One scheduled step for the items of one type.
#[derive(Clone, Copy)]
struct Job {
    kind: Kind,
    /// The column holding the time.
    column: &'static str,
    action: Action,
}

/// Publishes and unpublishes every item due at `now`; returns how many items
/// this run changed.
pub async fn publish_due(db: &Db, now: DateTime<Utc>) -> AppResult<usize> {
    let actor = Actor::system("scheduler");
    let mut published = 0;
    for kind in Kind::ALL.iter().copied() {
        for (column, action) in JOBS {
            let job = Job {
                kind,
                column,
                action,
            };
            published += run_job(db, &actor, job, now).await?;
        }
    }
    Ok(published)
}

/// One job, in batches of [`BATCH`] items, each batch one transaction.
async fn run_job(db: &Db, actor: &Actor, job: Job, now: DateTime<Utc>) -> AppResult<usize> {
    let mut done = 0;
    loop {
        // On SQLite the write lock is taken at BEGIN, so two runs cannot both
        // read the same due rows.
        let txn = db.begin_write().await?;
        let ids = due(&txn, job, now).await?;
        let mut touched = Vec::new();
        for id in &ids {
            match take_step(&txn, actor, job, *id).await? {
                Ok(change) => {
                    if change.is_some() {
                        touched.push((job.kind, *id));
                    }
                    done += 1;
                }
                // Faults of the database, not of the item: the schedule
                // stays and the next run tries again. Anything else (an
                // internal error included, say a damaged row) is the item's,
                // which loses its schedule rather than blocking every other
                // due item run after run.
                Err(err @ (AppError::Timeout(_) | AppError::Unavailable(_))) => return Err(err),
                Err(err) => drop_schedule(&txn, actor, job, *id, &err).await?,
            }
        }
        // Raised once per batch, as the last lock before the commit (the
        // batch's rows are already locked by the SELECT in `due`).
        super::commit(txn, &touched).await?;
        if ids.len() < BATCH {
            return Ok(done);
        }
    }
}

/// The ids of a batch of items due at `now`, locked (skipping those another
/// run holds, on PostgreSQL).
async fn due(
    txn: &sea_orm::DatabaseTransaction,
    job: Job,
    now: DateTime<Utc>,
) -> AppResult<Vec<i32>> {
    let backend = txn.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT id FROM ")
        .push(job.kind.table())
        .push(" WHERE ")
        .push(job.column)
        .push(" <= ")
        .bind(now)
        .push(" ORDER BY ")
        .push(job.column)
        .push(", id LIMIT ")
        .push_int(BATCH as u64);
    if backend == DbBackend::Postgres {
        sql.push(" FOR UPDATE SKIP LOCKED");
    }
    Ok(query(txn, sql)
        .await?
        .iter()
        .map(|r| r.try_get::<i32>("", "id"))
        .collect::<Result<_, _>>()?)
}

/// The job's step on one item, in a savepoint of its own, so one that cannot
/// be taken (not in review any more, a key taken or a reference deleted
/// meanwhile) does not hold back the others. A takedown must happen: when the
/// working copy cannot become the content (a key taken meanwhile, say), the
/// item is archived instead, which keeps the published content.
async fn take_step(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    job: Job,
    id: i32,
) -> AppResult<AppResult<Option<crate::invalidation::PublicChange>>> {
    let outcome = attempt(txn, actor, job.kind, id, job.action).await?;
    let item_fault = !matches!(
        outcome,
        Ok(_) | Err(AppError::Timeout(_) | AppError::Unavailable(_))
    );
    if job.action == Action::Unpublish && item_fault {
        if let Ok(archived) = attempt(txn, actor, job.kind, id, Action::Archive).await? {
            tracing::warn!(
                kind = job.kind.type_name(),
                id,
                "scheduled unpublication could not merge the working copy: archived instead"
            );
            return Ok(Ok(archived));
        }
    }
    Ok(outcome)
}

/// Drops the schedule of an item whose step cannot be taken, with an audit
/// entry saying why.
async fn drop_schedule(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    job: Job,
    id: i32,
    err: &AppError,
) -> AppResult<()> {
    tracing::warn!(kind = job.kind.type_name(), id, column = job.column, error = %err, "scheduled step cannot be taken; schedule dropped");
    let mut clear = Sql::new(txn.get_database_backend());
    clear
        .push("UPDATE ")
        .push(job.kind.table())
        .push(" SET ")
        .push(job.column)
        .push(" = NULL WHERE id = ")
        .bind(id);
    exec(txn, clear).await?;
    let target = crate::content::GlobalId::new(job.kind, id).encode();
    let reason = serde_json::json!({ "reason": err.public_message() });
    let entry = audit::Entry {
        actor,
        action: audit::AuditAction::ScheduleDropped,
        target: job.kind.into(),
        target_id: &target,
        before: None,
        after: Some(reason),
        at: Utc::now(),
    };
    audit::insert(txn, entry).await
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
