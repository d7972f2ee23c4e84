//! The editorial queue: what waits for someone, across every content type, in
//! one list (staff). In review, drafts (everyone's or mine), scheduled; newest
//! change first, a page at a time. One statement over the four tables, then one
//! per type for the page's items.
use crate::auth::Viewer;
use crate::content::list::{self, Row};
use crate::content::{Kind, Locale, Visibility};
use crate::db::{query, Db, Sql};
use crate::error::{AppError, AppResult};
use crate::gql::status::ContentStatus;
use crate::gql::ResultExt;
use crate::nodes::Content;
use crate::state::AppState;
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use entity::Status;
use sea_orm::QueryResult;
use std::collections::HashMap;

/// Which part of the queue.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum QueueView {
    /// Items (or working copies) waiting for a publisher: IN_REVIEW.
    InReview,
    /// Items (or working copies) being written: DRAFT, by anyone.
    Drafts,
    /// DRAFTs you created or changed last.
    MyDrafts,
    /// Items with a scheduled publication or unpublication.
    Scheduled,
}

/// One item of the queue, as editors see it now (its working copy's status,
/// version and title, when it has one).
pub struct QueueEntry {
    kind: Kind,
    head: QueueHead,
    item: Row,
}

/// One item of the editorial queue, as editors see it now.
#[Object]
impl QueueEntry {
    /// The item (a staff preview: its working copy where it has one).
    async fn item(&self) -> Content {
        Content::from_row(self.item.clone(), &Locale::default(), Visibility::Preview)
    }
    /// Its type: `Region`, `Country`, `Programme` or `Document`.
    async fn r#type(&self) -> &str {
        self.kind.type_name()
    }
    /// Its title (a region's or country's name), as editors see it now.
    async fn title(&self) -> &str {
        &self.head.title
    }
    /// Its status as editors see it (the working copy's, if any).
    async fn status(&self) -> ContentStatus {
        self.head.status.into()
    }
    /// The version to pass as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.head.version
    }
    /// When it (or its working copy) last changed: the queue's order.
    async fn changed_at(&self) -> DateTime<Utc> {
        self.head.changed_at
    }
    /// Who changed it last (a user's id).
    async fn changed_by(&self) -> Option<&str> {
        self.head.changed_by.as_deref()
    }
    /// When the scheduler publishes it.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.head.scheduled_at
    }
    /// When the scheduler unpublishes it.
    async fn unpublish_at(&self) -> Option<DateTime<Utc>> {
        self.head.unpublish_at
    }
}

/// A page of the queue, newest change first.
#[derive(SimpleObject)]
pub struct QueuePage {
    /// This page's items.
    pub nodes: Vec<QueueEntry>,
    /// Whether more follow.
    pub has_next_page: bool,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// A type's place in the queue's tie-break: its place in the registry.
fn rank(kind: Kind) -> i32 {
    kind as i32
}

/// Where a page starts: after this (time, type, id).
struct Cursor {
    changed_at: DateTime<Utc>,
    rank: i32,
    id: i32,
}

impl Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}|{}|{}",
            self.changed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            self.rank,
            self.id
        ))
    }

    fn decode(text: &str) -> AppResult<Cursor> {
        let bad = || AppError::bad_field("after", "malformed cursor");
        let raw = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = raw.split('|');
        let (Some(at), Some(rank), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(Cursor {
            changed_at: DateTime::parse_from_rfc3339(at)
                .map_err(|_| bad())?
                .with_timezone(&Utc),
            rank: rank.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// One page of the queue for `viewer` (who must be staff).
pub async fn page(
    state: &AppState,
    viewer: &Viewer,
    view: QueueView,
    first: u64,
    after: Option<&str>,
) -> AppResult<QueuePage> {
    let actor = viewer.require(crate::auth::Role::Editor)?;
    let cursor = after.map(Cursor::decode).transpose()?;
    let db = &state.db;
    let mut sql = db.sql();
    push_queue(&mut sql, view, &actor.id, cursor.as_ref());
    sql.push(" ORDER BY changed_at DESC, k, id DESC LIMIT ")
        .push_int(first + 1);
    let rows = query(&db.conn, sql).await?;
    let has_next_page = rows.len() as u64 > first;
    let heads = rows
        .iter()
        .take(first as usize)
        .map(head_of)
        .collect::<AppResult<Vec<_>>>()?;
    let mut items = items_of(db, &heads).await?;
    let end_cursor = heads.last().map(|(kind, id, h)| {
        Cursor {
            changed_at: h.changed_at,
            rank: rank(*kind),
            id: *id,
        }
        .encode()
    });
    let mut nodes = Vec::with_capacity(heads.len());
    for (kind, id, h) in heads {
        // Deleted between the two statements: left out.
        let Some(item) = items.remove(&(kind, id)) else {
            continue;
        };
        nodes.push(QueueEntry {
            kind,
            head: h,
            item,
        });
    }
    Ok(QueuePage {
        nodes,
        has_next_page,
        end_cursor,
    })
}

/// The queue's statement up to its order: one branch per type, after the
/// cursor.
fn push_queue(sql: &mut Sql, view: QueueView, actor: &str, cursor: Option<&Cursor>) {
    sql.push("SELECT * FROM (");
    for (i, kind) in Kind::ALL.iter().copied().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT ")
            .push_int(u64::from(kind as u8))
            .push(" AS k, id, ")
            .push(kind.title_column())
            .push(
                " AS title, draft, status, draft_status, version, draft_version, \
                 COALESCE(changed_at, updated_at) AS changed_at, updated_by, scheduled_at, \
                 unpublish_at FROM ",
            )
            .push(kind.table())
            .push(" WHERE ");
        where_view(sql, view, actor);
    }
    sql.push(") q");
    if let Some(c) = cursor {
        sql.push(" WHERE changed_at < ")
            .bind(c.changed_at)
            .push(" OR (changed_at = ")
            .bind(c.changed_at)
            .push(" AND (k > ")
            .bind(c.rank)
            .push(" OR (k = ")
            .bind(c.rank)
            .push(" AND id < ")
            .bind(c.id)
            .push(")))");
    }
}

/// What one row of the queue's statement says: the item's type and id, and
/// its head (a working copy's title, status and version where it has one).
fn head_of(r: &QueryResult) -> AppResult<(Kind, i32, QueueHead)> {
    let k: i32 = r.try_get("", "k")?;
    let kind = Kind::ALL
        .iter()
        .copied()
        .find(|kind| rank(*kind) == k)
        .ok_or_else(|| AppError::internal("queue row of no kind"))?;
    let draft: Option<String> = r.try_get("", "draft")?;
    let status: Status = r.try_get("", "status")?;
    let version: i32 = r.try_get("", "version")?;
    let mut title: String = r.try_get("", "title")?;
    if let Some(copy) = draft.as_deref() {
        let json: serde_json::Value = serde_json::from_str(copy)?;
        if let Some(t) = json.get(kind.title_column()).and_then(|t| t.as_str()) {
            title = t.to_string();
        }
    }
    let (status, version) = if draft.is_some() {
        let draft_status: Option<Status> = r.try_get("", "draft_status")?;
        let draft_version: Option<i32> = r.try_get("", "draft_version")?;
        (
            draft_status.unwrap_or(status),
            draft_version.unwrap_or(version),
        )
    } else {
        (status, version)
    };
    let head = QueueHead {
        title,
        status,
        version,
        changed_at: r.try_get("", "changed_at")?,
        changed_by: r.try_get("", "updated_by")?,
        scheduled_at: r.try_get("", "scheduled_at")?,
        unpublish_at: r.try_get("", "unpublish_at")?,
    };
    Ok((kind, r.try_get::<i32>("", "id")?, head))
}

/// The page's items, one statement per type.
async fn items_of(
    db: &Db,
    heads: &[(Kind, i32, QueueHead)],
) -> AppResult<HashMap<(Kind, i32), Row>> {
    let mut items = HashMap::new();
    for kind in Kind::ALL.iter().copied() {
        let ids: Vec<i32> = heads
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, id, _)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let mut sql = db.sql();
        sql.push("SELECT * FROM ")
            .push(kind.table())
            .push(" WHERE id")
            .in_ids(&ids);
        for row in list::parse_rows(kind, db.all(sql).await?)? {
            items.insert((kind, row.id()), row);
        }
    }
    Ok(items)
}

/// What the queue's statement says of an item.
struct QueueHead {
    title: String,
    status: Status,
    version: i32,
    changed_at: DateTime<Utc>,
    changed_by: Option<String>,
    scheduled_at: Option<DateTime<Utc>>,
    unpublish_at: Option<DateTime<Utc>>,
}
/// The condition of a view on one table.
fn where_view(sql: &mut Sql, view: QueueView, me: &str) {
    let head_is = |sql: &mut Sql, status: Status| {
        sql.push("((draft IS NULL AND status = ")
            .bind(status.as_str())
            .push(") OR (draft IS NOT NULL AND draft_status = ")
            .bind(status.as_str())
            .push("))");
    };
    match view {
        QueueView::InReview => head_is(sql, Status::InReview),
        QueueView::Drafts => head_is(sql, Status::Draft),
        QueueView::MyDrafts => {
            head_is(sql, Status::Draft);
            sql.push(" AND (created_by = ")
                .bind(me.to_string())
                .push(" OR updated_by = ")
                .bind(me.to_string())
                .push(")");
        }
        QueueView::Scheduled => {
            sql.push("(scheduled_at IS NOT NULL OR unpublish_at IS NOT NULL)");
        }
    }
}

/// The queue's GraphQL field, beside the history queries.
pub async fn resolve(
    ctx: &Context<'_>,
    view: QueueView,
    first: Option<i32>,
    after: Option<String>,
) -> Result<QueuePage> {
    let state = ctx.data::<AppState>()?;
    let viewer = ctx.data::<Viewer>()?;
    viewer.require(crate::auth::Role::Editor).gql()?;
    let first = state.page_limits().first(first).gql()?;
    page(state, viewer, view, first, after.as_deref())
        .await
        .gql()
}
