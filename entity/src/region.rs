use crate::Status;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub position: i32,
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
    #[sea_orm(has_many = "super::country::Entity")]
    Country,
}

impl Related<super::country::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Country.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
