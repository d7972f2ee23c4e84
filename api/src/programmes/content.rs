//! The programme content type, defined once: snapshot, row, countries and
//! priority areas, rules, overlay, GraphQL input and file item.
use crate::content::format::{MoneyIn, TextBlockIn};
use crate::content::list::{Listing, Order, Scalar};
use crate::content::listing::SortValue;
use crate::content::locale::TranslationMap;
use crate::content::model::{
    col, resolve_countries, row_translations, some_map, some_text, translations_json, At, Block,
    Children, ContentType, CopyState, Keys, Reference, Refers, Searched,
};
use crate::content::tables::{ChildTable, Via};
use crate::content::{validate, Kind};
use crate::error::{AppError, AppResult};
use entity::programme;
use sea_orm::{QueryResult, Value};
use serde::{Deserialize, Serialize};

/// The kind of a programme.
#[derive(Copy, Clone, Eq, PartialEq, Debug)]
pub enum ProgrammeKind {
    /// Multiannual indicative programme: the multi-year plan for a country or region.
    Mip,
    /// Annual action plan: the actions financed in one year.
    AnnualActionPlan,
    /// Support measure (e.g. a cooperation facility), possibly for several countries.
    SupportMeasure,
    /// Any other kind of programme.
    Other,
}

impl ProgrammeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProgrammeKind::Mip => "MIP",
            ProgrammeKind::AnnualActionPlan => "ANNUAL_ACTION_PLAN",
            ProgrammeKind::SupportMeasure => "SUPPORT_MEASURE",
            ProgrammeKind::Other => "OTHER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ProgrammeKind::Mip,
            ProgrammeKind::AnnualActionPlan,
            ProgrammeKind::SupportMeasure,
            ProgrammeKind::Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A programme's content, its countries and priority areas included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeData {
    pub slug: String,
    pub title: String,
    /// The programme kind's stored name (`MIP`, ...); `kind` in revisions, as
    /// in the file and the API.
    #[serde(rename = "kind")]
    pub programme_kind: String,
    pub country_ids: Vec<i32>,
    pub period_start: i32,
    pub period_end: i32,
    pub budget_cents: i64,
    pub currency: String,
    pub summary: String,
    pub priority_areas: Vec<Block>,
    #[serde(default)]
    pub translations: TranslationMap,
}

/// The countries a programme concerns, in order.
const COUNTRY_LINKS: ChildTable = ChildTable {
    table: "programme_countries",
    owner: "programme_id",
};

// Its row, read by position (`content::decode`).
crate::content::decode::decoder!(programme::Model {
    id: int,
    slug: text,
    title: text,
    kind: text,
    period_start: int,
    period_end: int,
    budget_cents: big,
    currency: text,
    summary: text,
});

impl ContentType for ProgrammeData {
    const KIND: Kind = Kind::Programme;
    const TABLE: &'static str = "programmes";
    const PLURAL: &'static str = "Programmes";
    const TITLE: &'static str = "title";
    const SEARCHED: Option<Searched> = Some(Searched {
        column: "title",
        date: None,
    });
    const REFERS: &'static [Refers] = &[Refers {
        kind: Kind::Country,
        table: "programme_countries",
        column: "country_id",
    }];
    type Model = programme::Model;
    type File = ProgrammeIn;
    const COLUMNS: &'static [&'static str] = &[
        "slug",
        "title",
        "kind",
        "period_start",
        "period_end",
        "budget_cents",
        "currency",
        "summary",
        "translations",
    ];
    const BLOCKS: Option<ChildTable> = Some(ChildTable {
        table: "priority_areas",
        owner: "programme_id",
    });
    const BLOCKS_FIELD: &'static str = "priorityAreas";
    const COUNTRIES: Option<ChildTable> = Some(COUNTRY_LINKS);
    const TRANSLATABLE: &'static [&'static str] = &["title", "summary"];
    const LISTING: Listing = Listing {
        kind: Self::KIND,
        region: Some(Via::Countries(COUNTRY_LINKS)),
        country: Some(Via::Countries(COUNTRY_LINKS)),
        programme: None,
        columns: &[("kind", Scalar::Text)],
        orders: &[
            Order::PeriodStartAsc,
            Order::PeriodStartDesc,
            Order::Title,
            Order::Slug,
            Order::BudgetDesc,
        ],
        places: &[],
    };

    fn sort_value<'m>(m: &'m programme::Model, column: &str) -> Option<SortValue<'m>> {
        Some(match column {
            "period_start" => SortValue::Int(m.period_start.into()),
            "title" => SortValue::Text(&m.title),
            "budget_cents" => SortValue::Int(m.budget_cents),
            _ => return None,
        })
    }

    fn values(&self) -> AppResult<Vec<Value>> {
        let ProgrammeData {
            slug,
            title,
            programme_kind,
            country_ids: _, // a child table
            period_start,
            period_end,
            budget_cents,
            currency,
            summary,
            priority_areas: _, // a child table
            translations,
        } = self;
        Ok(vec![
            slug.clone().into(),
            title.clone().into(),
            programme_kind.clone().into(),
            (*period_start).into(),
            (*period_end).into(),
            (*budget_cents).into(),
            currency.clone().into(),
            summary.clone().into(),
            translations_json(translations)?.into(),
        ])
    }

    fn from_row(row: &QueryResult, children: Children) -> AppResult<Self> {
        Ok(ProgrammeData {
            slug: col(row, "slug")?,
            title: col(row, "title")?,
            programme_kind: col(row, "kind")?,
            country_ids: children.countries,
            period_start: col(row, "period_start")?,
            period_end: col(row, "period_end")?,
            budget_cents: col(row, "budget_cents")?,
            currency: col(row, "currency")?,
            summary: col(row, "summary")?,
            priority_areas: children.blocks,
            translations: row_translations(row)?,
        })
    }

    fn overlay(self, row: &programme::Model, copy: CopyState) -> AppResult<programme::Model> {
        let ProgrammeData {
            slug,
            title,
            programme_kind,
            country_ids: _,    // the node reads them from the working copy
            priority_areas: _, // the node reads them from the working copy
            period_start,
            period_end,
            budget_cents,
            currency,
            summary,
            translations,
        } = self;
        Ok(crate::content::model::overlaid!(
            programme::Model {
                slug,
                title,
                kind: programme_kind,
                period_start,
                period_end,
                budget_cents,
                currency,
                summary,
                translations: translations_json(&translations)?,
            },
            row,
            copy
        ))
    }

    fn empty() -> Self {
        ProgrammeData {
            currency: "EUR".into(),
            ..ProgrammeData::default()
        }
    }
    fn slug(&self) -> &str {
        &self.slug
    }
    fn translations(&self) -> &TranslationMap {
        &self.translations
    }
    fn blocks(&self) -> &[Block] {
        &self.priority_areas
    }
    fn countries(&self) -> &[i32] {
        &self.country_ids
    }
    fn references(&self) -> Vec<Reference> {
        self.country_ids
            .iter()
            .map(|id| Reference {
                kind: Kind::Country,
                id: *id,
                field: "input.countryIds",
            })
            .collect()
    }

    fn rules(&self, at: At) -> AppResult<()> {
        validate::required_text(&at.field("title"), &self.title)?;
        if self.programme_kind.is_empty() {
            return Err(AppError::bad_field(at.field("kind"), "a kind is required"));
        }
        if ProgrammeKind::parse(&self.programme_kind).is_none() {
            return Err(AppError::bad_field(
                at.field("kind"),
                format!(
                    "unknown kind {} (expected MIP, ANNUAL_ACTION_PLAN, SUPPORT_MEASURE or OTHER)",
                    crate::error::quoted(&self.programme_kind)
                ),
            ));
        }
        validate::countries(&at.field("countryIds"), &self.country_ids)?;
        validate::period(
            &at.field("periodStart"),
            &at.field("periodEnd"),
            self.period_start,
            self.period_end,
        )?;
        if self.budget_cents < 0 {
            return Err(AppError::bad_field(
                at.field("budget.amount"),
                "the budget must not be negative",
            ));
        }
        validate::currency(&at.field("budget.currency"), &self.currency)
    }

    fn from_file(p: &ProgrammeIn, keys: &dyn Keys, _: usize) -> AppResult<Self> {
        let (budget_cents, currency) = match (&p.budget_eur, &p.budget) {
            (Some(eur), None) => (validate::amount_cents("budgetEur", eur)?, "EUR".into()),
            (None, Some(m)) => (
                validate::amount_cents("budget.amount", &m.amount)?,
                m.currency.clone(),
            ),
            (Some(_), Some(_)) => {
                return Err(AppError::bad_field(
                    "budget",
                    "give `budgetEur` or `budget`, not both",
                ))
            }
            (None, None) => return Err(AppError::bad_field("budgetEur", "a budget is required")),
        };
        Ok(ProgrammeData {
            slug: p.slug.clone(),
            title: p.title.clone(),
            programme_kind: p.programme_kind.clone(),
            country_ids: resolve_countries(keys, "countries", &p.countries)?,
            period_start: p.period_start,
            period_end: p.period_end,
            budget_cents,
            currency,
            summary: p.summary.clone().unwrap_or_default(),
            priority_areas: p.priority_areas.iter().map(Block::from_file).collect(),
            translations: p.translations.clone().unwrap_or_default(),
        })
    }

    fn to_file(&self, keys: &dyn Keys) -> Option<ProgrammeIn> {
        let ProgrammeData {
            slug,
            title,
            programme_kind,
            country_ids,
            period_start,
            period_end,
            budget_cents,
            currency,
            summary,
            priority_areas,
            translations,
        } = self;
        let countries: Vec<String> = country_ids
            .iter()
            .filter_map(|id| keys.key_of(Kind::Country, *id))
            .collect();
        if countries.is_empty() {
            return None;
        }
        let amount = rust_decimal::Decimal::new(*budget_cents, 2).to_string();
        let (budget_eur, budget) = if currency == "EUR" {
            (Some(amount), None)
        } else {
            (
                None,
                Some(MoneyIn {
                    amount,
                    currency: currency.clone(),
                }),
            )
        };
        Some(ProgrammeIn {
            slug: slug.clone(),
            title: title.clone(),
            programme_kind: programme_kind.clone(),
            countries,
            period_start: *period_start,
            period_end: *period_end,
            budget_eur,
            budget,
            summary: some_text(summary),
            priority_areas: priority_areas.iter().map(Block::to_file).collect(),
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
pub struct ProgrammeIn {
    pub slug: String,
    pub title: String,
    /// MIP, ANNUAL_ACTION_PLAN, SUPPORT_MEASURE or OTHER.
    #[serde(rename = "kind")]
    pub programme_kind: String,
    /// Country ISO codes (or slugs).
    pub countries: Vec<String>,
    pub period_start: i32,
    pub period_end: i32,
    /// Budget in euros, as the generator writes it ("57000000.00").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_eur: Option<String>,
    /// Budget in any currency; use instead of `budgetEur` for other currencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<MoneyIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default)]
    pub priority_areas: Vec<TextBlockIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
}
}
