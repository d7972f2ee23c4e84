//! A content generation number, raised in the transaction of every content change
//! (workflow and import). Read in the same statement as a list page, it tells
//! every `cms` process whether a cached `totalCount` still holds: counting the
//! 20,000 documents of a region on every request was the slowest part of the
//! document list (100 ms at 80,000 documents, measured).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContentGeneration {
    Table,
    Id,
    Generation,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContentGeneration::Table)
                    .col(integer(ContentGeneration::Id).primary_key())
                    .col(big_integer(ContentGeneration::Generation).default(0))
                    .to_owned(),
            )
            .await?;
        // Starts at the current time in milliseconds, not 0: recreated (a rollback
        // and migrate again, a restore), it still moves forward, so a running
        // process never mistakes a new state for one it counted before.
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO content_generation (id, generation) VALUES (1, {start})"
            ))
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContentGeneration::Table).to_owned())
            .await
    }
}
