//! Documents' files (issue 25).
//!
//! - `documents.file_stored`: the service holds the bytes of the row's file
//!   (under `sha256`); rows written before keep their metadata and have none.
//! - `revisions.file_sha256`: the stored file a revision's snapshot names,
//!   written with the revision: every version of a document (its row, its
//!   working copy, its history) is a revision, so this column and the rows'
//!   are all the references the file collector needs, indexed.
//! - `blobs`: one row per stored file, written before its bytes go to the
//!   store and stamped again whenever an upload names it (`used_at`). The
//!   collector removes a file only when it has no reference and was last used
//!   longer ago than the grace period, holding the row's lock while it does,
//!   so an upload of the same bytes waits for it and then stores them again.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Blobs {
    Table,
    Sha256,
    SizeBytes,
    CreatedAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("documents"))
                    .add_column(boolean(Alias::new("file_stored")).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("revisions"))
                    .add_column(string_len_null(Alias::new("file_sha256"), 64))
                    .to_owned(),
            )
            .await?;
        for (name, table, column) in [
            ("revisions_file_idx", "revisions", "file_sha256"),
            ("documents_sha256_idx", "documents", "sha256"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Blobs::Table)
                    .col(string_len(Blobs::Sha256, 64).primary_key())
                    .col(big_integer(Blobs::SizeBytes))
                    .col(timestamp_with_time_zone(Blobs::CreatedAt))
                    .col(timestamp_with_time_zone(Blobs::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("blobs_used_idx")
                    .table(Blobs::Table)
                    .col(Blobs::UsedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Blobs::Table).to_owned())
            .await?;
        for (name, table) in [
            ("revisions_file_idx", "revisions"),
            ("documents_sha256_idx", "documents"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        for (table, column) in [("revisions", "file_sha256"), ("documents", "file_stored")] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
