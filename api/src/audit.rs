//! The audit log: who changed what, when, with the state before and after, written
//! in the transaction of the change. Administrators read it through `auditLog`.
use crate::auth::Actor;
use crate::content::Kind;
use crate::db::{exec, query_as, Db, Sql};
use crate::error::AppResult;
use async_graphql::Enum;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

/// What an audit entry records.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AuditAction {
    /// A content item was created.
    Create,
    /// A content item (or its working copy) was edited.
    Update,
    /// An item was submitted for review.
    SubmitForReview,
    /// A submission was withdrawn by its editor.
    Withdraw,
    /// A publisher sent an item back with a comment.
    Reject,
    /// An item (or its working copy) was published, by hand or by the scheduler.
    Publish,
    /// A published item was taken off the public site.
    Unpublish,
    /// An item was archived.
    Archive,
    /// A publication was scheduled (or its schedule cleared).
    SchedulePublish,
    /// The scheduler could not publish an item and dropped its schedule; `after`
    /// holds the reason.
    ScheduleDropped,
    /// An older revision was restored as the working copy.
    Restore,
    /// A published item's working copy was dropped (`discardChanges`).
    Discard,
    /// A published item was scheduled to be unpublished.
    ScheduleUnpublish,
    /// A scheduled publication was cancelled.
    CancelScheduledPublish,
    /// A scheduled unpublication was cancelled.
    CancelScheduledUnpublish,
    /// The item arrived with an import (`cms import`, the demo content): its
    /// first revision.
    Import,
    /// A content item was deleted.
    Delete,
    /// A staff account was created.
    CreateUser,
    /// A user's role was changed.
    SetUserRole,
    /// A user was deactivated.
    DeactivateUser,
    /// A user changed their own password.
    ChangePassword,
    /// An administrator set another user's password.
    ResetPassword,
}

impl AuditAction {
    const ALL: [AuditAction; 22] = [
        Self::Create,
        Self::Update,
        Self::SubmitForReview,
        Self::Withdraw,
        Self::Reject,
        Self::Publish,
        Self::Unpublish,
        Self::Archive,
        Self::SchedulePublish,
        Self::ScheduleDropped,
        Self::Restore,
        Self::Discard,
        Self::ScheduleUnpublish,
        Self::CancelScheduledPublish,
        Self::CancelScheduledUnpublish,
        Self::Import,
        Self::Delete,
        Self::CreateUser,
        Self::SetUserRole,
        Self::DeactivateUser,
        Self::ChangePassword,
        Self::ResetPassword,
    ];

    /// The stored name (the GraphQL one).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::SubmitForReview => "SUBMIT_FOR_REVIEW",
            Self::Withdraw => "WITHDRAW",
            Self::Reject => "REJECT",
            Self::Publish => "PUBLISH",
            Self::Unpublish => "UNPUBLISH",
            Self::Archive => "ARCHIVE",
            Self::SchedulePublish => "SCHEDULE_PUBLISH",
            Self::ScheduleDropped => "SCHEDULE_DROPPED",
            Self::Restore => "RESTORE",
            Self::Discard => "DISCARD",
            Self::ScheduleUnpublish => "SCHEDULE_UNPUBLISH",
            Self::CancelScheduledPublish => "CANCEL_SCHEDULED_PUBLISH",
            Self::CancelScheduledUnpublish => "CANCEL_SCHEDULED_UNPUBLISH",
            Self::Import => "IMPORT",
            Self::Delete => "DELETE",
            Self::CreateUser => "CREATE_USER",
            Self::SetUserRole => "SET_USER_ROLE",
            Self::DeactivateUser => "DEACTIVATE_USER",
            Self::ChangePassword => "CHANGE_PASSWORD",
            Self::ResetPassword => "RESET_PASSWORD",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == stored)
    }
}

/// What an audit entry is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AuditTarget {
    /// A region.
    Region,
    /// A country.
    Country,
    /// A programme.
    Programme,
    /// A document.
    Document,
    /// A staff account.
    User,
}

impl AuditTarget {
    /// The content type it names (`None`: a staff account).
    pub fn kind(self) -> Option<Kind> {
        match self {
            Self::Region => Some(Kind::Region),
            Self::Country => Some(Kind::Country),
            Self::Programme => Some(Kind::Programme),
            Self::Document => Some(Kind::Document),
            Self::User => None,
        }
    }

    /// The stored name: the GraphQL type name of the target.
    pub fn as_str(self) -> &'static str {
        self.kind().map_or("User", Kind::type_name)
    }

    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "User" => Some(Self::User),
            other => Kind::from_type_name(other).map(Self::from),
        }
    }
}

impl From<Kind> for AuditTarget {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Region => Self::Region,
            Kind::Country => Self::Country,
            Kind::Programme => Self::Programme,
            Kind::Document => Self::Document,
        }
    }
}

/// One entry to write.
pub struct Entry<'a> {
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub target: AuditTarget,
    /// The target's public id (a content id or a user id).
    pub target_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

/// Writes `entry` through `conn`, in the transaction of the change it records.
pub async fn insert<C: ConnectionTrait>(conn: &C, entry: Entry<'_>) -> AppResult<()> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, target_kind, \
         target_id, before, after) VALUES (",
    )
    .bind(entry.at)
    .push(", ")
    .bind(entry.actor.id.clone())
    .push(", ")
    .bind(entry.actor.name.clone())
    .push(", ")
    .bind(entry.actor.role.as_str())
    .push(", ")
    .bind(entry.action.as_str())
    .push(", ")
    .bind(entry.target.as_str())
    .push(", ")
    .bind(entry.target_id.to_string())
    .push(", ")
    .bind(entry.before.map(|v| v.to_string()))
    .push(", ")
    .bind(entry.after.map(|v| v.to_string()))
    .push(")");
    exec(conn, sql).await?;
    Ok(())
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct AuditRow {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_name: String,
    pub actor_role: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Filters of `auditLog`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// A page of entries, newest first, after the entry `before_id` (keyset on id).
/// Returns one more than `limit` rows when more follow.
pub async fn page(
    db: &Db,
    filter: &AuditFilter,
    before_id: Option<i32>,
    limit: u64,
) -> AppResult<Vec<AuditRow>> {
    let mut sql = db.sql();
    sql.push("SELECT * FROM audit_log WHERE 1 = 1");
    if let Some(a) = &filter.actor_id {
        sql.push(" AND actor_id = ").bind(a.clone());
    }
    if let Some(t) = &filter.target_id {
        sql.push(" AND target_id = ").bind(t.clone());
    }
    if let Some(s) = filter.since {
        sql.push(" AND at >= ").bind(s);
    }
    if let Some(u) = filter.until {
        sql.push(" AND at < ").bind(u);
    }
    if let Some(b) = before_id {
        sql.push(" AND id < ").bind(b);
    }
    sql.push(" ORDER BY id DESC LIMIT ").push_int(limit + 1);
    query_as(&db.conn, sql).await
}
