//! Snapshots of content items: every editable field and relation of one item, as
//! one serde value. The same snapshot is a revision's content, the working copy of
//! a published item (the row's `draft` column), the before/after of an audit entry,
//! and what a mutation's input is applied to. Loading and writing one item's rows
//! (its own row, its ordered text blocks, its country links) is written here once.
use crate::content::locale::{translations_from_json, translations_to_json, TranslationMap};
use crate::content::validate;
use crate::content::Kind;
use crate::db::{exec, query, Sql};
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};
use serde::{Deserialize, Serialize};

/// A titled text block: a country priority or a programme priority area.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "TranslationMap::is_empty")]
    pub translations: TranslationMap,
}

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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeData {
    pub slug: String,
    pub title: String,
    pub kind: String,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentData {
    pub slug: String,
    pub title: String,
    pub published_on: Option<NaiveDate>,
    pub language: String,
    pub category: Option<String>,
    pub country_ids: Vec<i32>,
    pub programme_id: Option<i32>,
    pub size_bytes: i64,
    pub media_type: String,
    pub format: String,
    pub sha256: Option<String>,
    pub original_filename: Option<String>,
    pub source_url: Option<String>,
    #[serde(default)]
    pub translations: TranslationMap,
}

/// One item's content, whatever its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Data {
    Region(RegionData),
    Country(CountryData),
    Programme(ProgrammeData),
    Document(DocumentData),
}

fn translations_json(t: &TranslationMap) -> AppResult<String> {
    translations_to_json(Some(t))
}

fn parse_translations(json: &str) -> TranslationMap {
    translations_from_json(json).unwrap_or_default()
}

impl Data {
    pub fn kind(&self) -> Kind {
        match self {
            Data::Region(_) => Kind::Region,
            Data::Country(_) => Kind::Country,
            Data::Programme(_) => Kind::Programme,
            Data::Document(_) => Kind::Document,
        }
    }

    /// An empty item of a kind, for a create to fill in.
    pub fn empty(kind: Kind) -> Data {
        match kind {
            Kind::Region => Data::Region(RegionData::default()),
            Kind::Country => Data::Country(CountryData::default()),
            Kind::Programme => Data::Programme(ProgrammeData {
                currency: "EUR".into(),
                ..ProgrammeData::default()
            }),
            Kind::Document => Data::Document(DocumentData::default()),
        }
    }

    pub fn slug(&self) -> &str {
        match self {
            Data::Region(d) => &d.slug,
            Data::Country(d) => &d.slug,
            Data::Programme(d) => &d.slug,
            Data::Document(d) => &d.slug,
        }
    }

    pub fn to_json(&self) -> AppResult<String> {
        Ok(serde_json::to_string(self)?)
    }

    pub fn from_json(json: &str) -> AppResult<Data> {
        serde_json::from_str(json)
            .map_err(|e| AppError::internal(format!("unreadable item snapshot: {e}")))
    }

    /// The items this one refers to, by kind: they must exist.
    pub fn references(&self) -> Vec<(Kind, i32, &'static str)> {
        match self {
            Data::Region(_) => vec![],
            Data::Country(d) => vec![(Kind::Region, d.region_id, "input.regionId")],
            Data::Programme(d) => d
                .country_ids
                .iter()
                .map(|id| (Kind::Country, *id, "input.countryIds"))
                .collect(),
            Data::Document(d) => {
                let mut refs: Vec<_> = d
                    .country_ids
                    .iter()
                    .map(|id| (Kind::Country, *id, "input.countryIds"))
                    .collect();
                if let Some(p) = d.programme_id {
                    refs.push((Kind::Programme, p, "input.programmeId"));
                }
                refs
            }
        }
    }

    /// Field rules (the ones import applies too), with `input.` field paths.
    pub fn validate(&self) -> AppResult<()> {
        match self {
            Data::Region(d) => {
                validate::slug("input.slug", &d.slug)?;
                validate::required_text("input.name", &d.name)?;
                validate::translations("input.translations", &d.translations, &["name", "summary"])
            }
            Data::Country(d) => {
                validate::slug("input.slug", &d.slug)?;
                validate::iso2("input.iso2", &d.iso2)?;
                validate::required_text("input.name", &d.name)?;
                if d.region_id <= 0 {
                    return Err(AppError::bad_field(
                        "input.regionId",
                        "a region is required",
                    ));
                }
                validate_blocks("input.priorities", &d.priorities)?;
                validate::translations(
                    "input.translations",
                    &d.translations,
                    &["name", "summary", "context", "supportMeasures"],
                )
            }
            Data::Programme(d) => {
                validate::slug("input.slug", &d.slug)?;
                validate::required_text("input.title", &d.title)?;
                if d.kind.is_empty() {
                    return Err(AppError::bad_field("input.kind", "a kind is required"));
                }
                validate_countries(&d.country_ids)?;
                validate::period("input", d.period_start, d.period_end)?;
                if d.budget_cents < 0 {
                    return Err(AppError::bad_field(
                        "input.budget.amount",
                        "the budget must not be negative",
                    ));
                }
                validate::currency("input.budget.currency", &d.currency)?;
                validate_blocks("input.priorityAreas", &d.priority_areas)?;
                validate::translations("input.translations", &d.translations, &["title", "summary"])
            }
            Data::Document(d) => {
                validate::slug("input.slug", &d.slug)?;
                validate::required_text("input.title", &d.title)?;
                if d.published_on.is_none() {
                    return Err(AppError::bad_field(
                        "input.publishedOn",
                        "a publication date is required",
                    ));
                }
                validate::language("input.language", &d.language)?;
                validate_countries(&d.country_ids)?;
                validate::format("input.format", &d.format)?;
                if d.size_bytes < 0 {
                    return Err(AppError::bad_field(
                        "input.sizeBytes",
                        "the size must not be negative",
                    ));
                }
                if let Some(h) = &d.sha256 {
                    validate::sha256("input.sha256", h)?;
                }
                if let Some(u) = &d.source_url {
                    validate::url("input.sourceUrl", u)?;
                }
                validate::translations("input.translations", &d.translations, &["title"])
            }
        }
    }
}

fn validate_countries(ids: &[i32]) -> AppResult<()> {
    if ids.is_empty() {
        return Err(AppError::bad_field(
            "input.countryIds",
            "at least one country is required",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if ids.iter().any(|id| !seen.insert(id)) {
        return Err(AppError::bad_field(
            "input.countryIds",
            "a country is listed twice",
        ));
    }
    Ok(())
}

fn validate_blocks(field: &str, blocks: &[Block]) -> AppResult<()> {
    for (i, b) in blocks.iter().enumerate() {
        validate::required_text(&format!("{field}[{i}].title"), &b.title)?;
        validate::translations(
            &format!("{field}[{i}].translations"),
            &b.translations,
            &["title", "body"],
        )?;
    }
    Ok(())
}

/// The text-block and link tables of each kind.
struct Children {
    blocks: Option<(&'static str, &'static str)>,
    links: Option<(&'static str, &'static str)>,
}

fn children(kind: Kind) -> Children {
    match kind {
        Kind::Region => Children {
            blocks: None,
            links: None,
        },
        Kind::Country => Children {
            blocks: Some(("country_priorities", "country_id")),
            links: None,
        },
        Kind::Programme => Children {
            blocks: Some(("priority_areas", "programme_id")),
            links: Some(("programme_countries", "programme_id")),
        },
        Kind::Document => Children {
            blocks: None,
            links: Some(("document_countries", "document_id")),
        },
    }
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> AppResult<T> {
    Ok(row.try_get::<T>("", col)?)
}

/// Reads an item's published (row) content, children included.
pub async fn load_row<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    row: &QueryResult,
) -> AppResult<Data> {
    let id: i32 = get(row, "id")?;
    let b = conn.get_database_backend();
    let ch = children(kind);
    let blocks = match ch.blocks {
        Some((table, fk)) => {
            let mut sql = Sql::new(b);
            sql.push("SELECT title, body, translations FROM ")
                .push(table)
                .push(" WHERE ")
                .push(fk)
                .push(" = ")
                .bind(id)
                .push(" ORDER BY position");
            query(conn, sql)
                .await?
                .iter()
                .map(|r| {
                    Ok(Block {
                        title: get(r, "title")?,
                        body: get(r, "body")?,
                        translations: parse_translations(&get::<String>(r, "translations")?),
                    })
                })
                .collect::<AppResult<Vec<_>>>()?
        }
        None => vec![],
    };
    let country_ids = match ch.links {
        Some((table, fk)) => {
            let mut sql = Sql::new(b);
            sql.push("SELECT country_id FROM ")
                .push(table)
                .push(" WHERE ")
                .push(fk)
                .push(" = ")
                .bind(id)
                .push(" ORDER BY position");
            query(conn, sql)
                .await?
                .iter()
                .map(|r| get::<i32>(r, "country_id"))
                .collect::<AppResult<Vec<_>>>()?
        }
        None => vec![],
    };
    let translations = parse_translations(&get::<String>(row, "translations")?);
    Ok(match kind {
        Kind::Region => Data::Region(RegionData {
            slug: get(row, "slug")?,
            name: get(row, "name")?,
            summary: get(row, "summary")?,
            position: get(row, "position")?,
            translations,
        }),
        Kind::Country => Data::Country(CountryData {
            slug: get(row, "slug")?,
            iso2: get(row, "iso2")?,
            name: get(row, "name")?,
            region_id: get(row, "region_id")?,
            summary: get(row, "summary")?,
            context: get(row, "context")?,
            support_measures: get(row, "support_measures")?,
            priorities: blocks,
            translations,
        }),
        Kind::Programme => Data::Programme(ProgrammeData {
            slug: get(row, "slug")?,
            title: get(row, "title")?,
            kind: get(row, "kind")?,
            country_ids,
            period_start: get(row, "period_start")?,
            period_end: get(row, "period_end")?,
            budget_cents: get(row, "budget_cents")?,
            currency: get(row, "currency")?,
            summary: get(row, "summary")?,
            priority_areas: blocks,
            translations,
        }),
        Kind::Document => Data::Document(DocumentData {
            slug: get(row, "slug")?,
            title: get(row, "title")?,
            published_on: Some(get(row, "published_on")?),
            language: get(row, "language")?,
            category: get(row, "category")?,
            country_ids,
            programme_id: get(row, "programme_id")?,
            size_bytes: get(row, "size_bytes")?,
            media_type: get(row, "media_type")?,
            format: get(row, "format")?,
            sha256: get(row, "sha256")?,
            original_filename: get(row, "original_filename")?,
            source_url: get(row, "source_url")?,
            translations,
        }),
    })
}

/// The row columns an item's content sets.
fn columns(data: &Data) -> AppResult<Vec<(&'static str, Value)>> {
    Ok(match data {
        Data::Region(d) => vec![
            ("slug", d.slug.clone().into()),
            ("name", d.name.clone().into()),
            ("summary", d.summary.clone().into()),
            ("position", d.position.into()),
            ("translations", translations_json(&d.translations)?.into()),
        ],
        Data::Country(d) => vec![
            ("slug", d.slug.clone().into()),
            ("iso2", d.iso2.clone().into()),
            ("name", d.name.clone().into()),
            ("region_id", d.region_id.into()),
            ("summary", d.summary.clone().into()),
            ("context", d.context.clone().into()),
            ("support_measures", d.support_measures.clone().into()),
            ("translations", translations_json(&d.translations)?.into()),
        ],
        Data::Programme(d) => vec![
            ("slug", d.slug.clone().into()),
            ("title", d.title.clone().into()),
            ("kind", d.kind.clone().into()),
            ("period_start", d.period_start.into()),
            ("period_end", d.period_end.into()),
            ("budget_cents", d.budget_cents.into()),
            ("currency", d.currency.clone().into()),
            ("summary", d.summary.clone().into()),
            ("translations", translations_json(&d.translations)?.into()),
        ],
        Data::Document(d) => vec![
            ("slug", d.slug.clone().into()),
            ("title", d.title.clone().into()),
            ("published_on", d.published_on.into()),
            ("language", d.language.clone().into()),
            ("category", d.category.clone().into()),
            ("programme_id", d.programme_id.into()),
            ("size_bytes", d.size_bytes.into()),
            ("media_type", d.media_type.clone().into()),
            ("format", d.format.clone().into()),
            ("sha256", d.sha256.clone().into()),
            ("original_filename", d.original_filename.clone().into()),
            ("source_url", d.source_url.clone().into()),
            ("translations", translations_json(&d.translations)?.into()),
        ],
    })
}

/// Inserts a new item's row (with the given workflow columns) and its children;
/// returns its id.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    data: &Data,
    workflow: Vec<(&'static str, Value)>,
) -> AppResult<i32> {
    let kind = data.kind();
    let mut cols = columns(data)?;
    cols.extend(workflow);
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("INSERT INTO ").push(kind.table()).push(" (");
    for (i, (c, _)) in cols.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(c);
    }
    sql.push(") VALUES (");
    for (i, (_, v)) in cols.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(v);
    }
    sql.push(") RETURNING id");
    let rows = query(conn, sql).await?;
    let id: i32 = match rows.first() {
        Some(r) => get(r, "id")?,
        None => return Err(AppError::internal("INSERT returned no id")),
    };
    write_children(conn, id, data).await?;
    Ok(id)
}

/// Writes an item's content into its row and replaces its children.
pub async fn write_row<C: ConnectionTrait>(conn: &C, id: i32, data: &Data) -> AppResult<()> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("UPDATE ").push(data.kind().table()).push(" SET ");
    for (i, (c, v)) in columns(data)?.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push(c).push(" = ").bind(v);
    }
    sql.push(" WHERE id = ").bind(id);
    exec(conn, sql).await?;
    write_children(conn, id, data).await
}

async fn write_children<C: ConnectionTrait>(conn: &C, id: i32, data: &Data) -> AppResult<()> {
    let b = conn.get_database_backend();
    let ch = children(data.kind());
    let (blocks, links): (&[Block], &[i32]) = match data {
        Data::Region(_) => (&[], &[]),
        Data::Country(d) => (&d.priorities, &[]),
        Data::Programme(d) => (&d.priority_areas, &d.country_ids),
        Data::Document(d) => (&[], &d.country_ids),
    };
    if let Some((table, fk)) = ch.blocks {
        delete_children(conn, b, table, fk, id).await?;
        for (i, block) in blocks.iter().enumerate() {
            let mut sql = Sql::new(b);
            sql.push("INSERT INTO ")
                .push(table)
                .push(" (")
                .push(fk)
                .push(", position, title, body, translations) VALUES (")
                .bind(id)
                .push(", ")
                .bind(i as i32 + 1)
                .push(", ")
                .bind(block.title.clone())
                .push(", ")
                .bind(block.body.clone())
                .push(", ")
                .bind(translations_json(&block.translations)?)
                .push(")");
            exec(conn, sql).await?;
        }
    }
    if let Some((table, fk)) = ch.links {
        delete_children(conn, b, table, fk, id).await?;
        for (i, country) in links.iter().enumerate() {
            let mut sql = Sql::new(b);
            sql.push("INSERT INTO ")
                .push(table)
                .push(" (")
                .push(fk)
                .push(", country_id, position) VALUES (")
                .bind(id)
                .push(", ")
                .bind(*country)
                .push(", ")
                .bind(i as i32 + 1)
                .push(")");
            exec(conn, sql).await?;
        }
    }
    Ok(())
}

async fn delete_children<C: ConnectionTrait>(
    conn: &C,
    b: DbBackend,
    table: &str,
    fk: &str,
    id: i32,
) -> AppResult<()> {
    let mut sql = Sql::new(b);
    sql.push("DELETE FROM ")
        .push(table)
        .push(" WHERE ")
        .push(fk)
        .push(" = ")
        .bind(id);
    exec(conn, sql).await?;
    Ok(())
}

/// The fields that differ between two snapshots, as (path, before, after), with
/// list items and translations addressed by path (`priorities[1].title`,
/// `translations.fi.name`).
pub fn diff(
    before: &Data,
    after: &Data,
) -> AppResult<Vec<(String, serde_json::Value, serde_json::Value)>> {
    let a = serde_json::to_value(before)?;
    let b = serde_json::to_value(after)?;
    let mut out = Vec::new();
    diff_values("", &a, &b, &mut out);
    Ok(out)
}

fn diff_values(
    path: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
    out: &mut Vec<(String, serde_json::Value, serde_json::Value)>,
) {
    use serde_json::Value as J;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                if k == "type" && path.is_empty() {
                    continue;
                }
                diff_values(
                    &join(k),
                    x.get(k).unwrap_or(&J::Null),
                    y.get(k).unwrap_or(&J::Null),
                    out,
                );
            }
        }
        (J::Array(x), J::Array(y)) if x.iter().chain(y).all(|v| v.is_object()) => {
            for i in 0..x.len().max(y.len()) {
                diff_values(
                    &format!("{path}[{i}]"),
                    x.get(i).unwrap_or(&J::Null),
                    y.get(i).unwrap_or(&J::Null),
                    out,
                );
            }
        }
        _ if a != b => out.push((path.to_string(), a.clone(), b.clone())),
        _ => {}
    }
}

/// A row seen through its working copy: a staff preview of a published item with
/// unpublished changes shows the working copy's fields and status.
pub trait Overlay: Sized + Clone {
    /// The row with the working copy's fields, or `None` when it has none.
    fn overlay(&self) -> Option<Self>;

    fn overlay_arc(m: std::sync::Arc<Self>) -> std::sync::Arc<Self> {
        match m.overlay() {
            Some(o) => std::sync::Arc::new(o),
            None => m,
        }
    }
}

/// Implements [`Overlay`] for a content model: the fields each type takes from
/// its working copy, plus what every type takes the same way (translations, the
/// working copy's status and version). `$row` names the row inside the fields.
macro_rules! overlay {
    ($model:ty, $variant:ident, |$row:ident, $d:ident| { $($field:ident: $value:expr),* $(,)? }) => {
        impl Overlay for $model {
            fn overlay(&self) -> Option<Self> {
                let $row = self;
                let Some(Data::$variant($d)) = $row
                    .draft
                    .as_deref()
                    .and_then(|j| Data::from_json(j).ok())
                else {
                    return None;
                };
                Some(Self {
                    $($field: $value,)*
                    translations: translations_json(&$d.translations).ok()?,
                    status: $row.draft_status.unwrap_or(entity::Status::Draft),
                    version: $row.draft_version.unwrap_or($row.version),
                    ..$row.clone()
                })
            }
        }
    };
}

overlay!(entity::region::Model, Region, |_row, d| {
    slug: d.slug,
    name: d.name,
    summary: d.summary,
    position: d.position,
});

overlay!(entity::country::Model, Country, |_row, d| {
    slug: d.slug,
    iso2: d.iso2,
    name: d.name,
    region_id: d.region_id,
    summary: d.summary,
    context: d.context,
    support_measures: d.support_measures,
});

overlay!(entity::programme::Model, Programme, |_row, d| {
    slug: d.slug,
    title: d.title,
    kind: d.kind,
    period_start: d.period_start,
    period_end: d.period_end,
    budget_cents: d.budget_cents,
    currency: d.currency,
    summary: d.summary,
});

overlay!(entity::document::Model, Document, |row, d| {
    slug: d.slug,
    title: d.title,
    published_on: d.published_on.unwrap_or(row.published_on),
    language: d.language,
    category: d.category,
    programme_id: d.programme_id,
    size_bytes: d.size_bytes,
    media_type: d.media_type,
    format: d.format,
    sha256: d.sha256,
    original_filename: d.original_filename,
    source_url: d.source_url,
});
