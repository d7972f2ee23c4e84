//! Access tokens revoked by `logout` before they expire, by the SHA-256 of the
//! token: every process checks this table when a token arrives, so a logout
//! holds across every `cms` process on the database at once. Rows go when the
//! token would have expired anyway.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    Digest,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RevokedTokens::Table)
                    .col(string_len(RevokedTokens::Digest, 64).primary_key())
                    .col(timestamp_with_time_zone(RevokedTokens::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RevokedTokens::Table).to_owned())
            .await
    }
}
