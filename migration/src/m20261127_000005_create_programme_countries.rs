use crate::m20261127_000002_create_countries::Countries;
use crate::m20261127_000004_create_programmes::Programmes;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ProgrammeCountries {
    Table,
    ProgrammeId,
    CountryId,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProgrammeCountries::Table)
                    .col(integer(ProgrammeCountries::ProgrammeId))
                    .col(integer(ProgrammeCountries::CountryId))
                    .col(integer(ProgrammeCountries::Position).default(0))
                    .primary_key(
                        Index::create()
                            .col(ProgrammeCountries::ProgrammeId)
                            .col(ProgrammeCountries::CountryId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("programme_countries_programme_fk")
                            .from(ProgrammeCountries::Table, ProgrammeCountries::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("programme_countries_country_fk")
                            .from(ProgrammeCountries::Table, ProgrammeCountries::CountryId)
                            .to(Countries::Table, Countries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("programme_countries_country_idx")
                    .table(ProgrammeCountries::Table)
                    .col(ProgrammeCountries::CountryId)
                    .col(ProgrammeCountries::ProgrammeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProgrammeCountries::Table).to_owned())
            .await
    }
}
