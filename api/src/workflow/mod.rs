//! The editorial workflow, one mechanism for every content type: create and edit
//! (a published item gets a working copy, so the public keeps the published
//! version), the status transitions, optimistic versions, revisions, the audit
//! log, hard delete, restore and scheduled publishing.
//!
//! Every change runs in one transaction whose first statement takes the item's row
//! lock (`UPDATE … SET version = version`): on PostgreSQL it serialises changes to
//! one item, on SQLite it takes the write lock before anything is read, so a
//! concurrent writer waits instead of failing on a stale snapshot.
pub mod graphql;
pub mod revisions;
pub mod scheduler;

use crate::audit;
use crate::auth::{Actor, Role, Viewer};
use crate::catalog::Data;
use crate::content::derived;
use crate::content::model::At;
use crate::content::text::TextLimits;
use crate::content::Kind;
use crate::db::{exec, query, Db, Sql};
use crate::error::{AppError, AppResult};
use crate::invalidation::{self, PublicChange};
use chrono::{DateTime, Utc};
use entity::Status;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};
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
    ScheduleUnpublish,
    CancelScheduledPublish,
    CancelScheduledUnpublish,
    Discard,
    Restore,
    Import,
    Delete,
}

impl From<Action> for audit::AuditAction {
    fn from(action: Action) -> Self {
        match action {
            Action::Create => Self::Create,
            Action::Update => Self::Update,
            Action::SubmitForReview => Self::SubmitForReview,
            Action::Withdraw => Self::Withdraw,
            Action::Reject => Self::Reject,
            Action::Publish => Self::Publish,
            Action::Unpublish => Self::Unpublish,
            Action::Archive => Self::Archive,
            Action::SchedulePublish => Self::SchedulePublish,
            Action::ScheduleUnpublish => Self::ScheduleUnpublish,
            Action::CancelScheduledPublish => Self::CancelScheduledPublish,
            Action::CancelScheduledUnpublish => Self::CancelScheduledUnpublish,
            Action::Discard => Self::Discard,
            Action::Restore => Self::Restore,
            Action::Import => Self::Import,
            Action::Delete => Self::Delete,
        }
    }
}

impl Action {
    /// The stored name: the audit action's, so revisions and the audit log agree.
    pub fn as_str(self) -> &'static str {
        audit::AuditAction::from(self).as_str()
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
            Action::SchedulePublish => "schedule the publication of",
            Action::ScheduleUnpublish => "schedule the unpublication of",
            Action::CancelScheduledPublish => "cancel the scheduled publication of",
            Action::CancelScheduledUnpublish => "cancel the scheduled unpublication of",
            Action::Discard => "discard the changes of",
            Action::Restore => "restore",
            Action::Import => "import",
            Action::Delete => "delete",
        }
    }

    /// The weakest role that may do this to an item of this kind. Regions are
    /// the site's structure: only administrators change them (DESIGN.md; the
    /// type's `ADMIN_ONLY`).
    pub fn required_role(self, kind: Kind) -> Role {
        if kind.admin_only() {
            return Role::Admin;
        }
        match self {
            Action::Create
            | Action::Update
            | Action::SubmitForReview
            | Action::Withdraw
            | Action::Discard => Role::Editor,
            Action::Reject
            | Action::Publish
            | Action::Unpublish
            | Action::Archive
            | Action::SchedulePublish
            | Action::ScheduleUnpublish
            | Action::CancelScheduledPublish
            | Action::CancelScheduledUnpublish
            | Action::Restore => Role::Publisher,
            Action::Import | Action::Delete => Role::Admin,
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
    pub draft_version: Option<i32>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub unpublish_at: Option<DateTime<Utc>>,
}

impl Meta {
    fn read(row: &QueryResult) -> AppResult<Meta> {
        Ok(Meta {
            id: row.try_get("", "id")?,
            status: row.try_get("", "status")?,
            draft: row.try_get("", "draft")?,
            draft_status: row.try_get("", "draft_status")?,
            version: row.try_get("", "version")?,
            draft_version: row.try_get("", "draft_version")?,
            scheduled_at: row.try_get("", "scheduled_at")?,
            unpublish_at: row.try_get("", "unpublish_at")?,
        })
    }

    /// The status editors work with: the working copy's while there is one.
    pub fn head_status(&self) -> Status {
        match (&self.draft, self.draft_status) {
            (Some(_), Some(s)) => s,
            _ => self.status,
        }
    }

    /// The version editors work with: the working copy's while there is one.
    pub fn head_version(&self) -> i32 {
        match (&self.draft, self.draft_version) {
            (Some(_), Some(v)) => v,
            _ => self.version,
        }
    }
}

/// An item's row, locked, with its current content.
struct Locked {
    meta: Meta,
    row: QueryResult,
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
        None => Data::load_row(conn, kind, &row).await?,
    };
    Ok(Locked { meta, row, head })
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
    // Every workflow write is an editorial change: the queue's order.
    sql.push("UPDATE ")
        .push(kind.table())
        .push(" SET changed_at = ")
        .bind(Utc::now());
    for (c, v) in cols {
        sql.push(", ").push(c).push(" = ").bind(v);
    }
    sql.push(" WHERE id = ").bind(id);
    exec(conn, sql).await?;
    Ok(())
}

/// Clears the working copy's key columns (the copy goes).
fn no_draft_keys(kind: Kind, cols: &mut Vec<(&'static str, Value)>) {
    for column in Data::draft_key_columns(kind) {
        cols.push((column, Option::<String>::None.into()));
    }
}

/// Checks that referenced items exist and unique keys are free (among rows and
/// other items' working copies), inside the transaction that writes. On
/// PostgreSQL the referenced rows are read `FOR SHARE`: a concurrent delete of one
/// of them (which locks it first) waits for this change to commit and then sees
/// the new reference, or this change waits and finds the item gone.
async fn check_consistency<C: ConnectionTrait>(
    conn: &C,
    id: Option<i32>,
    data: &Data,
) -> AppResult<()> {
    let b = conn.get_database_backend();
    // One statement per kind referred to, however many items of it.
    let references = data.references();
    for kind in Kind::ALL.iter().copied() {
        let wanted: Vec<i32> = references
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.id)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let mut sql = Sql::new(b);
        sql.push("SELECT id FROM ")
            .push(kind.table())
            .push(" WHERE id")
            .in_ids(&wanted);
        if b == DbBackend::Postgres {
            sql.push(" FOR SHARE");
        }
        let found: std::collections::HashSet<i32> = query(conn, sql)
            .await?
            .iter()
            .map(|r| r.try_get::<i32>("", "id"))
            .collect::<Result<_, _>>()?;
        if let Some(r) = references
            .iter()
            .find(|r| r.kind == kind && !found.contains(&r.id))
        {
            return Err(AppError::bad_field(
                r.field,
                format!(
                    "no {} with id {}",
                    kind.type_name(),
                    crate::content::GlobalId::new(kind, r.id).encode()
                ),
            ));
        }
    }
    let kind = data.kind();
    let unique = data.keys();
    let taken = |col: &str, value: &str| {
        AppError::Conflict(format!(
            "another {} already has the {col} {value:?}",
            kind.type_name().to_lowercase()
        ))
    };
    // A key is taken by another row or by another item's working copy (its
    // keys are columns of their own, indexed): one statement per key.
    for ((col, value), (draft_col, _)) in unique.iter().zip(data.draft_keys()) {
        let mut sql = Sql::new(b);
        sql.push("SELECT id FROM ")
            .push(kind.table())
            .push(" WHERE (")
            .push(col)
            .push(" = ")
            .bind(value.clone())
            .push(" OR ")
            .push(draft_col)
            .push(" = ")
            .bind(value.clone())
            .push(")");
        if let Some(id) = id {
            sql.push(" AND id <> ").bind(id);
        }
        if !query(conn, sql).await?.is_empty() {
            return Err(taken(col, value));
        }
    }
    Ok(())
}

/// Who does what to which item: the subject of a revision and an audit entry.
#[derive(Clone, Copy)]
pub struct Change<'a> {
    pub actor: &'a Actor,
    pub action: Action,
    pub kind: Kind,
    pub id: i32,
}

/// An item's state after a change: status, version, content.
pub type After<'a> = (Status, i32, &'a Data);

/// Writes the revision and the audit entry of a change.
async fn record<C: ConnectionTrait>(
    conn: &C,
    change: &Change<'_>,
    before: Option<serde_json::Value>,
    after: Option<After<'_>>,
    comment: Option<&str>,
) -> AppResult<()> {
    let Change {
        actor,
        action,
        kind,
        id,
    } = *change;
    let now = Utc::now();
    let after_json = match after {
        Some((status, version, data)) => {
            revisions::insert(conn, change, (status, version, data), comment, now).await?;
            Some(state(status, version, data)?)
        }
        None => None,
    };
    let target = crate::content::GlobalId::new(kind, id).encode();
    audit::insert(
        conn,
        audit::Entry {
            actor,
            action: action.into(),
            target: kind.into(),
            target_id: &target,
            before,
            after: after_json,
            at: now,
        },
    )
    .await
}

/// Commits a content change, raising the content generation last: the shared
/// generation row is locked only for the commit itself, after every row lock the
/// change takes, so writers never wait for each other in a cycle. Under that
/// lock the one hook of derived data ([`derived::refresh`]) rewrites what the
/// items the change `touched` imply: writers take it one at a time, so each
/// rewrite reads every change committed before it.
pub(crate) async fn commit(
    txn: sea_orm::DatabaseTransaction,
    touched: &[(Kind, i32)],
) -> AppResult<()> {
    crate::db::bump_generation(&txn).await?;
    derived::refresh(&txn, touched).await?;
    txn.commit().await?;
    Ok(())
}

fn require(viewer: &Viewer, action: Action, kind: Kind) -> AppResult<&Actor> {
    viewer.require(action.required_role(kind))
}

/// Creates an item as DRAFT, version 1.
pub async fn create(db: &Db, viewer: &Viewer, mut data: Data, text: &TextLimits) -> AppResult<i32> {
    let kind = data.kind();
    let actor = require(viewer, Action::Create, kind)?;
    data.check(At::INPUT, text)?;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    check_consistency(&txn, None, &data).await?;
    let id = data
        .insert(
            &txn,
            vec![
                ("status", Status::Draft.as_str().into()),
                ("version", 1.into()),
                ("created_at", now.into()),
                ("updated_at", now.into()),
                ("changed_at", now.into()),
                ("created_by", actor.id.clone().into()),
                ("updated_by", actor.id.clone().into()),
            ],
        )
        .await?;
    record(
        &txn,
        &Change {
            actor,
            action: Action::Create,
            kind,
            id,
        },
        None,
        Some((Status::Draft, 1, &data)),
        None,
    )
    .await?;
    commit(txn, &[]).await?;
    Ok(id)
}

/// Saves new content for an item: into its row, or into its working copy when it
/// is published (the public keeps the published version and its version number).
/// `expected` must be the current version (else CONFLICT with the current one,
/// nothing written); `None` (restore) skips the check. A save makes the item a
/// DRAFT again and cancels a schedule: what a publisher reviewed or approved has
/// changed, so it goes through review again.
///
/// A published item saved (or restored) back to exactly its published content
/// keeps no working copy: there is nothing left to publish. Its version still
/// moves on, which is the one public change a save can make (returned).
async fn save<C: ConnectionTrait>(
    conn: &C,
    change: Change<'_>,
    expected: Option<i32>,
    text: &TextLimits,
    edit: impl FnOnce(Data) -> AppResult<Data>,
) -> AppResult<Option<PublicChange>> {
    let Change {
        actor,
        action,
        kind,
        id,
    } = change;
    let locked = lock(conn, kind, id).await?;
    let meta = &locked.meta;
    let current = meta.head_version();
    if let Some(expected) = expected {
        if expected != current {
            return Err(AppError::StaleVersion { expected, current });
        }
    }
    let before = state(meta.head_status(), current, &locked.head)?;
    let mut data = edit(locked.head.clone())?;
    if data.kind() != kind {
        return Err(AppError::bad_input(
            "the revision belongs to another kind of item",
        ));
    }
    // Every save, a restored revision's too (it may predate today's rules).
    data.check(At::INPUT, text)?;
    check_consistency(conn, Some(id), &data).await?;
    let version = current + 1;
    let now = Utc::now();
    let mut cols: Vec<(&'static str, Value)> = vec![
        ("updated_by", actor.id.clone().into()),
        ("scheduled_at", Option::<DateTime<Utc>>::None.into()),
    ];
    let mut status = Status::Draft;
    let mut public = None;
    if meta.status == Status::Published {
        let published = Data::load_row(conn, kind, &locked.row).await?;
        if published == data {
            cols.push(("draft", Option::<String>::None.into()));
            cols.push(("draft_status", Option::<String>::None.into()));
            cols.push(("draft_version", Option::<i32>::None.into()));
            no_draft_keys(kind, &mut cols);
            cols.push(("version", version.into()));
            status = Status::Published;
            public = Some(public_change(conn, kind, id, Some(&published), Some(&published)).await?);
        } else {
            // A working copy on top of the published row.
            cols.push(("draft", Some(data.to_json()?).into()));
            for (column, key) in data.draft_keys() {
                cols.push((column, Some(key).into()));
            }
            cols.push(("draft_status", Some(Status::Draft.as_str()).into()));
            cols.push(("draft_version", Some(version).into()));
        }
    } else {
        data.write_row(conn, id).await?;
        cols.push(("updated_at", now.into()));
        cols.push(("status", Status::Draft.as_str().into()));
        cols.push(("version", version.into()));
    }
    set(conn, kind, id, cols).await?;
    record(
        conn,
        &Change {
            actor,
            action,
            kind,
            id,
        },
        Some(before),
        Some((status, version, &data)),
        None,
    )
    .await?;
    Ok(public)
}

/// Edits an item (see [`save`]).
pub async fn update(
    db: &Db,
    viewer: &Viewer,
    kind: Kind,
    id: i32,
    expected: i32,
    text: &TextLimits,
    edit: impl FnOnce(Data) -> AppResult<Data>,
) -> AppResult<PublicChange> {
    let actor = require(viewer, Action::Update, kind)?;
    let txn = db.begin_write().await?;
    let change = Change {
        actor,
        action: Action::Update,
        kind,
        id,
    };
    let public = save(&txn, change, Some(expected), text, edit).await?;
    // A save changes a public row only to give it a new version (see
    // `save`): its place-index rows are rewritten then, to the same values.
    commit_public(txn, kind, id, public).await
}

/// Commits a change that may have changed what the public sees of an item.
async fn commit_public(
    txn: sea_orm::DatabaseTransaction,
    kind: Kind,
    id: i32,
    public: Option<PublicChange>,
) -> AppResult<PublicChange> {
    let touched: &[(Kind, i32)] = if public.is_some() { &[(kind, id)] } else { &[] };
    commit(txn, touched).await?;
    Ok(public.unwrap_or_default())
}

/// Makes a new draft of an item from one of its revisions (none, when the
/// revision is what the public sees: see [`save`]).
pub async fn restore(
    db: &Db,
    viewer: &Viewer,
    revision_id: i32,
    text: &TextLimits,
) -> AppResult<(Kind, i32, PublicChange)> {
    viewer.require(Role::Editor)?;
    let rev = revisions::get(&db.conn, revision_id).await?;
    let actor = require(viewer, Action::Restore, rev.kind)?;
    let data = Data::from_json(&rev.data)?;
    let txn = db.begin_write().await?;
    let change = Change {
        actor,
        action: Action::Restore,
        kind: rev.kind,
        id: rev.item_id,
    };
    let public = save(&txn, change, None, text, |_| Ok(data)).await?;
    let public = commit_public(txn, rev.kind, rev.item_id, public).await?;
    Ok((rev.kind, rev.item_id, public))
}

/// A status change (every action but create, update, restore and delete).
/// `at` is the time of a schedule, `comment` a rejection's reason.
/// One status change asked of an item: the action, its time (schedules), its
/// comment (rejections) and the version the person asking has seen.
#[derive(Debug, Clone)]
pub struct Step {
    pub action: Action,
    pub at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    /// The version the change was decided on; another version is CONFLICT
    /// (`StaleVersion`). Required for publishing, so nobody publishes what they
    /// have not reviewed; `None` only where the API makes it optional.
    pub expected: Option<i32>,
}

impl Step {
    pub fn new(action: Action) -> Step {
        Step {
            action,
            at: None,
            comment: None,
            expected: None,
        }
    }
}

/// Returns the public change it made (nothing when the public sees nothing
/// new), for the caller's own response cache; other processes hear of it
/// through `invalidation`.
pub async fn transition(
    db: &Db,
    viewer: &Viewer,
    kind: Kind,
    id: i32,
    step: Step,
) -> AppResult<PublicChange> {
    let actor = require(viewer, step.action, kind)?;
    let txn = db.begin_write().await?;
    let change = apply_transition(&txn, actor, kind, id, step).await?;
    commit_public(txn, kind, id, change).await
}

/// The tags of a public change of an item: its references in what the public
/// saw (`published`, when it was published) and in what it sees now.
async fn public_change<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    id: i32,
    published: Option<&Data>,
    now: Option<&Data>,
) -> AppResult<PublicChange> {
    let refs = published
        .into_iter()
        .chain(now)
        .flat_map(|d| d.references())
        .map(|r| (r.kind, r.id));
    let tags = invalidation::change_tags(kind, id, refs);
    invalidation::announce(conn, Some(&tags)).await
}

/// Applies a status change; returns the public change it made, `None` when the
/// public sees nothing new (a step on a working copy, a schedule, an item that
/// neither was nor becomes published).
async fn apply_transition<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    kind: Kind,
    id: i32,
    step: Step,
) -> AppResult<Option<PublicChange>> {
    let Step {
        action, expected, ..
    } = step;
    let locked = lock(conn, kind, id).await?;
    let meta = &locked.meta;
    let head = meta.head_status();
    let now = Utc::now();
    let current = meta.head_version();
    if let Some(expected) = expected {
        if expected != current {
            return Err(AppError::StaleVersion { expected, current });
        }
    }
    let version = current + 1;
    let before = state(head, current, &locked.head)?;
    let has_draft = meta.draft.is_some();
    let mut cols: Vec<(&'static str, Value)> = vec![("updated_by", actor.id.clone().into())];
    let (new_status, copy) = decide(&step, kind, meta, actor, now, &mut cols)?;
    // A step on a working copy leaves the public row alone; otherwise the
    // public sees a change when the item was or becomes published. What it saw
    // is read now, before anything is written (a merge rewrites the links).
    let was_public = meta.status == Status::Published;
    let public = !(has_draft && copy == Copy::Keep)
        && action != Action::SchedulePublish
        && (was_public || new_status == Status::Published);
    let published = match (public && was_public, has_draft) {
        (true, true) => Some(Data::load_row(conn, kind, &locked.row).await?),
        (true, false) => Some(locked.head.clone()),
        (false, _) => None,
    };
    let content = if has_draft && copy == Copy::Keep {
        cols.push(("draft_status", Some(new_status.as_str()).into()));
        cols.push(("draft_version", Some(version).into()));
        locked.head.clone()
    } else {
        let content = if has_draft && copy == Copy::Merge {
            // References and keys may have changed since the copy was saved.
            check_consistency(conn, Some(id), &locked.head).await?;
            locked.head.write_row(conn, id).await?;
            locked.head.clone()
        } else if has_draft {
            Data::load_row(conn, kind, &locked.row).await?
        } else {
            locked.head.clone()
        };
        if has_draft {
            cols.push(("draft", Option::<String>::None.into()));
            cols.push(("draft_status", Option::<String>::None.into()));
            cols.push(("draft_version", Option::<i32>::None.into()));
            no_draft_keys(kind, &mut cols);
        }
        if copy == Copy::Merge {
            cols.push(("updated_at", now.into()));
        }
        cols.push(("status", new_status.as_str().into()));
        cols.push(("version", version.into()));
        content
    };
    set(conn, kind, id, cols).await?;
    record(
        conn,
        &Change {
            actor,
            action,
            kind,
            id,
        },
        Some(before),
        Some((new_status, version, &content)),
        step.comment.as_deref(),
    )
    .await?;
    if !public {
        return Ok(None);
    }
    let now = (new_status == Status::Published).then_some(&content);
    Ok(Some(
        public_change(conn, kind, id, published.as_ref(), now).await?,
    ))
}

/// What happens to a published item's working copy.
#[derive(PartialEq)]
enum Copy {
    /// Stays a working copy (its status and version change).
    Keep,
    /// Becomes the row's content.
    Merge,
    /// Is dropped; the row keeps the published content (the copy stays in
    /// the revisions).
    Drop,
}

/// What a transition does, given the item's state: its new status, what happens
/// to a working copy, and the workflow columns it sets (pushed onto `cols`).
fn decide(
    step: &Step,
    kind: Kind,
    meta: &Meta,
    actor: &Actor,
    now: DateTime<Utc>,
    cols: &mut Vec<(&'static str, Value)>,
) -> AppResult<(Status, Copy)> {
    let Step {
        action,
        at,
        comment,
        ..
    } = step;
    let (action, at) = (*action, *at);
    let head = meta.head_status();
    let no_schedule = || ("scheduled_at", Option::<DateTime<Utc>>::None.into());
    let no_unpublish = || ("unpublish_at", Option::<DateTime<Utc>>::None.into());
    let decided = match action {
        Action::SubmitForReview if head == Status::Draft => (Status::InReview, Copy::Keep),
        Action::Withdraw | Action::Reject if head == Status::InReview => {
            cols.push(no_schedule());
            if action == Action::Reject {
                cols.push(("review_comment", comment.clone().into()));
            }
            (Status::Draft, Copy::Keep)
        }
        Action::Publish if head == Status::InReview => {
            cols.push(no_schedule());
            cols.push(("published_at", Some(now).into()));
            cols.push(("published_by", Some(actor.id.clone()).into()));
            cols.push(("review_comment", Option::<String>::None.into()));
            (Status::Published, Copy::Merge)
        }
        Action::SchedulePublish if head == Status::InReview => {
            cols.push(("scheduled_at", Some(future(at, now, "publish")?).into()));
            (head, Copy::Keep)
        }
        Action::ScheduleUnpublish if meta.status == Status::Published => {
            cols.push(("unpublish_at", Some(future(at, now, "unpublish")?).into()));
            (head, Copy::Keep)
        }
        Action::CancelScheduledPublish if meta.scheduled_at.is_some() => {
            cols.push(no_schedule());
            (head, Copy::Keep)
        }
        Action::CancelScheduledUnpublish if meta.unpublish_at.is_some() => {
            cols.push(no_unpublish());
            (head, Copy::Keep)
        }
        // The working copy goes; the public keeps what it sees, and so do the
        // editors now (the copy stays in the revisions).
        Action::Discard if meta.draft.is_some() => {
            cols.push(no_schedule());
            (meta.status, Copy::Drop)
        }
        // Off the public site; the editors' latest work becomes the content.
        Action::Unpublish if meta.status == Status::Published => {
            cols.push(no_schedule());
            cols.push(no_unpublish());
            (Status::Draft, Copy::Merge)
        }
        // Off the public site, keeping what was published.
        Action::Archive if meta.status == Status::Published => {
            cols.push(no_schedule());
            cols.push(no_unpublish());
            (Status::Archived, Copy::Drop)
        }
        Action::Create
        | Action::Update
        | Action::SubmitForReview
        | Action::Withdraw
        | Action::Reject
        | Action::Publish
        | Action::SchedulePublish
        | Action::ScheduleUnpublish
        | Action::CancelScheduledPublish
        | Action::CancelScheduledUnpublish
        | Action::Discard
        | Action::Unpublish
        | Action::Archive
        | Action::Restore
        | Action::Import
        | Action::Delete => return Err(illegal(action, kind, meta)),
    };
    Ok(decided)
}

/// A schedule's time, which must be given and in the future (`now` is the
/// mutation named `verb`).
fn future(at: Option<DateTime<Utc>>, now: DateTime<Utc>, verb: &str) -> AppResult<DateTime<Utc>> {
    let at = at.ok_or_else(|| AppError::bad_field("at", "a time is required"))?;
    if at <= now {
        return Err(AppError::bad_field(
            "at",
            format!("the time must be in the future ({verb} now with `{verb}`)"),
        ));
    }
    Ok(at)
}

/// The error of a step the item's state does not allow, naming those it does.
fn illegal(action: Action, kind: Kind, meta: &Meta) -> AppError {
    let (next, allowed) = next_steps(action, kind, meta);
    AppError::IllegalTransition {
        action: action.verb(),
        status: meta.head_status().as_str(),
        next,
        allowed,
    }
}

/// What an editor may do next with an item in this state (for the message of
/// an illegal transition): a sentence, and the mutations it names.
fn next_steps(tried: Action, kind: Kind, meta: &Meta) -> (String, Vec<String>) {
    let head = meta.head_status();
    let copy = meta.draft.is_some();
    // An edit is allowed in every state (it makes the item, or its working
    // copy, a DRAFT). Roles are not considered: the list says what the item
    // allows, the caller's role may allow less.
    let mut allowed: Vec<&'static str> = vec!["update"];
    match head {
        Status::Draft => allowed.push("submitForReview"),
        Status::InReview => allowed.extend(["publish", "schedulePublish", "reject", "withdraw"]),
        Status::Published | Status::Archived => {}
    }
    if meta.status == Status::Published {
        allowed.extend(["unpublish", "archive", "scheduleUnpublish"]);
        if copy {
            allowed.push("discardChanges");
        }
    }
    if meta.scheduled_at.is_some() {
        allowed.push("cancelScheduledPublish");
    }
    if meta.unpublish_at.is_some() {
        allowed.push("cancelScheduledUnpublish");
    }
    let hint = match (tried, head) {
        (Action::Publish | Action::SchedulePublish, Status::Draft) => {
            "it must be reviewed first: submit it for review with `submitForReview`, then a publisher publishes it"
        }
        (Action::Publish | Action::SchedulePublish, Status::Published) => {
            "it is published already: edit it to make a working copy, then submit that for review"
        }
        (Action::Publish | Action::SchedulePublish, Status::Archived) => {
            "edit it first (it becomes a DRAFT), then submit it for review"
        }
        (Action::SubmitForReview, Status::InReview) => "it is in review already",
        (Action::Withdraw | Action::Reject, _) => "only an item IN_REVIEW can be sent back",
        (Action::Discard, _) => "it has no working copy: only a published item's unpublished changes can be discarded",
        (Action::Unpublish | Action::Archive | Action::ScheduleUnpublish, _) => {
            "it is not on the public site"
        }
        (Action::CancelScheduledPublish, _) => "no publication is scheduled",
        (Action::CancelScheduledUnpublish, _) => "no unpublication is scheduled",
        _ => "that step does not apply to it now",
    };
    let allowed: Vec<String> = allowed
        .into_iter()
        .map(|a| {
            if a == "update" {
                format!("update{}", kind.type_name())
            } else {
                a.to_string()
            }
        })
        .collect();
    let names: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    (
        format!("{hint}; allowed now: {}", names.join(", ")),
        allowed,
    )
}

/// Deletes an item for good, with its children and revisions. Refused (CONFLICT)
/// while any other item refers to it, working copies included, so no reference is
/// ever left dangling; the audit log keeps its last content.
pub async fn delete(db: &Db, viewer: &Viewer, kind: Kind, id: i32) -> AppResult<PublicChange> {
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
    let before = state(
        locked.meta.head_status(),
        locked.meta.head_version(),
        &locked.head,
    )?;
    // What the public sees, read before its links go with the row.
    let published = match (locked.meta.status, &locked.meta.draft) {
        (Status::Published, Some(_)) => Some(Data::load_row(&txn, kind, &locked.row).await?),
        (Status::Published, None) => Some(locked.head.clone()),
        _ => None,
    };
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
        &Change {
            actor,
            action: Action::Delete,
            kind,
            id,
        },
        Some(before),
        None,
        None,
    )
    .await?;
    let tags = match &published {
        Some(p) => public_change(&txn, kind, id, Some(p), None).await?,
        None => PublicChange::default(),
    };
    // Only a published item had rows in the place indexes (or rows linked
    // through it, for a country: which cannot be deleted while linked).
    let touched: &[(Kind, i32)] = if published.is_some() {
        &[(kind, id)]
    } else {
        &[]
    };
    commit(txn, touched).await?;
    Ok(tags)
}

/// How many items refer to an item, in rows and in working copies.
async fn referrers<C: ConnectionTrait>(conn: &C, kind: Kind, id: i32) -> AppResult<i64> {
    let b = conn.get_database_backend();
    let row_refs = kind.referred_from();
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
    for other in Kind::ALL.iter().filter(|k| !k.refers().is_empty()) {
        let mut sql = Sql::new(b);
        sql.push("SELECT draft FROM ")
            .push(other.table())
            .push(" WHERE draft IS NOT NULL");
        for r in query(conn, sql).await? {
            let json: String = r.try_get("", "draft")?;
            let refs = Data::from_json(&json)?.references();
            n += refs.iter().filter(|r| r.kind == kind && r.id == id).count() as i64;
        }
    }
    Ok(n)
}
