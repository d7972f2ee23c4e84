//! Two workflow columns on every content table: `unpublish_at`, when the
//! scheduler takes a published item off the public site (beside
//! `scheduled_at`, when it publishes one: an item may have both), and
//! `changed_at`, when the item or its working copy last changed (the editorial
//! queue's order; `updated_at` is the published content's and stays put while
//! a working copy is edited). Existing rows take `updated_at`.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 4] = ["regions", "countries", "programmes", "documents"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            for column in ["unpublish_at", "changed_at"] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .add_column(timestamp_with_time_zone_null(Alias::new(column)))
                            .to_owned(),
                    )
                    .await?;
            }
            manager
                .get_connection()
                .execute_unprepared(&format!("UPDATE {table} SET changed_at = updated_at"))
                .await?;
            // The scheduler looks for due unpublications every few seconds in
            // every process: few rows have one, so the index stays small.
            manager
                .create_index(
                    Index::create()
                        .name(format!("{table}_unpublish_idx"))
                        .table(Alias::new(table))
                        .col(Alias::new("unpublish_at"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("{table}_unpublish_idx"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            for column in ["unpublish_at", "changed_at"] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .drop_column(Alias::new(column))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
