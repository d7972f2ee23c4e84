//! Search reads its hits in each table's own order and stops once a page has
//! them, so the cost of a search is what it takes to test each row it walks past.
//!
//! On PostgreSQL that test was `ILIKE`, which case-folds the row's text on every
//! call (about 2 us a title, measured: most of a search). Each searched table gets
//! the folded text as a stored generated column, `search_text = lower(title)` (or
//! `lower(name)`), so a search tests it with a plain `LIKE`, with the same result
//! as `ILIKE`; the trigram indexes move from the raw to the folded text.
//!
//! On both engines the documents get an index in their search order that covers
//! what a search tests (status and text) and returns (id, date, slug), so the walk
//! never visits the table.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, searched column, old trigram index).
const TABLES: [(&str, &str, &str); 3] = [
    ("documents", "title", "documents_title_trgm_idx"),
    ("programmes", "title", "programmes_title_trgm_idx"),
    ("countries", "name", "countries_name_trgm_idx"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() != DbBackend::Postgres {
            // SQLite's LIKE folds ASCII case itself and has no trigram index.
            db.execute_unprepared(
                "CREATE INDEX documents_search_idx ON documents (published_on DESC, slug, status, title)",
            )
            .await?;
            return Ok(());
        }
        for (table, column, old) in TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN search_text text GENERATED ALWAYS AS (lower({column})) STORED"
            ))
            .await?;
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {old}"))
                .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {table}_search_trgm_idx ON {table} USING gin (search_text gin_trgm_ops)"
            ))
            .await?;
            // The planner needs the new column's statistics to see that a
            // common word is best found by walking the ordered index.
            db.execute_unprepared(&format!("ANALYZE {table}")).await?;
        }
        db.execute_unprepared(
            "CREATE INDEX documents_search_idx ON documents (published_on DESC, slug) INCLUDE (status, search_text, id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS documents_search_idx")
            .await?;
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, column, old) in TABLES {
            // Dropping the column drops its trigram index.
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN search_text"))
                .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {old} ON {table} USING gin ({column} gin_trgm_ops)"
            ))
            .await?;
        }
        Ok(())
    }
}
