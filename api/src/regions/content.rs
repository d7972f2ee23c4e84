//! The region content type, defined once: snapshot, row, rules, overlay,
//! GraphQL input and file item.
use crate::content::list::{Listing, Order};
use crate::content::listing::SortValue;
use crate::content::locale::TranslationMap;
use crate::content::model::{
    col, row_translations, some_map, some_text, translations_json, At, Children, ContentType,
    CopyState, Keys, Reference,
};
use crate::content::{validate, Kind};
use crate::error::AppResult;
use entity::region;
use sea_orm::{QueryResult, Value};
use serde::{Deserialize, Serialize};

/// A region's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionData {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub position: i32,
    #[serde(default)]
    pub translations: TranslationMap,
}

// Its row, read by position (`content::decode`).
crate::content::decode::decoder!(region::Model {
    id: int,
    slug: text,
    name: text,
    summary: text,
    position: int,
});

impl ContentType for RegionData {
    const KIND: Kind = Kind::Region;
    const TABLE: &'static str = "regions";
    const PLURAL: &'static str = "Regions";
    const TITLE: &'static str = "name";
    const ADMIN_ONLY: bool = true;
    type Model = region::Model;
    type File = RegionIn;
    const COLUMNS: &'static [&'static str] =
        &["slug", "name", "summary", "position", "translations"];
    const TRANSLATABLE: &'static [&'static str] = &["name", "summary"];
    const LISTING: Listing = Listing {
        kind: Self::KIND,
        region: None,
        country: None,
        programme: None,
        columns: &[],
        orders: &[Order::Position, Order::Name, Order::Slug],
        places: &[],
    };

    fn sort_value<'m>(m: &'m region::Model, column: &str) -> Option<SortValue<'m>> {
        Some(match column {
            "position" => SortValue::Int(m.position.into()),
            "name" => SortValue::Text(&m.name),
            _ => return None,
        })
    }

    fn values(&self) -> AppResult<Vec<Value>> {
        let RegionData {
            slug,
            name,
            summary,
            position,
            translations,
        } = self;
        Ok(vec![
            slug.clone().into(),
            name.clone().into(),
            summary.clone().into(),
            (*position).into(),
            translations_json(translations)?.into(),
        ])
    }

    fn from_row(row: &QueryResult, _: Children) -> AppResult<Self> {
        Ok(RegionData {
            slug: col(row, "slug")?,
            name: col(row, "name")?,
            summary: col(row, "summary")?,
            position: col(row, "position")?,
            translations: row_translations(row)?,
        })
    }

    fn overlay(self, row: &region::Model, copy: CopyState) -> AppResult<region::Model> {
        let RegionData {
            slug,
            name,
            summary,
            position,
            translations,
        } = self;
        Ok(crate::content::model::overlaid!(
            region::Model {
                slug,
                name,
                summary,
                position,
                translations: translations_json(&translations)?,
            },
            row,
            copy
        ))
    }

    fn slug(&self) -> &str {
        &self.slug
    }
    fn translations(&self) -> &TranslationMap {
        &self.translations
    }
    fn references(&self) -> Vec<Reference> {
        vec![]
    }

    fn rules(&self, at: At) -> AppResult<()> {
        validate::required_text(&at.field("name"), &self.name)
    }

    fn from_file(r: &RegionIn, _: &dyn Keys, index: usize) -> AppResult<Self> {
        Ok(RegionData {
            slug: r.slug.clone(),
            name: r.name.clone(),
            summary: r.summary.clone().unwrap_or_default(),
            position: r.position.unwrap_or(index as i32 + 1),
            translations: r.translations.clone().unwrap_or_default(),
        })
    }

    fn to_file(&self, _: &dyn Keys) -> Option<RegionIn> {
        let RegionData {
            slug,
            name,
            summary,
            position,
            translations,
        } = self;
        Some(RegionIn {
            slug: slug.clone(),
            name: name.clone(),
            summary: some_text(summary),
            position: Some(*position),
            translations: some_map(translations),
            status: None,
            scheduled_at: None,
            unpublish_at: None,
            review_comment: None,
            working_copy: None,
        })
    }
}

crate::file_item! {
/// Its item in the import/export file: the format `cms generate` (and the team's
/// reference generator) writes, plus optional fields for what the generator does
/// not write, and the workflow state an export writes (status, working copy,
/// schedule, rejection comment).
pub struct RegionIn {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
}
}
