//! Region indexes: for a type whose rows reach regions through country links
//! (documents), a table of its public rows per region, with the columns of the
//! orders partner sites list them in, so a region's page walks one index and
//! stops after a page of entries (the list engine's walk, [`super::list`]).
//! Without it the page walks every published row in order and probes each one's
//! links, about six rows for each one a region keeps.
//!
//! The table is derived from what the public sees: a row (region, item) for
//! each published item linked to a published country of that region (the
//! region's own visibility is the query's, as for every region filter). The
//! workflow rewrites an item's rows in the transaction of every change that can
//! alter them, after raising the content generation: that row lock orders every
//! writer, so each rewrite reads every change committed before it and the last
//! one to commit leaves the rows its content implies. An import rebuilds all.
use super::ids::Kind;
use super::list::{Listing, Order};
use super::tables::ChildTable;
use super::visibility::{Alias, Visibility};
use crate::db::{exec, Sql};
use crate::error::AppResult;
use sea_orm::ConnectionTrait;

/// A type's region index, declared in its [`Listing`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegionIndex {
    /// The table: `region_id`, `owner`, then `columns`.
    pub table: &'static str,
    /// The column naming the listed row.
    pub owner: &'static str,
    /// The links through which a row reaches its countries' regions.
    pub links: ChildTable,
    /// The row's columns copied into the index: those of `orders`.
    pub columns: &'static [&'static str],
    /// The orderings a page walks off the index (forward and backward).
    pub orders: &'static [Order],
}

/// Which items' rows a rewrite covers.
#[derive(Clone, Copy)]
enum Scope {
    All,
    /// One item of the indexed type.
    Item(i32),
    /// The items linked to a country.
    Country(i32),
}

/// Rewrites the index rows a change of the item (`kind`, `id`) can alter: its
/// own, when its type has an index, and those of the items linked to it, when
/// it is a country (its status and region decide where they are listed).
pub async fn refresh<C: ConnectionTrait>(
    conn: &C,
    listings: &[Listing],
    kind: Kind,
    id: i32,
) -> AppResult<()> {
    for l in listings {
        let Some(index) = &l.region_index else {
            continue;
        };
        let scope = if kind == l.kind {
            Scope::Item(id)
        } else if kind == Kind::Country {
            Scope::Country(id)
        } else {
            continue;
        };
        rewrite(conn, l.kind, index, scope).await?;
    }
    Ok(())
}

/// Rewrites every index from the content (after an import).
pub async fn rebuild<C: ConnectionTrait>(conn: &C, listings: &[Listing]) -> AppResult<()> {
    for l in listings {
        if let Some(index) = &l.region_index {
            rewrite(conn, l.kind, index, Scope::All).await?;
        }
    }
    Ok(())
}

/// ` AND <id> ...` restricting a statement to the scope's items.
fn push_scope(sql: &mut Sql, index: &RegionIndex, column: &'static str, scope: Scope) {
    match scope {
        Scope::All => {}
        Scope::Item(id) => {
            sql.push(" AND ").push(column).push(" = ").bind(id);
        }
        Scope::Country(id) => {
            sql.push(" AND ")
                .push(column)
                .push(" IN (SELECT y.")
                .push(index.links.owner)
                .push(" FROM ")
                .push(index.links.table)
                .push(" y WHERE y.country_id = ")
                .bind(id)
                .push(")");
        }
    }
}

async fn rewrite<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    index: &RegionIndex,
    scope: Scope,
) -> AppResult<()> {
    let b = conn.get_database_backend();
    let mut delete = Sql::new(b);
    delete
        .push("DELETE FROM ")
        .push(index.table)
        .push(" WHERE 1 = 1");
    push_scope(&mut delete, index, index.owner, scope);
    exec(conn, delete).await?;

    let public = Visibility::Public;
    let mut insert = Sql::new(b);
    insert
        .push("INSERT INTO ")
        .push(index.table)
        .push(" (region_id, ")
        .push(index.owner);
    for c in index.columns {
        insert.push(", ").push(c);
    }
    insert.push(") SELECT DISTINCT c.region_id, t.id");
    for c in index.columns {
        insert.push(", t.").push(c);
    }
    insert
        .push(" FROM ")
        .push(kind.table())
        .push(" t JOIN ")
        .push(index.links.table)
        .push(" x ON x.")
        .push(index.links.owner)
        .push(" = t.id JOIN countries c ON c.id = x.country_id WHERE ")
        .push(public.visible_sql(Alias::T))
        .push(" AND ")
        .push(public.visible_sql(Alias::C));
    push_scope(&mut insert, index, "t.id", scope);
    exec(conn, insert).await?;
    Ok(())
}
