//! The public documents of each region, in the order partner sites list them.
//!
//! A region's document list used to walk every published document newest first
//! and test each one's country links against the region's published countries:
//! about six documents walked, and their links probed, for every one a page of
//! "Latin America" keeps. This table holds a row per (region, document) for each
//! published document linked to a published country of the region (the
//! region's own visibility is checked by the query), with the
//! document's date and slug, so the page reads its rows straight off one index
//! and fetches the documents by key.
//!
//! It is derived data: the service rewrites a document's rows in the
//! transaction of every change that can alter them (see `api/src/content/
//! region_index.rs`), and this migration fills it from the content already
//! there. No foreign keys: their checks would lock documents and regions rows
//! from inside the rewrite, which runs under the content generation's lock (the
//! last lock a writer takes), and a writer holding one of those rows while
//! waiting for the generation would deadlock with it. A deleted document's rows
//! go with the delete's rewrite; a region with countries cannot be deleted.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DocumentRegions {
    Table,
    RegionId,
    DocumentId,
    PublishedOn,
    Slug,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DocumentRegions::Table)
                    .col(integer(DocumentRegions::RegionId))
                    .col(integer(DocumentRegions::DocumentId))
                    .col(date(DocumentRegions::PublishedOn))
                    .col(string_len(DocumentRegions::Slug, 200))
                    .primary_key(
                        Index::create()
                            .col(DocumentRegions::RegionId)
                            .col(DocumentRegions::DocumentId),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The partner lists' order (newest first, slug as tie-break), and
        // its reverse for backward pages; with the document's id, so the walk
        // reads the index alone. (Oldest first with the slug ascending walks
        // it too, sorting each day's few documents.)
        db.execute_unprepared(
            "CREATE INDEX document_regions_walk_idx ON document_regions (region_id, published_on DESC, slug, document_id)",
        )
        .await?;
        // A document's rows, rewritten when it changes.
        db.execute_unprepared(
            "CREATE INDEX document_regions_document_idx ON document_regions (document_id)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO document_regions (region_id, document_id, published_on, slug) \
             SELECT DISTINCT c.region_id, d.id, d.published_on, d.slug \
             FROM documents d \
             JOIN document_countries x ON x.document_id = d.id \
             JOIN countries c ON c.id = x.country_id \
             WHERE d.status = 'PUBLISHED' AND c.status = 'PUBLISHED'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentRegions::Table).to_owned())
            .await
    }
}
