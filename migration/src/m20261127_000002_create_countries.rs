use crate::common::{content_columns, index};
use crate::m20261127_000001_create_regions::Regions;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Countries {
    Table,
    Id,
    Slug,
    Iso2,
    Name,
    RegionId,
    Summary,
    Context,
    SupportMeasures,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Countries::Table)
            .col(pk_auto(Countries::Id))
            .col(string_len_uniq(Countries::Slug, 120))
            // ISO 3166-1 alpha-2, upper case.
            .col(string_len_uniq(Countries::Iso2, 2))
            .col(text(Countries::Name))
            .col(integer(Countries::RegionId))
            .col(text(Countries::Summary).default(""))
            .col(text_null(Countries::Context))
            .col(text_null(Countries::SupportMeasures))
            .foreign_key(
                ForeignKey::create()
                    .name("countries_region_fk")
                    .from(Countries::Table, Countries::RegionId)
                    .to(Regions::Table, Regions::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            );
        content_columns(&mut table);
        manager.create_table(table).await?;
        manager
            .create_index(index(
                "countries_region_idx",
                Countries::Table,
                vec![Countries::RegionId.into_iden(), Countries::Name.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "countries_name_idx",
                Countries::Table,
                vec![Countries::Name.into_iden(), Countries::Slug.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Countries::Table).to_owned())
            .await
    }
}
