use crate::m20261127_000002_create_countries::Countries;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum CountryPriorities {
    Table,
    Id,
    CountryId,
    Position,
    Title,
    Body,
    Translations,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CountryPriorities::Table)
                    .col(pk_auto(CountryPriorities::Id))
                    .col(integer(CountryPriorities::CountryId))
                    .col(integer(CountryPriorities::Position))
                    .col(text(CountryPriorities::Title))
                    .col(text(CountryPriorities::Body))
                    .col(text(CountryPriorities::Translations).default("{}"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("country_priorities_country_fk")
                            .from(CountryPriorities::Table, CountryPriorities::CountryId)
                            .to(Countries::Table, Countries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("country_priorities_position_uq")
                    .table(CountryPriorities::Table)
                    .col(CountryPriorities::CountryId)
                    .col(CountryPriorities::Position)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CountryPriorities::Table).to_owned())
            .await
    }
}
