//! Trusted documents: the GraphQL documents an operator registered with
//! `cms trusted-documents register`, by the SHA-256 of their text. In the database, so
//! every process behind a load balancer runs the same set.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TrustedDocuments {
    Table,
    Hash,
    Name,
    Document,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrustedDocuments::Table)
                    .col(string_len(TrustedDocuments::Hash, 64).primary_key())
                    .col(text(TrustedDocuments::Name))
                    .col(text(TrustedDocuments::Document))
                    .col(timestamp_with_time_zone(TrustedDocuments::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TrustedDocuments::Table).to_owned())
            .await
    }
}
