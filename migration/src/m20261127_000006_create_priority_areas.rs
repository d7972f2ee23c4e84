use crate::m20261127_000004_create_programmes::Programmes;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum PriorityAreas {
    Table,
    Id,
    ProgrammeId,
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
                    .table(PriorityAreas::Table)
                    .col(pk_auto(PriorityAreas::Id))
                    .col(integer(PriorityAreas::ProgrammeId))
                    .col(integer(PriorityAreas::Position))
                    .col(text(PriorityAreas::Title))
                    .col(text(PriorityAreas::Body))
                    .col(text(PriorityAreas::Translations).default("{}"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("priority_areas_programme_fk")
                            .from(PriorityAreas::Table, PriorityAreas::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("priority_areas_position_uq")
                    .table(PriorityAreas::Table)
                    .col(PriorityAreas::ProgrammeId)
                    .col(PriorityAreas::Position)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PriorityAreas::Table).to_owned())
            .await
    }
}
