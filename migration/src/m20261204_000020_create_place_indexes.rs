//! The public documents of each region and of each country, in the order partner
//! sites list them.
//!
//! A region's document list used to walk every published document newest first
//! and test each one's country links against the region's published countries:
//! about six documents walked, and their links probed, for every one a page of
//! "Latin America" keeps. A country page's documents read every link of the
//! country, fetched every linked document and sorted them for a page of 20.
//! These tables hold a row per (region, document) and per (country, document)
//! for each published document linked to a published country (of the region),
//! with the document's date and slug, so a page reads its entries straight off
//! one index and fetches the documents by key. (A region's own visibility is
//! checked by the query.)
//!
//! They are derived data: the service rewrites a document's rows in the
//! transaction of every change that can alter them (see `api/src/content/
//! place_index.rs`), and this migration fills them from the content already
//! there. No foreign keys: their checks would lock documents, countries and
//! regions rows from inside the rewrite, which runs under the content
//! generation's lock (the last lock a writer takes), and a writer holding one
//! of those rows while waiting for the generation would deadlock with it. A
//! deleted document's rows go with the delete's rewrite; a country or region
//! that anything refers to cannot be deleted.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IndexColumn {
    DocumentId,
    PublishedOn,
    Slug,
}

/// (table, place column, the place of a linked country `c`).
const TABLES: [(&str, &str, &str); 2] = [
    ("document_region_index", "region_id", "c.region_id"),
    ("document_country_index", "country_id", "c.id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, place, of_country) in TABLES {
            manager
                .create_table(
                    Table::create()
                        .table(Alias::new(table))
                        .col(integer(Alias::new(place)))
                        .col(integer(IndexColumn::DocumentId))
                        .col(date(IndexColumn::PublishedOn))
                        .col(string_len(IndexColumn::Slug, 200))
                        .primary_key(
                            Index::create()
                                .col(Alias::new(place))
                                .col(IndexColumn::DocumentId),
                        )
                        .to_owned(),
                )
                .await?;
            // The partner lists' order (newest first, slug as tie-break), and
            // its reverse for backward pages; with the document's id, so the
            // walk reads the index alone. (Oldest first with the slug
            // ascending walks it too, sorting each day's few documents.)
            db.execute_unprepared(&format!(
                "CREATE INDEX {table}_walk_idx ON {table} ({place}, published_on DESC, slug, document_id)"
            ))
            .await?;
            // A document's rows, rewritten when it changes.
            db.execute_unprepared(&format!(
                "CREATE INDEX {table}_document_idx ON {table} (document_id)"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "INSERT INTO {table} ({place}, document_id, published_on, slug) \
                 SELECT DISTINCT {of_country}, d.id, d.published_on, d.slug \
                 FROM documents d \
                 JOIN document_countries x ON x.document_id = d.id \
                 JOIN countries c ON c.id = x.country_id \
                 WHERE d.status = 'PUBLISHED' AND c.status = 'PUBLISHED'"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _, _) in TABLES {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
