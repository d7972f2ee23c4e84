use crate::common::{content_columns, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Regions {
    Table,
    Id,
    Slug,
    Name,
    Summary,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Regions::Table)
            .col(pk_auto(Regions::Id))
            .col(string_len_uniq(Regions::Slug, 120))
            .col(text(Regions::Name))
            .col(text(Regions::Summary).default(""))
            .col(integer(Regions::Position).default(0));
        content_columns(&mut table);
        manager.create_table(table).await?;
        manager
            .create_index(index(
                "regions_position_idx",
                Regions::Table,
                vec![Regions::Position.into_iden(), Regions::Slug.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "regions_name_idx",
                Regions::Table,
                vec![Regions::Name.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Regions::Table).to_owned())
            .await
    }
}
