//! The country type's GraphQL input: its fields, and how they change a snapshot.
use super::content::CountryData;
use super::Country;
use crate::content::locale::TranslationMap;
use crate::content::Kind;
use crate::error::AppResult;
use crate::gql::input::ContentInput;
use crate::gql::input::{
    blocks, check_list, id_of, set, set_opt, set_translations, TextBlockInput,
};
use async_graphql::{InputObject, Json, MaybeUndefined, ID};

/// A country's fields. Create: `slug`, `iso2`, `name` and `regionId` are
/// required. Update: only the fields given change (`null` clears an optional one).
#[derive(InputObject, Default)]
pub struct CountryInput {
    /// Unique, URL-safe key.
    pub slug: Option<String>,
    /// ISO 3166-1 alpha-2 code (e.g. `PE`).
    pub iso2: Option<String>,
    /// Name (default locale).
    pub name: Option<String>,
    /// The region's id.
    pub region_id: Option<ID>,
    /// Summary (default locale).
    pub summary: Option<String>,
    /// Country context (markdown).
    pub context: MaybeUndefined<String>,
    /// Support-measures text (markdown).
    pub support_measures: MaybeUndefined<String>,
    /// The priorities, in order (replaces the list; at most `CMS_MAX_LIST_LENGTH`,
    /// default 100).
    pub priorities: Option<Vec<TextBlockInput>>,
    /// Other locales: `{"fi": {"name": "...", "context": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

impl ContentInput for CountryInput {
    type Content = CountryData;
    type Node = Country;

    fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.priorities", self.priorities.as_ref(), max)
    }

    fn apply(self, d: &mut CountryData) -> AppResult<()> {
        let CountryInput {
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
        set(&mut d.slug, slug);
        set(&mut d.iso2, iso2);
        set(&mut d.name, name);
        if let Some(r) = &region_id {
            d.region_id = id_of(r, Kind::Region, "input.regionId")?;
        }
        set(&mut d.summary, summary);
        set_opt(&mut d.context, context);
        set_opt(&mut d.support_measures, support_measures);
        set(&mut d.priorities, priorities.map(blocks));
        set_translations(&mut d.translations, translations);
        Ok(())
    }
}
