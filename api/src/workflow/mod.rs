//! The editorial workflow, one mechanism for every content type: create and edit
//! (a published item gets a working copy, so the public keeps the published
//! version), the status transitions, optimistic versions, revisions, the audit
//! log, hard delete, restore and scheduled publishing.
//!
//! Every change runs in one transaction whose first statement takes the item's row
//! lock (`UPDATE … SET version = version`): on PostgreSQL it serialises changes to
//! one item, on SQLite it takes the write lock before anything is read, so a
//! concurrent writer waits instead of failing on a stale snapshot.
pub mod audit;
pub mod data;
pub mod graphql;
pub mod revisions;
pub mod scheduler;

use crate::auth::{Actor, Role, Viewer};
use crate::content::Kind;
use crate::db::{exec, query, Db, Sql};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use data::Data;
use entity::Status;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde_json::json;

/// What a change does (also the `action` of revisions and audit entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    SubmitForReview,
    Withdraw,
    Reject,
    Publish,
    Unpublish,
    Archive,
    SchedulePublish,
    Restore,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "CREATE",
            Action::Update => "UPDATE",
            Action::SubmitForReview => "SUBMIT_FOR_REVIEW",
            Action::Withdraw => "WITHDRAW",
            Action::Reject => "REJECT",
            Action::Publish => "PUBLISH",
            Action::Unpublish => "UNPUBLISH",
            Action::Archive => "ARCHIVE",
            Action::SchedulePublish => "SCHEDULE_PUBLISH",
            Action::Restore => "RESTORE",
            Action::Delete => "DELETE",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "edit",
            Action::SubmitForReview => "submit for review",
            Action::Withdraw => "withdraw",
            Action::Reject => "reject",
            Action::Publish => "publish",
            Action::Unpublish => "unpublish",
            Action::Archive => "archive",
            Action::SchedulePublish => "schedule",
            Action::Restore => "restore",
            Action::Delete => "delete",
        }
    }

    /// The weakest role that may do this to an item of this kind. Regions are
    /// the site's structure: only administrators change them (DESIGN.md).
    pub fn required_role(self, kind: Kind) -> Role {
        if kind == Kind::Region {
            return Role::Admin;
        }
        match self {
            Action::Create | Action::Update | Action::SubmitForReview | Action::Withdraw => {
                Role::Editor
            }
            Action::Reject
            | Action::Publish
            | Action::Unpublish
            | Action::Archive
            | Action::SchedulePublish
            | Action::Restore => Role::Publisher,
            Action::Delete => Role::Admin,
        }
    }
}

/// The workflow columns of an item's row.
#[derive(Debug, Clone)]
pub struct Meta {
    pub id: i32,
    pub status: Status,
    pub draft: Option<String>,
    pub draft_status: Option<Status>,
    pub version: i32,
    pub scheduled_at: Option<DateTime<Utc>>,
}

impl Meta {
    fn read(row: &QueryResult) -> AppResult<Meta> {
        Ok(Meta {
            id: row.try_get("", "id")?,
            status: row.try_get("", "status")?,
            draft: row.try_get("", "draft")?,
            draft_status: row.try_get("", "draft_status")?,
            version: row.try_get("", "version")?,
            scheduled_at: row.try_get("", "scheduled_at")?,
        })
    }

    /// The status editors work with: the working copy's while there is one.
    pub fn head_status(&self) -> Status {
        match (&self.draft, self.draft_status) {
            (Some(_), Some(s)) => s,
            _ => self.status,
        }
    }
}

/// An item's row, locked, with its current content.
struct Locked {
    meta: Meta,
    head: Data,
}

async fn lock<C: ConnectionTrait>(conn: &C, kind: Kind, id: i32) -> AppResult<Locked> {
    let b = conn.get_database_backend();
    let mut sql = Sql::new(b);
    sql.push("UPDATE ")
        .push(kind.table())
        .push(" SET version = version WHERE id = ")
        .bind(id);
    if exec(conn, sql).await? == 0 {
        return Err(AppError::NotFound(kind.type_name().to_string()));
    }
    let mut sql = Sql::new(b);
    sql.push("SELECT * FROM ")
        .push(kind.table())
        .push(" WHERE id = ")
        .bind(id);
    let row = query(conn, sql)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound(kind.type_name().to_string()))?;
    let meta = Meta::read(&row)?;
    let head = match &meta.draft {
        Some(json) => Data::from_json(json)?,
        None => data::load_row(conn, kind, &row).await?,
    };
    Ok(Locked { meta, head })
}

/// The before/after of an audit entry.
fn state(status: Status, version: i32, data: &Data) -> AppResult<serde_json::Value> {
    Ok(json!({
        "status": status.as_str(),
        "version": version,
        "data": serde_json::to_value(data)?,
    }))
}

/// Sets workflow columns of a row.
async fn set<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    id: i32,
    cols: Vec<(&'static str, Value)>,
) -> AppResult<()> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("UPDATE ").push(kind.table()).push(" SET ");
    for (i, (c, v)) in cols.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(c).push(" = ").bind(v);
    }
    sql.push(" WHERE id = ").bind(id);
    exec(conn, sql).await?;
    Ok(())
}

/// Checks that referenced items exist and unique keys are free, inside the
/// transaction that writes.
async fn check_consistency<C: ConnectionTrait>(
    conn: &C,
    id: Option<i32>,
    data: &Data,
) -> AppResult<()> {
    let b = conn.get_database_backend();
    for (kind, ref_id, field) in data.references() {
        let mut sql = Sql::new(b);
        sql.push("SELECT id FROM ")
            .push(kind.table())
            .push(" WHERE id = ")
            .bind(ref_id);
        if query(conn, sql).await?.is_empty() {
            return Err(AppError::bad_field(
                field,
                format!(
                    "no {} with id {}",
                    kind.type_name(),
                    crate::content::GlobalId::new(kind, ref_id).encode()
                ),
            ));
        }
    }
    let mut unique = vec![("slug", data.slug().to_string())];
    if let Data::Country(c) = data {
        unique.push(("iso2", c.iso2.clone()));
    }
    let kind = data.kind();
    for (col, value) in unique {
        let mut sql = Sql::new(b);
        sql.push("SELECT id FROM ")
            .push(kind.table())
            .push(" WHERE ")
            .push(col)
            .push(" = ")
            .bind(value.clone());
        if let Some(id) = id {
            sql.push(" AND id <> ").bind(id);
        }
        if !query(conn, sql).await?.is_empty() {
            return Err(AppError::Conflict(format!(
                "another {} already has the {col} {value:?}",
                kind.type_name().to_lowercase()
            )));
        }
    }
    Ok(())
}

/// Writes the revision and the audit entry of a change.
#[allow(clippy::too_many_arguments)]
async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    action: Action,
    kind: Kind,
    id: i32,
    before: Option<serde_json::Value>,
    after: Option<(Status, i32, &Data)>,
    comment: Option<&str>,
) -> AppResult<()> {
    let now = Utc::now();
    let after_json = match after {
        Some((status, version, data)) => {
            revisions::insert(
                conn, actor, action, kind, id, status, version, data, comment, now,
            )
            .await?;
            Some(state(status, version, data)?)
        }
        None => None,
    };
    let target = crate::content::GlobalId::new(kind, id).encode();
    audit::insert(
        conn,
        actor,
        action.as_str(),
        kind.type_name(),
        &target,
        before,
        after_json,
        now,
    )
    .await
}

fn require(viewer: &Viewer, action: Action, kind: Kind) -> AppResult<&Actor> {
    viewer.require(action.required_role(kind))
}

/// Creates an item as DRAFT, version 1.
pub async fn create(db: &Db, viewer: &Viewer, data: Data) -> AppResult<i32> {
    let kind = data.kind();
    let actor = require(viewer, Action::Create, kind)?;
    data.validate()?;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    check_consistency(&txn, None, &data).await?;
    let id = data::insert(
        &txn,
        &data,
        vec![
            ("status", Status::Draft.as_str().into()),
            ("version", 1.into()),
            ("created_at", now.into()),
            ("updated_at", now.into()),
            ("created_by", actor.id.clone().into()),
            ("updated_by", actor.id.clone().into()),
        ],
    )
    .await?;
    record(
        &txn,
        actor,
        Action::Create,
        kind,
        id,
        None,
        Some((Status::Draft, 1, &data)),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Saves new content for an item: into its row, or into its working copy when it
/// is published (the public keeps the published version). `expected` must be the
/// current version (else CONFLICT with the current one, nothing written); `None`
/// (restore) skips the check. Any save cancels a schedule: what was approved has
/// changed.
#[allow(clippy::too_many_arguments)]
async fn save<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    action: Action,
    kind: Kind,
    id: i32,
    expected: Option<i32>,
    edit: impl FnOnce(Data) -> AppResult<Data>,
    force_draft: bool,
) -> AppResult<()> {
    let locked = lock(conn, kind, id).await?;
    let meta = &locked.meta;
    if let Some(expected) = expected {
        if expected != meta.version {
            return Err(AppError::StaleVersion {
                expected,
                current: meta.version,
            });
        }
    }
    let head_status = meta.head_status();
    let before = state(head_status, meta.version, &locked.head)?;
    let data = edit(locked.head.clone())?;
    if data.kind() != kind {
        return Err(AppError::bad_input(
            "the revision belongs to another kind of item",
        ));
    }
    data.validate()?;
    check_consistency(conn, Some(id), &data).await?;
    let version = meta.version + 1;
    let now = Utc::now();
    let mut cols: Vec<(&'static str, Value)> = vec![
        ("version", version.into()),
        ("updated_by", actor.id.clone().into()),
        ("scheduled_at", Option::<DateTime<Utc>>::None.into()),
    ];
    let new_status = if meta.status == Status::Published {
        // A working copy on top of the published row.
        let s = match meta.draft_status {
            Some(s) if meta.draft.is_some() && !force_draft => s,
            _ => Status::Draft,
        };
        cols.push(("draft", Some(data.to_json()?).into()));
        cols.push(("draft_status", Some(s.as_str()).into()));
        s
    } else {
        data::write_row(conn, id, &data).await?;
        cols.push(("updated_at", now.into()));
        let s = match meta.status {
            Status::InReview if !force_draft => Status::InReview,
            _ => Status::Draft,
        };
        cols.push(("status", s.as_str().into()));
        s
    };
    set(conn, kind, id, cols).await?;
    record(
        conn,
        actor,
        action,
        kind,
        id,
        Some(before),
        Some((new_status, version, &data)),
        None,
    )
    .await
}

/// Edits an item (see [`save`]).
pub async fn update(
    db: &Db,
    viewer: &Viewer,
    kind: Kind,
    id: i32,
    expected: i32,
    edit: impl FnOnce(Data) -> AppResult<Data>,
) -> AppResult<()> {
    let actor = require(viewer, Action::Update, kind)?;
    let txn = db.begin_write().await?;
    save(
        &txn,
        actor,
        Action::Update,
        kind,
        id,
        Some(expected),
        edit,
        false,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes a new draft of an item from one of its revisions.
pub async fn restore(db: &Db, viewer: &Viewer, revision_id: i32) -> AppResult<(Kind, i32)> {
    viewer.require(Role::Editor)?;
    let rev = revisions::get(&db.conn, revision_id).await?;
    let actor = require(viewer, Action::Restore, rev.kind)?;
    let data = Data::from_json(&rev.data)?;
    let txn = db.begin_write().await?;
    save(
        &txn,
        actor,
        Action::Restore,
        rev.kind,
        rev.item_id,
        None,
        |_| Ok(data),
        true,
    )
    .await?;
    txn.commit().await?;
    Ok((rev.kind, rev.item_id))
}

/// A status change (every action but create, update, restore and delete).
/// `at` is the time of a schedule, `comment` a rejection's reason.
pub async fn transition(
    db: &Db,
    viewer: &Viewer,
    kind: Kind,
    id: i32,
    action: Action,
    at: Option<DateTime<Utc>>,
    comment: Option<String>,
) -> AppResult<()> {
    let actor = require(viewer, action, kind)?;
    let txn = db.begin_write().await?;
    apply_transition(&txn, actor, kind, id, action, at, comment).await?;
    txn.commit().await?;
    Ok(())
}

async fn apply_transition<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    kind: Kind,
    id: i32,
    action: Action,
    at: Option<DateTime<Utc>>,
    comment: Option<String>,
) -> AppResult<()> {
    let locked = lock(conn, kind, id).await?;
    let meta = &locked.meta;
    let head = meta.head_status();
    let illegal = || AppError::IllegalTransition {
        action: action.verb(),
        status: head.as_str(),
    };
    let now = Utc::now();
    let version = meta.version + 1;
    let before = state(head, meta.version, &locked.head)?;
    let has_draft = meta.draft.is_some();
    let mut cols: Vec<(&'static str, Value)> = vec![
        ("version", version.into()),
        ("updated_by", actor.id.clone().into()),
    ];
    let no_schedule = || ("scheduled_at", Option::<DateTime<Utc>>::None.into());
    // The new head status, and whether the working copy goes into the row.
    let (new_status, merge) = match action {
        Action::SubmitForReview if head == Status::Draft => (Status::InReview, false),
        Action::Withdraw | Action::Reject if head == Status::InReview => {
            cols.push(no_schedule());
            if action == Action::Reject {
                cols.push(("review_comment", comment.clone().into()));
            }
            (Status::Draft, false)
        }
        Action::Publish if head == Status::InReview => {
            cols.push(no_schedule());
            cols.push(("published_at", Some(now).into()));
            cols.push(("published_by", Some(actor.id.clone()).into()));
            cols.push(("review_comment", Option::<String>::None.into()));
            (Status::Published, true)
        }
        Action::SchedulePublish if head == Status::InReview => {
            let at = at.ok_or_else(|| AppError::bad_field("at", "a time is required"))?;
            if at <= now {
                return Err(AppError::bad_field(
                    "at",
                    "the time must be in the future (publish now with `publish`)",
                ));
            }
            cols.push(("scheduled_at", Some(at).into()));
            (head, false)
        }
        Action::Unpublish if meta.status == Status::Published => {
            cols.push(no_schedule());
            (Status::Draft, true)
        }
        Action::Archive if meta.status == Status::Published => {
            cols.push(no_schedule());
            (Status::Archived, true)
        }
        _ => return Err(illegal()),
    };
    if merge || !has_draft {
        if merge && has_draft {
            // The working copy becomes the row's content.
            data::write_row(conn, id, &locked.head).await?;
        }
        if merge {
            cols.push(("draft", Option::<String>::None.into()));
            cols.push(("draft_status", Option::<String>::None.into()));
            cols.push(("updated_at", now.into()));
        }
        cols.push(("status", new_status.as_str().into()));
    } else {
        cols.push(("draft_status", Some(new_status.as_str()).into()));
    }
    set(conn, kind, id, cols).await?;
    record(
        conn,
        actor,
        action,
        kind,
        id,
        Some(before),
        Some((new_status, version, &locked.head)),
        comment.as_deref(),
    )
    .await
}

/// Deletes an item for good, with its children and revisions. Refused (CONFLICT)
/// while any other item refers to it, working copies included, so no reference is
/// ever left dangling; the audit log keeps its last content.
pub async fn delete(db: &Db, viewer: &Viewer, kind: Kind, id: i32) -> AppResult<()> {
    let actor = require(viewer, Action::Delete, kind)?;
    let txn = db.begin_write().await?;
    let locked = lock(&txn, kind, id).await?;
    let users = referrers(&txn, kind, id).await?;
    if users > 0 {
        return Err(AppError::Conflict(format!(
            "{users} other item(s) refer to this {}: remove those references first",
            kind.type_name().to_lowercase()
        )));
    }
    let before = state(locked.meta.head_status(), locked.meta.version, &locked.head)?;
    let b = txn.get_database_backend();
    let mut sql = Sql::new(b);
    sql.push("DELETE FROM ")
        .push(kind.table())
        .push(" WHERE id = ")
        .bind(id);
    exec(&txn, sql).await?;
    revisions::delete_for(&txn, kind, id).await?;
    record(
        &txn,
        actor,
        Action::Delete,
        kind,
        id,
        Some(before),
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// How many items refer to an item, in rows and in working copies.
async fn referrers<C: ConnectionTrait>(conn: &C, kind: Kind, id: i32) -> AppResult<i64> {
    let b = conn.get_database_backend();
    let row_refs: &[(&str, &str)] = match kind {
        Kind::Region => &[("countries", "region_id")],
        Kind::Country => &[
            ("programme_countries", "country_id"),
            ("document_countries", "country_id"),
        ],
        Kind::Programme => &[("documents", "programme_id")],
        Kind::Document => &[],
    };
    let mut n = 0i64;
    for (table, col) in row_refs {
        let mut sql = Sql::new(b);
        sql.push("SELECT COUNT(*) AS n FROM ")
            .push(table)
            .push(" WHERE ")
            .push(col)
            .push(" = ")
            .bind(id);
        if let Some(r) = query(conn, sql).await?.first() {
            n += r.try_get::<i64>("", "n")?;
        }
    }
    // Working copies of published items refer by id inside their snapshot.
    for other in [Kind::Country, Kind::Programme, Kind::Document] {
        let mut sql = Sql::new(b);
        sql.push("SELECT draft FROM ")
            .push(other.table())
            .push(" WHERE draft IS NOT NULL");
        for r in query(conn, sql).await? {
            let json: String = r.try_get("", "draft")?;
            let refs = Data::from_json(&json)?.references();
            n += refs
                .iter()
                .filter(|(k, i, _)| *k == kind && *i == id)
                .count() as i64;
        }
    }
    Ok(n)
}
