//! Place indexes: for a type whose rows reach countries and regions through
//! country links (documents), tables of its public rows per region and per
//! country, with the columns of the orders partner sites list them in, so a
//! region's page, or a country's nested page, walks one index and stops after
//! a page of entries (the list engine's walk, [`super::list`]). Without them a
//! region's page walks every published row in order and probes each one's
//! links (about six rows for each one a region keeps), and a country's page
//! reads all its links, fetches every linked row and sorts them.
//!
//! The tables are derived from what the public sees: a row (place, item) for
//! each published item linked to a published country, the place being that
//! country or its region (the region's own visibility is the query's, as for
//! every region filter). The workflow rewrites an item's rows in the
//! transaction of every change that can alter them, after raising the content
//! generation: that row lock orders every writer, so each rewrite reads every
//! change committed before it and the last one to commit leaves the rows its
//! content implies. An import rebuilds all. The tables have no foreign keys,
//! whose checks would take row locks under the generation's lock (a deadlock
//! with any writer holding one of those rows).
use super::ids::Kind;
use super::listing::Listing;
pub use super::listing::PlaceIndex;
use super::visibility::{Alias, Visibility};
use crate::db::{exec, Sql};
use crate::error::AppResult;
use sea_orm::ConnectionTrait;

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
/// own, when its type has indexes, and those of the items linked to it, when
/// it is a country (its status and region decide where they are listed).
pub async fn refresh<C: ConnectionTrait>(
    conn: &C,
    listings: &[Listing],
    kind: Kind,
    id: i32,
) -> AppResult<()> {
    for l in listings {
        let scope = if kind == l.kind {
            Scope::Item(id)
        } else if kind == Kind::Country {
            Scope::Country(id)
        } else {
            continue;
        };
        for index in l.places {
            rewrite(conn, l.kind, index, scope).await?;
        }
    }
    Ok(())
}

/// Rewrites every index from the content (after an import).
pub async fn rebuild<C: ConnectionTrait>(conn: &C, listings: &[Listing]) -> AppResult<()> {
    for l in listings {
        for index in l.places {
            rewrite(conn, l.kind, index, Scope::All).await?;
        }
    }
    Ok(())
}

/// ` AND <id> ...` restricting a statement to the scope's items.
fn push_scope(sql: &mut Sql, index: &PlaceIndex, column: &'static str, scope: Scope) {
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
    index: &PlaceIndex,
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
        .push(" (")
        .push(index.place_column())
        .push(", ")
        .push(index.owner);
    for c in index.columns {
        insert.push(", ").push(c);
    }
    insert
        .push(") SELECT DISTINCT ")
        .push(index.place_of_country())
        .push(", t.id");
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
