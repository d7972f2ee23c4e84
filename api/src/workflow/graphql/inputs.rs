//! The input types of the content mutations, and how each applies to a snapshot.
use crate::content::locale::TranslationMap;
use crate::content::snapshot::{Block, Data};
use crate::content::{GlobalId, Kind};
use crate::error::{AppError, AppResult};
use crate::graphql::scalars::Date;
use crate::programmes::ProgrammeKind;
use crate::state::AppState;
use async_graphql::{Context, InputObject, Json, MaybeUndefined, Result, ID};

/// A titled text block (country priority, programme priority area). Lists of
/// them replace the whole list, in the order given: add, remove or reorder by
/// sending the new list.
#[derive(InputObject, Clone)]
pub struct TextBlockInput {
    /// Title (default locale), required.
    pub title: String,
    /// Body (markdown, default locale).
    pub body: Option<String>,
    /// Other locales: `{"fi": {"title": "...", "body": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

fn blocks(input: Vec<TextBlockInput>) -> Vec<Block> {
    input
        .into_iter()
        .map(|b| Block {
            title: b.title,
            body: b.body.unwrap_or_default(),
            translations: b.translations.map(|j| j.0).unwrap_or_default(),
        })
        .collect()
}

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

/// An exact amount of money.
#[derive(InputObject, Clone)]
pub struct MoneyInput {
    /// Decimal amount as a string, at most two decimals (e.g. `"57000000.00"`).
    pub amount: String,
    /// ISO 4217 code (e.g. `EUR`).
    pub currency: String,
}

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
    pub kind: Option<ProgrammeKind>,
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

/// A document's fields. Create: `slug`, `title`, `publishedOn`, `language`,
/// `format` and `countryIds` are required. Update: only the fields given change
/// (`null` clears an optional one, e.g. `programmeId: null`).
#[derive(InputObject, Default)]
pub struct DocumentInput {
    /// Unique, URL-safe key.
    pub slug: Option<String>,
    /// Title (default locale).
    pub title: Option<String>,
    /// Publication date.
    pub published_on: Option<Date>,
    /// Language of the document (ISO 639-1).
    pub language: Option<String>,
    /// Category (e.g. `programming`).
    pub category: MaybeUndefined<String>,
    /// Ids of the countries it concerns, in order (replaces the list; at most
    /// `CMS_MAX_LIST_LENGTH`, default 100).
    pub country_ids: Option<Vec<ID>>,
    /// The programme it belongs to.
    pub programme_id: MaybeUndefined<ID>,
    /// File size in bytes.
    pub size_bytes: Option<i64>,
    /// Media type (default: from the format).
    pub media_type: Option<String>,
    /// File format (e.g. `PDF`).
    pub format: Option<String>,
    /// SHA-256 of the file (hex).
    pub sha256: MaybeUndefined<String>,
    /// Original file name.
    pub original_filename: MaybeUndefined<String>,
    /// Where the file can be downloaded: an absolute `http` or `https` URL (other
    /// schemes, such as `javascript:`, are BAD_USER_INPUT).
    pub source_url: MaybeUndefined<String>,
    /// Other locales: `{"fi": {"title": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

/// Decodes an id that must be of one kind.
pub(super) fn id_of(id: &ID, kind: Kind, field: &str) -> AppResult<i32> {
    let gid = GlobalId::decode(id)
        .map_err(|_| AppError::bad_field(field, format!("malformed id {:?}", id.as_str())))?;
    if gid.kind != kind {
        return Err(AppError::bad_field(
            field,
            format!("expected the id of a {}", kind.type_name()),
        ));
    }
    Ok(gid.id)
}

/// A list input longer than the configured maximum (`CMS_MAX_LIST_LENGTH`) is
/// BAD_USER_INPUT naming the field, before anything else looks at it.
fn check_list<T>(field: &str, list: Option<&Vec<T>>, max: usize) -> AppResult<()> {
    match list {
        Some(l) if l.len() > max => Err(AppError::bad_field(
            field,
            format!("at most {max} entries, got {}", l.len()),
        )),
        _ => Ok(()),
    }
}

impl CountryInput {
    pub(super) fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.priorities", self.priorities.as_ref(), max)
    }
}

impl ProgrammeInput {
    pub(super) fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.countryIds", self.country_ids.as_ref(), max)?;
        check_list("input.priorityAreas", self.priority_areas.as_ref(), max)
    }
}

impl DocumentInput {
    pub(super) fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.countryIds", self.country_ids.as_ref(), max)
    }
}

pub(super) fn max_list(ctx: &Context<'_>) -> Result<usize> {
    Ok(ctx.data::<AppState>()?.config.max_list_length)
}

fn ids_of(ids: &[ID], kind: Kind, field: &str) -> AppResult<Vec<i32>> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| id_of(id, kind, &format!("{field}[{i}]")))
        .collect()
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

fn set_opt(target: &mut Option<String>, value: MaybeUndefined<String>) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) if v.trim().is_empty() => *target = None,
        MaybeUndefined::Value(v) => *target = Some(v),
    }
}

impl RegionInput {
    pub(super) fn apply(self, data: Data) -> AppResult<Data> {
        let Data::Region(mut d) = data else {
            return Err(AppError::bad_field("id", "expected the id of a Region"));
        };
        set(&mut d.slug, self.slug);
        set(&mut d.name, self.name);
        set(&mut d.summary, self.summary);
        set(&mut d.position, self.position);
        set(&mut d.translations, self.translations.map(|j| j.0));
        Ok(Data::Region(d))
    }
}

impl CountryInput {
    pub(super) fn apply(self, data: Data) -> AppResult<Data> {
        let Data::Country(mut d) = data else {
            return Err(AppError::bad_field("id", "expected the id of a Country"));
        };
        set(&mut d.slug, self.slug);
        set(&mut d.iso2, self.iso2);
        set(&mut d.name, self.name);
        if let Some(r) = &self.region_id {
            d.region_id = id_of(r, Kind::Region, "input.regionId")?;
        }
        set(&mut d.summary, self.summary);
        set_opt(&mut d.context, self.context);
        set_opt(&mut d.support_measures, self.support_measures);
        set(&mut d.priorities, self.priorities.map(blocks));
        set(&mut d.translations, self.translations.map(|j| j.0));
        Ok(Data::Country(d))
    }
}

impl ProgrammeInput {
    pub(super) fn apply(self, data: Data) -> AppResult<Data> {
        let Data::Programme(mut d) = data else {
            return Err(AppError::bad_field("id", "expected the id of a Programme"));
        };
        set(&mut d.slug, self.slug);
        set(&mut d.title, self.title);
        set(&mut d.kind, self.kind.map(|k| k.as_str().to_string()));
        if let Some(ids) = &self.country_ids {
            d.country_ids = ids_of(ids, Kind::Country, "input.countryIds")?;
        }
        set(&mut d.period_start, self.period_start);
        set(&mut d.period_end, self.period_end);
        if let Some(m) = self.budget {
            d.budget_cents =
                crate::content::validate::amount_cents("input.budget.amount", &m.amount)?;
            d.currency = m.currency;
        }
        set(&mut d.summary, self.summary);
        set(&mut d.priority_areas, self.priority_areas.map(blocks));
        set(&mut d.translations, self.translations.map(|j| j.0));
        Ok(Data::Programme(d))
    }
}

impl DocumentInput {
    pub(super) fn apply(self, data: Data) -> AppResult<Data> {
        let Data::Document(mut d) = data else {
            return Err(AppError::bad_field("id", "expected the id of a Document"));
        };
        set(&mut d.slug, self.slug);
        set(&mut d.title, self.title);
        if let Some(date) = self.published_on {
            d.published_on = Some(date.0);
        }
        set(&mut d.language, self.language);
        set_opt(&mut d.category, self.category);
        if let Some(ids) = &self.country_ids {
            d.country_ids = ids_of(ids, Kind::Country, "input.countryIds")?;
        }
        match &self.programme_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => d.programme_id = None,
            MaybeUndefined::Value(p) => {
                d.programme_id = Some(id_of(p, Kind::Programme, "input.programmeId")?)
            }
        }
        set(&mut d.size_bytes, self.size_bytes);
        if let Some(f) = self.format {
            d.format = f.to_ascii_uppercase();
            if self.media_type.is_none()
                && (d.media_type.is_empty() || d.media_type == "application/octet-stream")
            {
                d.media_type = crate::content::validate::media_type_for(&d.format).to_string();
            }
        }
        set(&mut d.media_type, self.media_type);
        set_opt(&mut d.sha256, self.sha256);
        set_opt(&mut d.original_filename, self.original_filename);
        set_opt(&mut d.source_url, self.source_url);
        set(&mut d.translations, self.translations.map(|j| j.0));
        Ok(Data::Document(d))
    }
}
