//! Column sets shared by every content table, so the workflow (status, version,
//! who/when) is one definition rather than a copy per entity.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
pub enum Workflow {
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    Translations,
}

/// Status is not indexed on its own or as a leading column: nearly every row of a
/// public list is published, and a status-first index makes the planners walk every
/// published row instead of the ordering index (measured: 3x slower pages).
///
/// Adds the workflow columns and the translations column to a content table.
///
/// Translations are a JSON object `{"fi": {"name": "..."}}` in a text column: the
/// default locale (`en`) lives in the ordinary, NOT NULL columns, so it is always
/// present, and a read of one row brings every locale with it (no join, no extra
/// statement per locale). A translation table per entity was the rejected
/// alternative: six more tables and a join on every public read, for text that is
/// only ever read whole with its row.
pub fn content_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(string_len(Workflow::Status, 16).default("DRAFT").check(
            Expr::col(Workflow::Status).is_in(["DRAFT", "IN_REVIEW", "PUBLISHED", "ARCHIVED"]),
        ))
        .col(integer(Workflow::Version).default(1))
        .col(timestamp_with_time_zone(Workflow::CreatedAt))
        .col(timestamp_with_time_zone(Workflow::UpdatedAt))
        .col(timestamp_with_time_zone_null(Workflow::PublishedAt))
        .col(text(Workflow::Translations).default("{}"))
}

/// `CREATE INDEX name ON table (cols...)`.
pub fn index<T: IntoIden + 'static>(
    name: &str,
    table: T,
    cols: Vec<DynIden>,
) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for col in cols {
        idx.col(col);
    }
    idx.to_owned()
}
