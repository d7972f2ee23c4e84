//! Snapshots of content items: every editable field and relation of one item, as
//! one serde value. The same snapshot is a revision's content, the working copy of
//! a published item (the row's `draft` column), the before/after of an audit entry,
//! and what a mutation's input is applied to. Reading and writing one item's rows
//! (its own row, its ordered text blocks, its country links) is written here once,
//! for every [`ContentType`].
use super::model::{col, Block, Children, ContentType, CopyState};
use super::tables::ChildTable;
use crate::db::{exec, query, Sql};
use crate::error::{AppError, AppResult};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The values of one text-block row, `(owner, position, title, body,
/// translations)`, positions from 1: the workflow and the import write the same.
pub const BLOCK_COLUMNS: &[&str] = &["position", "title", "body", "translations"];

pub fn block_values(owner: i32, index: usize, b: &Block) -> AppResult<Vec<Value>> {
    Ok(vec![
        owner.into(),
        (index as i32 + 1).into(),
        b.title.clone().into(),
        b.body.clone().into(),
        super::model::translations_json(&b.translations)?.into(),
    ])
}

/// The columns of a country-link row after the owner.
pub const LINK_COLUMNS: &[&str] = &["country_id", "position"];

pub fn link_values(owner: i32, index: usize, country: i32) -> Vec<Value> {
    vec![owner.into(), country.into(), (index as i32 + 1).into()]
}

async fn read_blocks<C: ConnectionTrait>(
    conn: &C,
    t: ChildTable,
    owners: &[i32],
) -> AppResult<HashMap<i32, Vec<Block>>> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("SELECT ")
        .push(t.owner)
        .push(" AS owner, title, body, translations FROM ")
        .push(t.table)
        .push(" WHERE ");
    push_owners(&mut sql, t, owners);
    sql.push(" ORDER BY ").push(t.owner).push(", position");
    let mut out: HashMap<i32, Vec<Block>> = HashMap::new();
    for r in query(conn, sql).await? {
        out.entry(col(&r, "owner")?).or_default().push(Block {
            title: col(&r, "title")?,
            body: col(&r, "body")?,
            translations: super::model::row_translations(&r)?,
        });
    }
    Ok(out)
}

async fn read_links<C: ConnectionTrait>(
    conn: &C,
    t: ChildTable,
    owners: &[i32],
) -> AppResult<HashMap<i32, Vec<i32>>> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("SELECT ")
        .push(t.owner)
        .push(" AS owner, country_id FROM ")
        .push(t.table)
        .push(" WHERE ");
    push_owners(&mut sql, t, owners);
    sql.push(" ORDER BY ").push(t.owner).push(", position");
    let mut out: HashMap<i32, Vec<i32>> = HashMap::new();
    for r in query(conn, sql).await? {
        out.entry(col(&r, "owner")?)
            .or_default()
            .push(col(&r, "country_id")?);
    }
    Ok(out)
}

/// `owner = ?` for one item; every row of the table for an export (an empty
/// `owners`).
fn push_owners(sql: &mut Sql, t: ChildTable, owners: &[i32]) {
    match owners {
        [id] => {
            sql.push(t.owner).push(" = ").bind(*id);
        }
        _ => {
            sql.push("1 = 1");
        }
    }
}

/// Reads the snapshots of rows of one type with their children: one statement
/// per child table, whatever the number of rows. For one row the children are
/// read by owner; for several (an export) each child table is read whole.
pub async fn load_rows<T: ContentType, C: ConnectionTrait>(
    conn: &C,
    rows: &[QueryResult],
) -> AppResult<Vec<T>> {
    let ids = rows
        .iter()
        .map(|r| col::<i32>(r, "id"))
        .collect::<AppResult<Vec<_>>>()?;
    let one = if ids.len() == 1 { &ids[..] } else { &[][..] };
    let mut blocks = match T::BLOCKS {
        Some(t) => read_blocks(conn, t, one).await?,
        None => HashMap::new(),
    };
    let mut links = match T::COUNTRIES {
        Some(t) => read_links(conn, t, one).await?,
        None => HashMap::new(),
    };
    rows.iter()
        .zip(&ids)
        .map(|(row, id)| {
            let children = Children {
                blocks: blocks.remove(id).unwrap_or_default(),
                countries: links.remove(id).unwrap_or_default(),
            };
            T::from_row(row, children)
        })
        .collect()
}

/// Reads an item's published (row) content, children included.
pub async fn load_row<T: ContentType, C: ConnectionTrait>(
    conn: &C,
    row: &QueryResult,
) -> AppResult<T> {
    load_rows::<T, C>(conn, std::slice::from_ref(row))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::internal("a row without its snapshot"))
}

/// Inserts a new item's row (with the given workflow columns) and its children;
/// returns its id.
pub async fn insert<T: ContentType, C: ConnectionTrait>(
    conn: &C,
    data: &T,
    workflow: Vec<(&'static str, Value)>,
) -> AppResult<i32> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("INSERT INTO ").push(T::KIND.table()).push(" (");
    let names = T::COLUMNS
        .iter()
        .copied()
        .chain(workflow.iter().map(|(c, _)| *c));
    for (i, c) in names.enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(c);
    }
    sql.push(") VALUES (");
    let values = data
        .values()?
        .into_iter()
        .chain(workflow.into_iter().map(|(_, v)| v));
    for (i, v) in values.enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(v);
    }
    sql.push(") RETURNING id");
    let rows = query(conn, sql).await?;
    let id: i32 = match rows.first() {
        Some(r) => col(r, "id")?,
        None => return Err(AppError::internal("INSERT returned no id")),
    };
    write_children(conn, id, data).await?;
    Ok(id)
}

/// Writes an item's content into its row and replaces its children.
pub async fn write_row<T: ContentType, C: ConnectionTrait>(
    conn: &C,
    id: i32,
    data: &T,
) -> AppResult<()> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("UPDATE ").push(T::KIND.table()).push(" SET ");
    for (i, (c, v)) in T::COLUMNS.iter().zip(data.values()?).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(c).push(" = ").bind(v);
    }
    sql.push(" WHERE id = ").bind(id);
    exec(conn, sql).await?;
    write_children(conn, id, data).await
}

/// `INSERT INTO <table> (<owner>, <columns>) VALUES (...), (...)`: an item's
/// child rows in one statement (a list is at most `CMS_MAX_LIST_LENGTH` long,
/// far under every backend's bound-parameter limit). Nothing for no rows.
async fn insert_children<C: ConnectionTrait>(
    conn: &C,
    t: ChildTable,
    columns: &[&'static str],
    rows: Vec<Vec<Value>>,
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(conn.get_database_backend());
    let columns: Vec<&'static str> = std::iter::once(t.owner)
        .chain(columns.iter().copied())
        .collect();
    sql.insert_rows(t.table, &columns, rows);
    exec(conn, sql).await?;
    Ok(())
}

async fn write_children<T: ContentType, C: ConnectionTrait>(
    conn: &C,
    id: i32,
    data: &T,
) -> AppResult<()> {
    let b = conn.get_database_backend();
    if let Some(t) = T::BLOCKS {
        delete_children(conn, b, t, id).await?;
        let rows = data
            .blocks()
            .iter()
            .enumerate()
            .map(|(i, block)| block_values(id, i, block))
            .collect::<AppResult<Vec<_>>>()?;
        insert_children(conn, t, BLOCK_COLUMNS, rows).await?;
    }
    if let Some(t) = T::COUNTRIES {
        delete_children(conn, b, t, id).await?;
        let rows = data
            .countries()
            .iter()
            .enumerate()
            .map(|(i, country)| link_values(id, i, *country))
            .collect();
        insert_children(conn, t, LINK_COLUMNS, rows).await?;
    }
    Ok(())
}

async fn delete_children<C: ConnectionTrait>(
    conn: &C,
    b: DbBackend,
    t: ChildTable,
    id: i32,
) -> AppResult<()> {
    let mut sql = Sql::new(b);
    sql.push("DELETE FROM ")
        .push(t.table)
        .push(" WHERE ")
        .push(t.owner)
        .push(" = ")
        .bind(id);
    exec(conn, sql).await?;
    Ok(())
}

/// A change between two snapshots: (path, before, after).
pub type FieldDiff = (String, serde_json::Value, serde_json::Value);

/// The fields that differ between two snapshots, with list items and
/// translations addressed by path (`priorities[1].title`, `translations.fi.name`).
pub fn diff(a: &serde_json::Value, b: &serde_json::Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    diff_values("", a, b, &mut out);
    out
}

fn diff_values(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<FieldDiff>) {
    use serde_json::Value as J;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                if k == "type" && path.is_empty() {
                    continue;
                }
                diff_values(
                    &join(k),
                    x.get(k).unwrap_or(&J::Null),
                    y.get(k).unwrap_or(&J::Null),
                    out,
                );
            }
        }
        (J::Array(x), J::Array(y)) if x.iter().chain(y).all(|v| v.is_object()) => {
            for i in 0..x.len().max(y.len()) {
                diff_values(
                    &format!("{path}[{i}]"),
                    x.get(i).unwrap_or(&J::Null),
                    y.get(i).unwrap_or(&J::Null),
                    out,
                );
            }
        }
        _ if a != b => out.push((path.to_string(), a.clone(), b.clone())),
        _ => {}
    }
}

/// The workflow columns an overlay reads from a row.
pub struct DraftColumns<'a> {
    pub draft: Option<&'a str>,
    pub draft_status: Option<entity::Status>,
    pub draft_version: Option<i32>,
    pub version: i32,
}

/// The working copy of a row, if it has one that reads.
pub fn working_copy<T: ContentType>(draft: Option<&str>) -> Option<T> {
    draft.and_then(|j| serde_json::from_str(j).ok())
}

/// A row seen through its working copy: a staff preview of a published item with
/// unpublished changes shows the working copy's fields, status and version.
pub fn overlay<T: ContentType>(m: Arc<T::Model>, cols: DraftColumns<'_>) -> Arc<T::Model> {
    let Some(copy) = working_copy::<T>(cols.draft) else {
        return m;
    };
    let state = CopyState {
        status: cols.draft_status.unwrap_or(entity::Status::Draft),
        version: cols.draft_version.unwrap_or(cols.version),
    };
    match copy.overlay(&m, state) {
        Ok(o) => Arc::new(o),
        Err(_) => m,
    }
}
