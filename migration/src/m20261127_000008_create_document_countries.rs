use crate::m20261127_000002_create_countries::Countries;
use crate::m20261127_000007_create_documents::Documents;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum DocumentCountries {
    Table,
    DocumentId,
    CountryId,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DocumentCountries::Table)
                    .col(integer(DocumentCountries::DocumentId))
                    .col(integer(DocumentCountries::CountryId))
                    .col(integer(DocumentCountries::Position).default(0))
                    .primary_key(
                        Index::create()
                            .col(DocumentCountries::DocumentId)
                            .col(DocumentCountries::CountryId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("document_countries_document_fk")
                            .from(DocumentCountries::Table, DocumentCountries::DocumentId)
                            .to(Documents::Table, Documents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("document_countries_country_fk")
                            .from(DocumentCountries::Table, DocumentCountries::CountryId)
                            .to(Countries::Table, Countries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("document_countries_country_idx")
                    .table(DocumentCountries::Table)
                    .col(DocumentCountries::CountryId)
                    .col(DocumentCountries::DocumentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentCountries::Table).to_owned())
            .await
    }
}
