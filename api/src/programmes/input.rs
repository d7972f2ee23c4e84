//! The programme type's GraphQL input: its fields, and how they change a snapshot.
use super::content;
use super::content::ProgrammeData;
use super::{Programme, ProgrammeKind};
use crate::content::locale::TranslationMap;
use crate::content::{validate, Kind};
use crate::error::AppResult;
use crate::gql::input::ContentInput;
use crate::gql::input::{
    blocks, check_list, ids_of, set, set_translations, MoneyInput, TextBlockInput,
};
use async_graphql::{InputObject, Json, ID};

/// A programme's fields. Create: `slug`, `title`, `kind`, `countryIds`,
/// `periodStart`, `periodEnd` and `budget` are required. Update: only the fields
/// given change.
#[derive(InputObject, Default)]
pub struct ProgrammeInput {
    /// Unique, URL-safe key.
    pub slug: Option<String>,
    /// Title (default locale).
    pub title: Option<String>,
    /// Kind of programme.
    #[graphql(name = "kind")]
    pub programme_kind: Option<ProgrammeKind>,
    /// Ids of the countries it concerns, in order (replaces the list; at most
    /// `CMS_MAX_LIST_LENGTH`, default 100).
    pub country_ids: Option<Vec<ID>>,
    /// First year.
    pub period_start: Option<i32>,
    /// Last year (not before the first).
    pub period_end: Option<i32>,
    /// The budget: an exact amount with its currency.
    pub budget: Option<MoneyInput>,
    /// Summary (default locale).
    pub summary: Option<String>,
    /// Priority areas, in order (replaces the list; at most `CMS_MAX_LIST_LENGTH`,
    /// default 100).
    pub priority_areas: Option<Vec<TextBlockInput>>,
    /// Other locales: `{"fi": {"title": "...", "summary": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

impl ContentInput for ProgrammeInput {
    type Content = ProgrammeData;
    type Node = Programme;

    fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.countryIds", self.country_ids.as_ref(), max)?;
        check_list("input.priorityAreas", self.priority_areas.as_ref(), max)
    }

    fn apply(self, d: &mut ProgrammeData) -> AppResult<()> {
        let ProgrammeInput {
            slug,
            title,
            programme_kind,
            country_ids,
            period_start,
            period_end,
            budget,
            summary,
            priority_areas,
            translations,
        } = self;
        set(&mut d.slug, slug);
        set(&mut d.title, title);
        set(
            &mut d.programme_kind,
            programme_kind.map(|k| content::ProgrammeKind::from(k).as_str().to_string()),
        );
        if let Some(ids) = &country_ids {
            d.country_ids = ids_of(ids, Kind::Country, "input.countryIds")?;
        }
        set(&mut d.period_start, period_start);
        set(&mut d.period_end, period_end);
        if let Some(m) = budget {
            d.budget_cents = validate::amount_cents("input.budget.amount", &m.amount)?;
            d.currency = m.currency;
        }
        set(&mut d.summary, summary);
        set(&mut d.priority_areas, priority_areas.map(blocks));
        set_translations(&mut d.translations, translations);
        Ok(())
    }
}
