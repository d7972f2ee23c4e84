use crate::Status;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "countries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    #[sea_orm(unique)]
    pub iso2: String,
    pub name: String,
    pub region_id: i32,
    pub summary: String,
    pub context: Option<String>,
    pub support_measures: Option<String>,
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
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    #[sea_orm(has_many = "super::country_priority::Entity")]
    Priority,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::country_priority::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Priority.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
