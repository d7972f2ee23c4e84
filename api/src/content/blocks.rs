//! The ordered text blocks an item owns: a country's priorities, a programme's
//! priority areas (the same columns in two tables). A page that shows them
//! reads them in its own statement, as one JSON column per row, so a country
//! page costs the same number of statements however many programmes it has;
//! otherwise one batched statement per request loads them.
use super::ids::Kind;
use crate::db::{json_rows, Db, Sql};
use crate::error::AppResult;
use sea_orm::{FromQueryResult, QueryResult};
use std::collections::HashMap;

/// One block, in its owner's order.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Block {
    pub id: i32,
    /// The owner's id.
    pub parent_key: i32,
    pub position: i32,
    pub title: String,
    pub body: String,
    /// The translations (a JSON object as text), as stored.
    pub translations: String,
}

/// The table of a type's blocks and its column naming the owner.
pub fn table(kind: Kind) -> Option<(&'static str, &'static str)> {
    kind.blocks().map(|t| (t.table, t.owner))
}

/// The name of the column [`push_column`] adds.
const COLUMN: &str = "blocks_json";

/// `, (...) AS blocks_json`: the blocks of the row aliased `t`, in order, as a
/// JSON array of `[id, position, title, body, translations]`.
pub fn push_column(sql: &mut Sql, kind: Kind) {
    let Some((table, fk)) = table(kind) else {
        return;
    };
    sql.push(", (SELECT ")
        .json_array_agg(
            &["c.id, c.position, c.title, c.body, c.translations"],
            Some("c.position"),
        )
        .push(" FROM ")
        .push(table)
        .push(" c WHERE c.")
        .push(fk)
        .push(" = t.id) AS ")
        .push(COLUMN);
}

/// The blocks in a row read with [`push_column`], owned by `parent`.
pub fn from_row(r: &QueryResult, parent: i32) -> AppResult<Vec<Block>> {
    let items: Vec<(i32, i32, String, String, String)> = json_rows(r, COLUMN)?;
    Ok(items
        .into_iter()
        .map(|(id, position, title, body, translations)| Block {
            id,
            parent_key: parent,
            position,
            title,
            body,
            translations,
        })
        .collect())
}

/// The blocks of many owners of one type, in one statement.
pub async fn fetch(db: &Db, kind: Kind, ids: &[i32]) -> AppResult<HashMap<i32, Vec<Block>>> {
    let mut grouped: HashMap<i32, Vec<Block>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    let Some((table, fk)) = table(kind) else {
        return Ok(grouped);
    };
    let mut sql = db.sql();
    sql.push("SELECT id, ")
        .push(fk)
        .push(" AS parent_key, position, title, body, translations FROM ")
        .push(table)
        .push(" WHERE ")
        .push(fk)
        .in_ids(ids)
        .push(" ORDER BY ")
        .push(fk)
        .push(", position");
    for block in db.all_as::<Block>(sql).await? {
        grouped.entry(block.parent_key).or_default().push(block);
    }
    Ok(grouped)
}
