//! Schema migrations. One change per file, each with a working `down`, run on SQLite
//! and PostgreSQL alike (only portable column types and constraints are used).
pub use sea_orm_migration::prelude::*;

mod common;
mod m20261127_000001_create_regions;
mod m20261127_000002_create_countries;
mod m20261127_000003_create_country_priorities;
mod m20261127_000004_create_programmes;
mod m20261127_000005_create_programme_countries;
mod m20261127_000006_create_priority_areas;
mod m20261127_000007_create_documents;
mod m20261127_000008_create_document_countries;
mod m20261127_000009_create_trigram_indexes;
mod m20261127_000010_add_editorial_columns;
mod m20261127_000011_create_users;
mod m20261127_000012_create_revisions;
mod m20261127_000013_create_audit_log;
mod m20261127_000014_create_login_attempts;
mod m20261127_000015_create_content_generation;
mod m20261202_000016_add_document_summary;
mod m20261202_000017_create_trusted_documents;
mod m20261202_000018_add_public_generation;
mod m20261203_000019_add_search_text;
mod m20261204_000020_create_place_indexes;
mod m20261206_000021_create_revoked_tokens;
mod m20261206_000022_add_unpublish_at;
mod m20261206_000023_add_draft_keys;
mod m20261207_000024_create_file_refs;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_regions::Migration),
            Box::new(m20261127_000002_create_countries::Migration),
            Box::new(m20261127_000003_create_country_priorities::Migration),
            Box::new(m20261127_000004_create_programmes::Migration),
            Box::new(m20261127_000005_create_programme_countries::Migration),
            Box::new(m20261127_000006_create_priority_areas::Migration),
            Box::new(m20261127_000007_create_documents::Migration),
            Box::new(m20261127_000008_create_document_countries::Migration),
            Box::new(m20261127_000009_create_trigram_indexes::Migration),
            Box::new(m20261127_000010_add_editorial_columns::Migration),
            Box::new(m20261127_000011_create_users::Migration),
            Box::new(m20261127_000012_create_revisions::Migration),
            Box::new(m20261127_000013_create_audit_log::Migration),
            Box::new(m20261127_000014_create_login_attempts::Migration),
            Box::new(m20261127_000015_create_content_generation::Migration),
            Box::new(m20261202_000016_add_document_summary::Migration),
            Box::new(m20261202_000017_create_trusted_documents::Migration),
            Box::new(m20261202_000018_add_public_generation::Migration),
            Box::new(m20261203_000019_add_search_text::Migration),
            Box::new(m20261204_000020_create_place_indexes::Migration),
            Box::new(m20261206_000021_create_revoked_tokens::Migration),
            Box::new(m20261206_000022_add_unpublish_at::Migration),
            Box::new(m20261206_000023_add_draft_keys::Migration),
            Box::new(m20261207_000024_create_file_refs::Migration),
        ]
    }
}
