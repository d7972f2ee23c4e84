//! A public generation beside the content generation, raised only by changes the
//! public can see (publishing, unpublishing, archiving or deleting a published
//! item, an import). SQLite processes compare it with the one their response
//! cache was filled at; saving a working copy leaves it alone.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContentGeneration {
    Table,
    PublicGeneration,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ContentGeneration::Table)
                    .add_column(big_integer(ContentGeneration::PublicGeneration).default(0))
                    .to_owned(),
            )
            .await?;
        // From the current time, as the content generation: recreated, it still
        // moves forward.
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE content_generation SET public_generation = {start} WHERE id = 1"
            ))
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ContentGeneration::Table)
                    .drop_column(ContentGeneration::PublicGeneration)
                    .to_owned(),
            )
            .await
    }
}
