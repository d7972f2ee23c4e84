//! Revisions: every save of a content item, with a full snapshot (JSON of every
//! editable field and relation), its status and version after the save, and who
//! made it. Keyed by the item's kind and id; no foreign key, because one table
//! serves four content tables (deleting an item deletes its revisions with it).
use crate::common::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Id,
    ItemKind,
    ItemId,
    Version,
    Status,
    Action,
    Data,
    Comment,
    ActorId,
    ActorName,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Revisions::Table)
                    .col(pk_auto(Revisions::Id))
                    .col(string_len(Revisions::ItemKind, 16))
                    .col(integer(Revisions::ItemId))
                    .col(integer(Revisions::Version))
                    .col(string_len(Revisions::Status, 16))
                    .col(string_len(Revisions::Action, 32))
                    .col(text(Revisions::Data))
                    .col(text_null(Revisions::Comment))
                    .col(string_len(Revisions::ActorId, 64))
                    .col(string_len(Revisions::ActorName, 254))
                    .col(timestamp_with_time_zone(Revisions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "revisions_item_idx",
                Revisions::Table,
                vec![
                    Revisions::ItemKind.into_iden(),
                    Revisions::ItemId.into_iden(),
                    Revisions::Id.into_iden(),
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Revisions::Table).to_owned())
            .await
    }
}
