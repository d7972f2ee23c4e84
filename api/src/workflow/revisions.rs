//! Revisions: one row per save of an item, with its full snapshot.
use crate::content::Kind;
use crate::db::{exec, query_as, Sql};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entity::Status;
use sea_orm::{ConnectionTrait, FromQueryResult};

#[derive(Debug, Clone, FromQueryResult)]
pub struct RevisionRow {
    pub id: i32,
    pub item_kind: String,
    pub item_id: i32,
    pub version: i32,
    pub status: Status,
    pub action: String,
    pub data: String,
    pub comment: Option<String>,
    pub actor_id: String,
    pub actor_name: String,
    pub created_at: DateTime<Utc>,
}

/// A revision with its kind parsed.
#[derive(Debug, Clone)]
pub struct Revision {
    pub kind: Kind,
    pub item_id: i32,
    pub data: String,
    pub row: RevisionRow,
}

fn parse(row: RevisionRow) -> AppResult<Revision> {
    let kind = Kind::from_type_name(&row.item_kind)
        .ok_or_else(|| AppError::internal(format!("revision of unknown kind {}", row.item_kind)))?;
    Ok(Revision {
        kind,
        item_id: row.item_id,
        data: row.data.clone(),
        row,
    })
}

/// Writes the revision of a change: the item's state after it.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    change: &super::Change<'_>,
    (status, version, data): super::After<'_>,
    comment: Option<&str>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let super::Change {
        actor,
        action,
        kind,
        id,
    } = *change;
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "INSERT INTO revisions (item_kind, item_id, version, status, action, data, comment, \
         actor_id, actor_name, created_at, file_sha256) VALUES (",
    )
    .bind(kind.type_name())
    .push(", ")
    .bind(id)
    .push(", ")
    .bind(version)
    .push(", ")
    .bind(status.as_str())
    .push(", ")
    .bind(action.as_str())
    .push(", ")
    .bind(data.to_json()?)
    .push(", ")
    .bind(comment.map(str::to_string))
    .push(", ")
    .bind(actor.id.clone())
    .push(", ")
    .bind(actor.name.clone())
    .push(", ")
    .bind(at)
    .push(", ")
    .bind(data.stored_file().map(str::to_string))
    .push(")");
    exec(conn, sql).await?;
    Ok(())
}

/// One revision by id (NOT_FOUND when there is none).
pub async fn get<C: ConnectionTrait>(conn: &C, id: i32) -> AppResult<Revision> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("SELECT * FROM revisions WHERE id = ").bind(id);
    let row = query_as::<RevisionRow, _>(conn, sql)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound("revision".into()))?;
    parse(row)
}

/// An item's revisions, newest first: at most `first`, those older than
/// `before_version` if given.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    id: i32,
    first: u64,
    before_version: Option<i32>,
) -> AppResult<Vec<Revision>> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("SELECT * FROM revisions WHERE item_kind = ")
        .bind(kind.type_name())
        .push(" AND item_id = ")
        .bind(id);
    if let Some(v) = before_version {
        sql.push(" AND version < ").bind(v);
    }
    sql.push(" ORDER BY id DESC LIMIT ").push_int(first);
    query_as::<RevisionRow, _>(conn, sql)
        .await?
        .into_iter()
        .map(parse)
        .collect()
}

pub async fn delete_for<C: ConnectionTrait>(conn: &C, kind: Kind, id: i32) -> AppResult<()> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("DELETE FROM revisions WHERE item_kind = ")
        .bind(kind.type_name())
        .push(" AND item_id = ")
        .bind(id);
    exec(conn, sql).await?;
    Ok(())
}
