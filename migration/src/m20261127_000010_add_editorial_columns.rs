//! Editorial columns on every content table: the working copy of a published item,
//! the schedule, who created, changed and published it, and the last review comment.
//!
//! Editing a published item must not change what the public reads, so its working
//! copy lives beside the published row, in `draft` (a JSON snapshot of every
//! editable field and relation) with its own status in `draft_status`; publishing
//! writes it into the row. A second row per item was the rejected alternative: the
//! slug and ISO code columns are UNIQUE, and SQLite cannot relax a column
//! constraint without rebuilding the table.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Editorial {
    Draft,
    DraftStatus,
    DraftVersion,
    ScheduledAt,
    CreatedBy,
    UpdatedBy,
    PublishedBy,
    ReviewComment,
}

const TABLES: [&str; 4] = ["regions", "countries", "programmes", "documents"];

fn columns() -> Vec<ColumnDef> {
    vec![
        text_null(Editorial::Draft),
        string_len_null(Editorial::DraftStatus, 16),
        // The working copy's version: the row's `version` stays the published
        // one, so the public cannot watch unpublished work happen.
        integer_null(Editorial::DraftVersion),
        timestamp_with_time_zone_null(Editorial::ScheduledAt),
        string_len_null(Editorial::CreatedBy, 64),
        string_len_null(Editorial::UpdatedBy, 64),
        string_len_null(Editorial::PublishedBy, 64),
        text_null(Editorial::ReviewComment),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            // One column per statement: SQLite alters one thing at a time.
            for mut col in columns() {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .add_column(&mut col)
                            .to_owned(),
                    )
                    .await?;
            }
            // The scheduler looks for due items; few rows ever have a schedule.
            manager
                .create_index(
                    Index::create()
                        .name(format!("{table}_scheduled_idx"))
                        .table(Alias::new(table))
                        .col(Editorial::ScheduledAt)
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
                        .name(format!("{table}_scheduled_idx"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            for col in columns() {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .drop_column(col.get_column_name())
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
