//! The country content type, defined once: snapshot, row, priorities, rules,
//! overlay, GraphQL input and file item.
use crate::content::format::TextBlockIn;
use crate::content::list::{Listing, Order};
use crate::content::listing::SortValue;
use crate::content::locale::TranslationMap;
use crate::content::model::{
    col, resolve, row_translations, some_map, some_text, translations_json, At, Block, Children,
    ContentType, CopyState, Keys, Reference, Refers, Searched,
};
use crate::content::tables::{ChildTable, Via};
use crate::content::{validate, Kind};
use crate::error::{AppError, AppResult};
use entity::country;
use sea_orm::{QueryResult, Value};
use serde::{Deserialize, Serialize};

/// A country's content, its priorities included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountryData {
    pub slug: String,
    pub iso2: String,
    pub name: String,
    pub region_id: i32,
    pub summary: String,
    pub context: Option<String>,
    pub support_measures: Option<String>,
    pub priorities: Vec<Block>,
    #[serde(default)]
    pub translations: TranslationMap,
}

// Its row, read by position (`content::decode`).
crate::content::decode::decoder!(country::Model {
    id: int,
    slug: text,
    iso2: text,
    name: text,
    region_id: int,
    summary: text,
    context: opt_text,
    support_measures: opt_text,
});

impl ContentType for CountryData {
    const KIND: Kind = Kind::Country;
    const TABLE: &'static str = "countries";
    const PLURAL: &'static str = "Countries";
    const TITLE: &'static str = "name";
    const SEARCHED: Option<Searched> = Some(Searched {
        column: "name",
        date: None,
    });
    const REFERS: &'static [Refers] = &[Refers {
        kind: Kind::Region,
        table: "countries",
        column: "region_id",
    }];
    type Model = country::Model;
    type File = CountryIn;
    const COLUMNS: &'static [&'static str] = &[
        "slug",
        "iso2",
        "name",
        "region_id",
        "summary",
        "context",
        "support_measures",
        "translations",
    ];
    const BLOCKS: Option<ChildTable> = Some(ChildTable {
        table: "country_priorities",
        owner: "country_id",
    });
    const BLOCKS_FIELD: &'static str = "priorities";
    const TRANSLATABLE: &'static [&'static str] =
        &["name", "summary", "context", "supportMeasures"];
    const KEYS: &'static [&'static str] = &["slug", "iso2"];
    const DRAFT_KEYS: &'static [&'static str] = &["draft_slug", "draft_iso2"];
    const LISTING: Listing = Listing {
        kind: Self::KIND,
        region: Some(Via::Column("region_id")),
        country: None,
        programme: None,
        columns: &[],
        orders: &[Order::Name, Order::Slug, Order::Iso2],
        places: &[],
    };

    fn referred_id(m: &country::Model, column: &str) -> Option<i32> {
        match column {
            "region_id" => Some(m.region_id),
            _ => None,
        }
    }

    fn sort_value<'m>(m: &'m country::Model, column: &str) -> Option<SortValue<'m>> {
        Some(match column {
            "name" => SortValue::Text(&m.name),
            "iso2" => SortValue::Text(&m.iso2),
            _ => return None,
        })
    }

    fn values(&self) -> AppResult<Vec<Value>> {
        let CountryData {
            slug,
            iso2,
            name,
            region_id,
            summary,
            context,
            support_measures,
            priorities: _, // a child table
            translations,
        } = self;
        Ok(vec![
            slug.clone().into(),
            iso2.clone().into(),
            name.clone().into(),
            (*region_id).into(),
            summary.clone().into(),
            context.clone().into(),
            support_measures.clone().into(),
            translations_json(translations)?.into(),
        ])
    }

    fn from_row(row: &QueryResult, children: Children) -> AppResult<Self> {
        Ok(CountryData {
            slug: col(row, "slug")?,
            iso2: col(row, "iso2")?,
            name: col(row, "name")?,
            region_id: col(row, "region_id")?,
            summary: col(row, "summary")?,
            context: col(row, "context")?,
            support_measures: col(row, "support_measures")?,
            priorities: children.blocks,
            translations: row_translations(row)?,
        })
    }

    fn overlay(self, row: &country::Model, copy: CopyState) -> AppResult<country::Model> {
        let CountryData {
            slug,
            iso2,
            name,
            region_id,
            summary,
            context,
            support_measures,
            priorities: _, // the node reads them from the working copy
            translations,
        } = self;
        Ok(crate::content::model::overlaid!(
            country::Model {
                slug,
                iso2,
                name,
                region_id,
                summary,
                context,
                support_measures,
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
    fn blocks(&self) -> &[Block] {
        &self.priorities
    }
    fn key_values(&self) -> Vec<&str> {
        vec![&self.slug, &self.iso2]
    }
    fn file_key(&self) -> &str {
        &self.iso2
    }
    fn references(&self) -> Vec<Reference> {
        vec![Reference {
            kind: Kind::Region,
            id: self.region_id,
            field: "input.regionId",
        }]
    }

    fn rules(&self, at: At) -> AppResult<()> {
        validate::iso2(&at.field("iso2"), &self.iso2)?;
        validate::required_text(&at.field("name"), &self.name)?;
        if self.region_id <= 0 {
            return Err(AppError::bad_field(
                at.field("regionId"),
                "a region is required",
            ));
        }
        Ok(())
    }

    fn from_file(c: &CountryIn, keys: &dyn Keys, _: usize) -> AppResult<Self> {
        Ok(CountryData {
            slug: c.slug.clone(),
            iso2: c.iso2.clone(),
            name: c.name.clone(),
            region_id: resolve(keys, Kind::Region, "region", &c.region)?,
            summary: c.summary.clone().unwrap_or_default(),
            context: c.context.clone(),
            support_measures: c.support_measures.clone(),
            priorities: c
                .priorities
                .iter()
                .flatten()
                .map(Block::from_file)
                .collect(),
            translations: c.translations.clone().unwrap_or_default(),
        })
    }

    fn to_file(&self, keys: &dyn Keys) -> Option<CountryIn> {
        let CountryData {
            slug,
            iso2,
            name,
            region_id,
            summary,
            context,
            support_measures,
            priorities,
            translations,
        } = self;
        Some(CountryIn {
            slug: slug.clone(),
            name: name.clone(),
            iso2: iso2.clone(),
            region: keys.key_of(Kind::Region, *region_id)?,
            summary: some_text(summary),
            context: context.clone(),
            priorities: (!priorities.is_empty())
                .then(|| priorities.iter().map(Block::to_file).collect()),
            support_measures: support_measures.clone(),
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
pub struct CountryIn {
    pub slug: String,
    pub name: String,
    pub iso2: String,
    /// Region slug.
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priorities: Option<Vec<TextBlockIn>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_measures: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
}
}
