use crate::Status;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub published_on: Date,
    /// ISO 639-1 code, lower case.
    pub language: String,
    pub category: Option<String>,
    pub programme_id: Option<i32>,
    pub size_bytes: i64,
    pub media_type: String,
    /// PDF, ZIP, DOCX, ... (upper case).
    pub format: String,
    pub sha256: Option<String>,
    pub original_filename: Option<String>,
    /// The service holds the file's bytes (under `sha256`): it has a download.
    pub file_stored: bool,
    /// Where the file can be downloaded when the service holds no bytes of it.
    pub source_url: Option<String>,
    /// A sentence or two for document lists (default locale; `''` when none).
    pub summary: String,
    pub status: Status,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub translations: String,
    /// The working copy of a published item (JSON snapshot), while it has
    /// unpublished changes.
    pub draft: Option<String>,
    /// Status of that working copy (DRAFT or IN_REVIEW).
    pub draft_status: Option<Status>,
    /// Version of that working copy (the row's `version` stays the published one).
    pub draft_version: Option<i32>,
    pub scheduled_at: Option<DateTimeUtc>,
    /// When the scheduler takes the published item off the public site.
    pub unpublish_at: Option<DateTimeUtc>,
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    pub published_by: Option<String>,
    pub review_comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::programme::Entity",
        from = "Column::ProgrammeId",
        to = "super::programme::Column::Id",
        on_delete = "SetNull"
    )]
    Programme,
}

impl Related<super::programme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Programme.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
