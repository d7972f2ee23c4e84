//! Revisions, their diffs, and the audit log.
use super::target;
use crate::audit::{self, AuditAction, AuditFilter, AuditTarget};
use crate::auth::{Role, RoleGuard, Viewer};
use crate::catalog::Data;
use crate::error::{AppError, AppResult};
use crate::gql::status::ContentStatus;
use crate::gql::ResultExt;
use crate::state::AppState;
use crate::workflow::revisions;
use async_graphql::{Context, InputObject, Json, Object, Result, SimpleObject, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};

fn revision_id(id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("Revision:{id}")))
}

pub(super) fn decode_revision_id(id: &ID) -> AppResult<i32> {
    let bad = || {
        AppError::bad_field(
            "revisionId",
            format!("malformed revision id {:?}", id.as_str()),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("Revision:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
}

/// Who made a change.
#[derive(SimpleObject, Clone)]
pub struct ChangedBy {
    /// The user's id (a token's `sub`), or `system:scheduler` for the scheduler.
    pub id: String,
    /// Email or name at the time of the change.
    pub name: String,
}

/// One saved state of an item.
#[derive(Clone)]
pub struct Revision(revisions::Revision);

/// One saved state of an item: every save and status change makes one.
#[Object]
impl Revision {
    /// Opaque id, for `compareRevisions` and `restoreRevision`.
    async fn id(&self) -> ID {
        revision_id(self.0.row.id)
    }
    /// The item's version after this change.
    async fn version(&self) -> i32 {
        self.0.row.version
    }
    /// The item's status after this change.
    async fn status(&self) -> ContentStatus {
        self.0.row.status.into()
    }
    /// What the change was: CREATE, UPDATE, SUBMIT_FOR_REVIEW, WITHDRAW, REJECT,
    /// PUBLISH, UNPUBLISH, ARCHIVE, SCHEDULE_PUBLISH or RESTORE.
    async fn action(&self) -> &str {
        &self.0.row.action
    }
    /// A rejection's comment.
    async fn comment(&self) -> Option<&str> {
        self.0.row.comment.as_deref()
    }
    /// Who made the change: a staff user, or the scheduler for a scheduled
    /// publication.
    async fn changed_by(&self) -> ChangedBy {
        ChangedBy {
            id: self.0.row.actor_id.clone(),
            name: self.0.row.actor_name.clone(),
        }
    }
    /// When the revision was saved.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
    /// The full snapshot: every field and relation (related items by id number).
    async fn snapshot(&self) -> Result<Json<serde_json::Value>> {
        let v: serde_json::Value = serde_json::from_str(&self.0.data)
            .map_err(|e| AppError::internal(format!("snapshot: {e}")).into_gql())?;
        Ok(Json(v))
    }
}

/// One field that differs between two revisions.
#[derive(SimpleObject, Clone)]
pub struct FieldChange {
    /// Path of the field (`name`, `priorities[1].title`, `translations.fi.name`).
    pub field: String,
    /// Value in the older revision (`null` when absent).
    pub before: Json<serde_json::Value>,
    /// Value in the newer revision (`null` when absent).
    pub after: Json<serde_json::Value>,
}

/// An audit log entry.
#[derive(Clone)]
pub struct AuditEntry(audit::AuditRow);

fn json_of(s: &Option<String>) -> Option<Json<serde_json::Value>> {
    s.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .map(Json)
}

/// One change: who, what, when, and the state before and after.
#[Object]
impl AuditEntry {
    /// Sequence number (newest is highest).
    async fn id(&self) -> i32 {
        self.0.id
    }
    /// When the change was committed.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The staff member who made the change (the scheduler for scheduled
    /// publications).
    async fn actor(&self) -> ChangedBy {
        ChangedBy {
            id: self.0.actor_id.clone(),
            name: self.0.actor_name.clone(),
        }
    }
    /// The actor's role at the time.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// What was done (logins are not logged).
    async fn action(&self) -> Result<AuditAction> {
        AuditAction::parse(&self.0.action)
            .ok_or_else(|| AppError::internal("unknown audit action").into_gql())
    }
    /// What kind of item the change was made to.
    async fn target_type(&self) -> Result<AuditTarget> {
        AuditTarget::parse(&self.0.target_kind)
            .ok_or_else(|| AppError::internal("unknown audit target").into_gql())
    }
    /// The target's id (a content id or a user id).
    async fn target_id(&self) -> &str {
        &self.0.target_id
    }
    /// The target's state before (`null` for a creation).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        json_of(&self.0.before)
    }
    /// The target's state after (`null` for a deletion).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        json_of(&self.0.after)
    }
}

/// Filters of the audit log; all given ones apply.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Only changes by this user (id).
    pub user_id: Option<String>,
    /// Only changes to this item (content id or user id).
    pub item_id: Option<ID>,
    /// Only changes at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only changes before this time.
    pub until: Option<DateTime<Utc>>,
}

/// A page of audit entries, newest first.
#[derive(SimpleObject)]
pub struct AuditLogPage {
    /// This page's entries, newest first.
    pub nodes: Vec<AuditEntry>,
    /// Whether older entries follow.
    pub has_next_page: bool,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
}

#[derive(Default)]
pub struct WorkflowQuery;

/// Editorial history.
#[Object]
impl WorkflowQuery {
    /// An item's revisions, newest first (staff), a page at a time: each holds a
    /// whole snapshot of the item.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(1, 1000) as usize).saturating_mul(child_complexity)"
    )]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(
            desc = "At most this many revisions (default: the default page size; at most the page-size limit). A shorter page is the last."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Only revisions older than this version (the last `version` of the previous page)."
        )]
        before_version: Option<i32>,
    ) -> Result<Vec<Revision>> {
        let state = ctx.data::<AppState>()?;
        let viewer = ctx.data::<Viewer>()?;
        let gid = target(viewer, &id).gql()?;
        let first = state.page_limits().first(first).gql()?;
        let list = revisions::list(&state.db.conn, gid.kind, gid.id, first, before_version)
            .await
            .gql()?;
        Ok(list.into_iter().map(Revision).collect())
    }

    /// The fields that differ between two revisions of one item (staff).
    async fn compare_revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The older revision.")] from: ID,
        #[graphql(desc = "The newer revision.")] to: ID,
    ) -> Result<Vec<FieldChange>> {
        let state = ctx.data::<AppState>()?;
        let viewer = ctx.data::<Viewer>()?;
        viewer.require(Role::Editor).gql()?;
        let a = revisions::get(&state.db.conn, decode_revision_id(&from).gql()?)
            .await
            .gql()?;
        let b = revisions::get(&state.db.conn, decode_revision_id(&to).gql()?)
            .await
            .gql()?;
        if (a.kind, a.item_id) != (b.kind, b.item_id) {
            return Err(
                AppError::bad_field("to", "the revisions belong to different items").into_gql(),
            );
        }
        let changes = Data::from_json(&a.data)
            .gql()?
            .diff(&Data::from_json(&b.data).gql()?)
            .gql()?;
        Ok(changes
            .into_iter()
            .map(|(field, before, after)| FieldChange {
                field,
                before: Json(before),
                after: Json(after),
            })
            .collect())
    }

    /// What waits for the editors, across every content type, newest change
    /// first (staff): items in review, drafts (everyone's or yours), or with a
    /// scheduled publication or unpublication.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(1, 1000) as usize).saturating_mul(child_complexity)"
    )]
    async fn editorial_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which part of the queue.")] view: super::QueueView,
        #[graphql(desc = "At most this many items (default 20, at most the page-size limit).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<super::QueuePage> {
        super::queue::resolve(ctx, view, first, after).await
    }

    /// The audit log, newest first (ADMIN).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the items that match every filter given.")] filter: Option<
            AuditLogFilter,
        >,
        #[graphql(desc = "At most this many entries (default 20, at most the page-size limit).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<AuditLogPage> {
        let state = ctx.data::<AppState>()?;
        let f = filter.unwrap_or_default();
        let first = state.page_limits().first(first).gql()?;
        let before_id = match after {
            None => None,
            Some(c) => Some(
                c.parse::<i32>()
                    .map_err(|_| AppError::bad_field("after", "malformed cursor").into_gql())?,
            ),
        };
        let filter = AuditFilter {
            actor_id: f.user_id,
            target_id: f.item_id.map(|i| i.0),
            since: f.since,
            until: f.until,
        };
        let mut rows = audit::page(&state.db, &filter, before_id, first)
            .await
            .gql()?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Ok(AuditLogPage {
            end_cursor: rows.last().map(|r| r.id.to_string()),
            has_next_page,
            nodes: rows.into_iter().map(AuditEntry).collect(),
        })
    }
}
