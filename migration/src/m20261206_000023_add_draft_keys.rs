//! The unique keys of a published item's working copy, beside its own
//! (`draft_slug`; a country's `draft_iso2` too), indexed: a save checks that a
//! key is free with one indexed statement instead of reading and parsing every
//! working copy of the table. Filled from the working copies there are.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, key in the snapshot, column, its length).
const KEYS: [(&str, &str, &str, u32); 5] = [
    ("regions", "slug", "draft_slug", 200),
    ("countries", "slug", "draft_slug", 200),
    ("countries", "iso2", "draft_iso2", 2),
    ("programmes", "slug", "draft_slug", 200),
    ("documents", "slug", "draft_slug", 200),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (table, key, column, len) in KEYS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(string_len_null(Alias::new(column), len))
                        .to_owned(),
                )
                .await?;
            let extract = if postgres {
                format!("(draft::json)->>'{key}'")
            } else {
                format!("json_extract(draft, '$.{key}')")
            };
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "UPDATE {table} SET {column} = {extract} WHERE draft IS NOT NULL"
                ))
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(format!("{table}_{column}_idx"))
                        .table(Alias::new(table))
                        .col(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _, column, _) in KEYS {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("{table}_{column}_idx"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
