use crate::common::{content_columns, index};
use crate::m20261127_000004_create_programmes::Programmes;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Documents {
    Table,
    Id,
    Slug,
    Title,
    PublishedOn,
    Language,
    Category,
    ProgrammeId,
    SizeBytes,
    MediaType,
    Format,
    Sha256,
    OriginalFilename,
    SourceUrl,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Documents::Table)
            .col(pk_auto(Documents::Id))
            .col(string_len_uniq(Documents::Slug, 200))
            .col(text(Documents::Title))
            .col(date(Documents::PublishedOn))
            .col(string_len(Documents::Language, 2))
            .col(string_len_null(Documents::Category, 64))
            .col(integer_null(Documents::ProgrammeId))
            .col(big_integer(Documents::SizeBytes).check(Expr::col(Documents::SizeBytes).gte(0)))
            .col(string_len(Documents::MediaType, 127))
            .col(string_len(Documents::Format, 16))
            .col(string_len_null(Documents::Sha256, 64))
            .col(text_null(Documents::OriginalFilename))
            .col(text_null(Documents::SourceUrl))
            .foreign_key(
                ForeignKey::create()
                    .name("documents_programme_fk")
                    .from(Documents::Table, Documents::ProgrammeId)
                    .to(Programmes::Table, Programmes::Id)
                    .on_delete(ForeignKeyAction::SetNull),
            );
        content_columns(&mut table);
        manager.create_table(table).await?;
        // The partner lists read newest first with the slug as tie-break; an index in
        // exactly that mixed order serves both the sort and the keyset condition.
        manager
            .create_index(
                Index::create()
                    .name("documents_published_idx")
                    .table(Documents::Table)
                    .col((Documents::PublishedOn, IndexOrder::Desc))
                    .col((Documents::Slug, IndexOrder::Asc))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "documents_programme_idx",
                vec![
                    Documents::ProgrammeId.into_iden(),
                    Documents::PublishedOn.into_iden(),
                ],
            ),
            (
                "documents_language_idx",
                vec![
                    Documents::Language.into_iden(),
                    Documents::PublishedOn.into_iden(),
                ],
            ),
            (
                "documents_title_idx",
                vec![Documents::Title.into_iden(), Documents::Slug.into_iden()],
            ),
        ] {
            manager
                .create_index(index(name, Documents::Table, cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Documents::Table).to_owned())
            .await
    }
}
