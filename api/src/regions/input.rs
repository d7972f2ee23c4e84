//! The region type's GraphQL input: its fields, and how they change a snapshot.
use super::content::RegionData;
use super::Region;
use crate::content::locale::TranslationMap;
use crate::error::AppResult;
use crate::gql::input::ContentInput;
use crate::gql::input::{set, set_translations};
use async_graphql::{InputObject, Json};

/// A region's fields. Create: `slug` and `name` are required. Update: only the
/// fields given change.
#[derive(InputObject, Default)]
pub struct RegionInput {
    /// Unique, URL-safe key (lower-case words joined by hyphens).
    pub slug: Option<String>,
    /// Name (default locale).
    pub name: Option<String>,
    /// Summary (default locale).
    pub summary: Option<String>,
    /// Position in region lists.
    pub position: Option<i32>,
    /// Other locales: `{"fi": {"name": "...", "summary": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

impl ContentInput for RegionInput {
    type Content = RegionData;
    type Node = Region;

    fn apply(self, d: &mut RegionData) -> AppResult<()> {
        let RegionInput {
            slug,
            name,
            summary,
            position,
            translations,
        } = self;
        set(&mut d.slug, slug);
        set(&mut d.name, name);
        set(&mut d.summary, summary);
        set(&mut d.position, position);
        set_translations(&mut d.translations, translations);
        Ok(())
    }
}
