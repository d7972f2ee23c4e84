use crate::Status;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programmes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    /// MIP, ANNUAL_ACTION_PLAN, SUPPORT_MEASURE or OTHER (checked by the database).
    pub kind: String,
    pub period_start: i32,
    pub period_end: i32,
    /// Budget in cents of `currency`: exact, never a float.
    pub budget_cents: i64,
    pub currency: String,
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
    #[sea_orm(has_many = "super::priority_area::Entity")]
    PriorityArea,
    #[sea_orm(has_many = "super::document::Entity")]
    Document,
}

impl Related<super::priority_area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PriorityArea.def()
    }
}

impl Related<super::document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
