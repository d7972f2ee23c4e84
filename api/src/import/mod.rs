//! Import and export in one JSON format (see [`format`]). An import is one
//! transaction: a file with any error is refused with a message naming the item
//! and the field, and nothing is written.
pub mod demo;
pub mod format;

use crate::content::locale::{translations_from_json, translations_to_json};
use crate::content::validate;
use crate::db::{Db, Sql};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entity::{
    country, country_priority, document, document_country, priority_area, programme,
    programme_country, region, Status,
};
use format::*;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryOrder, Value};
use std::collections::{HashMap, HashSet};

/// Options of one import.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// Import everything as DRAFT, whatever the file says.
    pub as_draft: bool,
}

/// What an import wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub regions: usize,
    pub countries: usize,
    pub programmes: usize,
    pub documents: usize,
}

/// Parses the JSON, naming the path of a field of the wrong type.
pub fn parse(bytes: &[u8]) -> AppResult<Dataset> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            AppError::bad_input(format!("malformed JSON: {inner}"))
        } else {
            AppError::bad_field(path.clone(), format!("{path}: {inner}"))
        }
    })
}

/// Names an item in error messages: `documents[12] ("annual-plan")`.
fn item(list: &str, i: usize, slug: &str) -> String {
    format!("{list}[{i}]")
        + &if slug.is_empty() {
            String::new()
        } else {
            format!(" ({slug:?})")
        }
}

/// Prefixes an error with the item it concerns.
fn at(list: &str, i: usize, slug: &str, err: AppError) -> AppError {
    match err {
        AppError::BadInput { message, field } => {
            let field = field.map(|f| format!("{list}[{i}].{f}"));
            AppError::BadInput {
                message: format!("{}: {message}", item(list, i, slug)),
                field,
            }
        }
        other => other,
    }
}

/// Existing keys in the database, so a file may refer to content already there and
/// duplicates against it are refused by name.
#[derive(Default)]
struct Known {
    regions: HashMap<String, i32>,
    countries_iso: HashMap<String, i32>,
    countries_slug: HashMap<String, i32>,
    programmes: HashMap<String, i32>,
    documents: HashSet<String>,
}

impl Known {
    /// The ids of a list of countries given by ISO code or slug: at least one, each
    /// known, none twice.
    fn country_ids(&self, codes: &[String]) -> AppResult<Vec<i32>> {
        if codes.is_empty() {
            return Err(AppError::bad_field(
                "countries",
                "at least one country is required",
            ));
        }
        let mut ids = Vec::with_capacity(codes.len());
        for (j, code) in codes.iter().enumerate() {
            let field = format!("countries[{j}]");
            let id = self
                .countries_iso
                .get(code)
                .or_else(|| self.countries_slug.get(code))
                .copied()
                .ok_or_else(|| AppError::bad_field(&field, format!("unknown country {code:?}")))?;
            if ids.contains(&id) {
                return Err(AppError::bad_field(
                    field,
                    format!("country {code:?} is listed twice"),
                ));
            }
            ids.push(id);
        }
        Ok(ids)
    }
}

/// Rows of a link table `(owner, country_id, position)`, countries in their order.
fn country_link_rows(links: &[(String, Vec<i32>)], ids: &HashMap<String, i32>) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for (slug, cids) in links {
        let owner = ids[slug];
        for (pos, cid) in cids.iter().enumerate() {
            rows.push(vec![
                Value::from(owner),
                Value::from(*cid),
                Value::from(pos as i32),
            ]);
        }
    }
    rows
}

/// Rows of an ordered text-block table `(owner, position, title, body,
/// translations)`: country priorities and programme priority areas.
fn block_rows(owner: i32, blocks: &[TextBlockIn]) -> AppResult<Vec<Vec<Value>>> {
    blocks
        .iter()
        .enumerate()
        .map(|(j, b)| {
            Ok(vec![
                Value::from(owner),
                Value::from(j as i32 + 1),
                Value::from(b.title.clone()),
                Value::from(b.body.clone()),
                Value::from(translations_to_json(b.translations.as_ref())?),
            ])
        })
        .collect()
}

async fn load_known(txn: &DatabaseTransaction, backend: DbBackend) -> AppResult<Known> {
    let mut known = Known::default();
    let q = |text: &str| {
        let mut sql = Sql::new(backend);
        sql.push(text);
        sql.build()
    };
    for r in txn.query_all_raw(q("SELECT id, slug FROM regions")).await? {
        known
            .regions
            .insert(r.try_get("", "slug")?, r.try_get("", "id")?);
    }
    for r in txn
        .query_all_raw(q("SELECT id, slug, iso2 FROM countries"))
        .await?
    {
        let id: i32 = r.try_get("", "id")?;
        known.countries_iso.insert(r.try_get("", "iso2")?, id);
        known.countries_slug.insert(r.try_get("", "slug")?, id);
    }
    for r in txn
        .query_all_raw(q("SELECT id, slug FROM programmes"))
        .await?
    {
        known
            .programmes
            .insert(r.try_get("", "slug")?, r.try_get("", "id")?);
    }
    for r in txn.query_all_raw(q("SELECT slug FROM documents")).await? {
        known.documents.insert(r.try_get("", "slug")?);
    }
    Ok(known)
}

/// Multi-row `INSERT ... RETURNING id, <key>` in batches that stay under every
/// backend's bound-parameter limit. Returns key -> id when `key` is given.
async fn insert_rows(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    key: Option<&str>,
) -> AppResult<HashMap<String, i32>> {
    let mut ids = HashMap::new();
    let per_batch = (20_000 / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = Sql::new(backend);
        sql.push("INSERT INTO ")
            .push(table)
            .push(" (")
            .push(&columns.join(", "))
            .push(") VALUES ");
        for (i, row) in rows.by_ref().take(per_batch).enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(");
            for (j, v) in row.into_iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.bind(v);
            }
            sql.push(")");
        }
        match key {
            Some(k) => {
                sql.push(" RETURNING id, ").push(k);
                for r in txn.query_all_raw(sql.build()).await? {
                    ids.insert(r.try_get::<String>("", k)?, r.try_get::<i32>("", "id")?);
                }
            }
            None => {
                txn.execute_raw(sql.build()).await?;
            }
        }
    }
    Ok(ids)
}

fn status_of(given: Option<Status>, opts: ImportOptions) -> Status {
    if opts.as_draft {
        Status::Draft
    } else {
        given.unwrap_or(Status::Published)
    }
}

fn workflow_values(status: Status, now: DateTime<Utc>) -> Vec<Value> {
    let published = (status == Status::Published).then_some(now);
    vec![
        Value::from(status.as_str()),
        Value::from(1i32),
        Value::from(now),
        Value::from(now),
        Value::from(published),
    ]
}

const WORKFLOW_COLUMNS: [&str; 6] = [
    "status",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "translations",
];

fn cols<'a>(own: &[&'a str]) -> Vec<&'a str> {
    own.iter().copied().chain(WORKFLOW_COLUMNS).collect()
}

/// Validates a whole file against itself and the database, then writes it in one
/// transaction. On any error nothing is written.
pub async fn import(db: &Db, data: Dataset, opts: ImportOptions) -> AppResult<ImportReport> {
    let backend = db.backend();
    let txn = db.begin_write().await?;
    let mut known = load_known(&txn, backend).await?;
    let now = Utc::now();

    // Regions.
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (i, r) in data.regions.iter().enumerate() {
        let e = |err| at("regions", i, &r.slug, err);
        validate::slug("slug", &r.slug).map_err(e)?;
        validate::required_text("name", &r.name).map_err(e)?;
        if known.regions.contains_key(&r.slug) || !seen.insert(r.slug.as_str()) {
            return Err(e(AppError::bad_field(
                "slug",
                format!("duplicate slug {:?}", r.slug),
            )));
        }
        if let Some(t) = &r.translations {
            validate::translations("translations", t, &["name", "summary"]).map_err(e)?;
        }
        let mut row = vec![
            Value::from(r.slug.clone()),
            Value::from(r.name.clone()),
            Value::from(r.summary.clone().unwrap_or_default()),
            Value::from(r.position.unwrap_or(i as i32 + 1)),
        ];
        row.extend(workflow_values(status_of(r.status, opts), now));
        row.push(Value::from(translations_to_json(r.translations.as_ref())?));
        rows.push(row);
    }
    let ids = insert_rows(
        &txn,
        backend,
        "regions",
        &cols(&["slug", "name", "summary", "position"]),
        rows,
        Some("slug"),
    )
    .await?;
    known.regions.extend(ids);

    // Countries, then their priorities.
    let mut rows = Vec::new();
    let (mut seen_slug, mut seen_iso) = (HashSet::new(), HashSet::new());
    for (i, c) in data.countries.iter().enumerate() {
        let e = |err| at("countries", i, &c.slug, err);
        validate::slug("slug", &c.slug).map_err(e)?;
        validate::iso2("iso2", &c.iso2).map_err(e)?;
        validate::required_text("name", &c.name).map_err(e)?;
        if known.countries_slug.contains_key(&c.slug) || !seen_slug.insert(c.slug.as_str()) {
            return Err(e(AppError::bad_field(
                "slug",
                format!("duplicate slug {:?}", c.slug),
            )));
        }
        if known.countries_iso.contains_key(&c.iso2) || !seen_iso.insert(c.iso2.as_str()) {
            return Err(e(AppError::bad_field(
                "iso2",
                format!("duplicate ISO code {:?}", c.iso2),
            )));
        }
        let region_id = *known.regions.get(&c.region).ok_or_else(|| {
            e(AppError::bad_field(
                "region",
                format!("unknown region {:?}", c.region),
            ))
        })?;
        if let Some(t) = &c.translations {
            validate::translations(
                "translations",
                t,
                &["name", "summary", "context", "supportMeasures"],
            )
            .map_err(e)?;
        }
        for (j, p) in c.priorities.iter().flatten().enumerate() {
            validate::required_text(&format!("priorities[{j}].title"), &p.title).map_err(e)?;
            if let Some(t) = &p.translations {
                validate::translations(
                    &format!("priorities[{j}].translations"),
                    t,
                    &["title", "body"],
                )
                .map_err(e)?;
            }
        }
        let mut row = vec![
            Value::from(c.slug.clone()),
            Value::from(c.iso2.clone()),
            Value::from(c.name.clone()),
            Value::from(region_id),
            Value::from(c.summary.clone().unwrap_or_default()),
            Value::from(c.context.clone()),
            Value::from(c.support_measures.clone()),
        ];
        row.extend(workflow_values(status_of(c.status, opts), now));
        row.push(Value::from(translations_to_json(c.translations.as_ref())?));
        rows.push(row);
    }
    let ids = insert_rows(
        &txn,
        backend,
        "countries",
        &cols(&[
            "slug",
            "iso2",
            "name",
            "region_id",
            "summary",
            "context",
            "support_measures",
        ]),
        rows,
        Some("slug"),
    )
    .await?;
    let mut rows = Vec::new();
    for c in &data.countries {
        let id = ids[&c.slug];
        known.countries_slug.insert(c.slug.clone(), id);
        known.countries_iso.insert(c.iso2.clone(), id);
        rows.extend(block_rows(id, c.priorities.as_deref().unwrap_or_default())?);
    }
    insert_rows(
        &txn,
        backend,
        "country_priorities",
        &["country_id", "position", "title", "body", "translations"],
        rows,
        None,
    )
    .await?;

    // Programmes, their countries and priority areas.
    let mut rows = Vec::new();
    let mut links: Vec<(String, Vec<i32>)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, p) in data.programmes.iter().enumerate() {
        let e = |err| at("programmes", i, &p.slug, err);
        validate::slug("slug", &p.slug).map_err(e)?;
        validate::required_text("title", &p.title).map_err(e)?;
        if known.programmes.contains_key(&p.slug) || !seen.insert(p.slug.as_str()) {
            return Err(e(AppError::bad_field(
                "slug",
                format!("duplicate slug {:?}", p.slug),
            )));
        }
        if crate::programmes::ProgrammeKind::parse(&p.kind).is_none() {
            return Err(e(AppError::bad_field(
                "kind",
                format!("unknown kind {:?} (expected MIP, ANNUAL_ACTION_PLAN, SUPPORT_MEASURE or OTHER)", p.kind),
            )));
        }
        validate::period("", p.period_start, p.period_end).map_err(|err| match err {
            AppError::BadInput { message, field } => e(AppError::BadInput {
                message,
                field: field.map(|f| f.trim_start_matches('.').to_string()),
            }),
            other => other,
        })?;
        let (cents, currency) = match (&p.budget_eur, &p.budget) {
            (Some(eur), None) => (
                validate::amount_cents("budgetEur", eur).map_err(e)?,
                "EUR".to_string(),
            ),
            (None, Some(m)) => {
                validate::currency("budget.currency", &m.currency).map_err(e)?;
                (
                    validate::amount_cents("budget.amount", &m.amount).map_err(e)?,
                    m.currency.clone(),
                )
            }
            (Some(_), Some(_)) => {
                return Err(e(AppError::bad_field(
                    "budget",
                    "give `budgetEur` or `budget`, not both",
                )));
            }
            (None, None) => {
                return Err(e(AppError::bad_field("budgetEur", "a budget is required")))
            }
        };
        let cids = known.country_ids(&p.countries).map_err(e)?;
        for (j, a) in p.priority_areas.iter().enumerate() {
            validate::required_text(&format!("priorityAreas[{j}].title"), &a.title).map_err(e)?;
            if let Some(t) = &a.translations {
                validate::translations(
                    &format!("priorityAreas[{j}].translations"),
                    t,
                    &["title", "body"],
                )
                .map_err(e)?;
            }
        }
        if let Some(t) = &p.translations {
            validate::translations("translations", t, &["title", "summary"]).map_err(e)?;
        }
        let mut row = vec![
            Value::from(p.slug.clone()),
            Value::from(p.title.clone()),
            Value::from(p.kind.clone()),
            Value::from(p.period_start),
            Value::from(p.period_end),
            Value::from(cents),
            Value::from(currency),
            Value::from(p.summary.clone().unwrap_or_default()),
        ];
        row.extend(workflow_values(status_of(p.status, opts), now));
        row.push(Value::from(translations_to_json(p.translations.as_ref())?));
        rows.push(row);
        links.push((p.slug.clone(), cids));
    }
    let ids = insert_rows(
        &txn,
        backend,
        "programmes",
        &cols(&[
            "slug",
            "title",
            "kind",
            "period_start",
            "period_end",
            "budget_cents",
            "currency",
            "summary",
        ]),
        rows,
        Some("slug"),
    )
    .await?;
    let link_rows = country_link_rows(&links, &ids);
    insert_rows(
        &txn,
        backend,
        "programme_countries",
        &["programme_id", "country_id", "position"],
        link_rows,
        None,
    )
    .await?;
    let mut area_rows = Vec::new();
    for p in &data.programmes {
        area_rows.extend(block_rows(ids[&p.slug], &p.priority_areas)?);
    }
    insert_rows(
        &txn,
        backend,
        "priority_areas",
        &["programme_id", "position", "title", "body", "translations"],
        area_rows,
        None,
    )
    .await?;
    known.programmes.extend(ids);

    // Documents and their countries.
    let mut rows = Vec::new();
    let mut links: Vec<(String, Vec<i32>)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, d) in data.documents.iter().enumerate() {
        let e = |err| at("documents", i, &d.slug, err);
        validate::slug("slug", &d.slug).map_err(e)?;
        validate::required_text("title", &d.title).map_err(e)?;
        if known.documents.contains(&d.slug) || !seen.insert(d.slug.as_str()) {
            return Err(e(AppError::bad_field(
                "slug",
                format!("duplicate slug {:?}", d.slug),
            )));
        }
        let published_on = validate::date("publishedOn", &d.published_on).map_err(e)?;
        validate::language("language", &d.language).map_err(e)?;
        validate::format("format", &d.format).map_err(e)?;
        if d.size_bytes < 0 {
            return Err(e(AppError::bad_field("sizeBytes", "must not be negative")));
        }
        if let Some(h) = &d.sha256 {
            validate::sha256("sha256", h).map_err(e)?;
        }
        if let Some(u) = &d.source_url {
            validate::url("sourceUrl", u).map_err(e)?;
        }
        let programme_id = match &d.programme {
            Some(slug) => Some(*known.programmes.get(slug).ok_or_else(|| {
                e(AppError::bad_field(
                    "programme",
                    format!("unknown programme {slug:?}"),
                ))
            })?),
            None => None,
        };
        let cids = known.country_ids(&d.countries).map_err(e)?;
        if let Some(t) = &d.translations {
            validate::translations("translations", t, &["title"]).map_err(e)?;
        }
        let media_type = d
            .media_type
            .clone()
            .unwrap_or_else(|| validate::media_type_for(&d.format).to_string());
        let mut row = vec![
            Value::from(d.slug.clone()),
            Value::from(d.title.clone()),
            Value::from(published_on),
            Value::from(d.language.clone()),
            Value::from(d.category.clone()),
            Value::from(programme_id),
            Value::from(d.size_bytes),
            Value::from(media_type),
            Value::from(d.format.clone()),
            Value::from(d.sha256.clone()),
            Value::from(d.original_filename.clone()),
            Value::from(d.source_url.clone()),
        ];
        row.extend(workflow_values(status_of(d.status, opts), now));
        row.push(Value::from(translations_to_json(d.translations.as_ref())?));
        rows.push(row);
        links.push((d.slug.clone(), cids));
    }
    let ids = insert_rows(
        &txn,
        backend,
        "documents",
        &cols(&[
            "slug",
            "title",
            "published_on",
            "language",
            "category",
            "programme_id",
            "size_bytes",
            "media_type",
            "format",
            "sha256",
            "original_filename",
            "source_url",
        ]),
        rows,
        Some("slug"),
    )
    .await?;
    let link_rows = country_link_rows(&links, &ids);
    insert_rows(
        &txn,
        backend,
        "document_countries",
        &["document_id", "country_id", "position"],
        link_rows,
        None,
    )
    .await?;

    crate::db::bump_generation(&txn).await?;
    txn.commit().await?;
    // Fresh statistics, so the planners pick the ordering indexes for lists.
    db.conn.execute_unprepared("ANALYZE").await?;
    Ok(ImportReport {
        regions: data.regions.len(),
        countries: data.countries.len(),
        programmes: data.programmes.len(),
        documents: data.documents.len(),
    })
}

/// Every content item, in the import format, so that importing the export into an
/// empty database gives the same content.
pub async fn export(db: &Db) -> AppResult<Dataset> {
    let conn = &db.conn;
    let regions = region::Entity::find()
        .order_by_asc(region::Column::Id)
        .all(conn)
        .await?;
    let countries = country::Entity::find()
        .order_by_asc(country::Column::Id)
        .all(conn)
        .await?;
    let priorities = country_priority::Entity::find()
        .order_by_asc(country_priority::Column::CountryId)
        .order_by_asc(country_priority::Column::Position)
        .all(conn)
        .await?;
    let programmes = programme::Entity::find()
        .order_by_asc(programme::Column::Id)
        .all(conn)
        .await?;
    let prog_links = programme_country::Entity::find()
        .order_by_asc(programme_country::Column::ProgrammeId)
        .order_by_asc(programme_country::Column::Position)
        .all(conn)
        .await?;
    let areas = priority_area::Entity::find()
        .order_by_asc(priority_area::Column::ProgrammeId)
        .order_by_asc(priority_area::Column::Position)
        .all(conn)
        .await?;
    let documents = document::Entity::find()
        .order_by_asc(document::Column::Id)
        .all(conn)
        .await?;
    let doc_links = document_country::Entity::find()
        .order_by_asc(document_country::Column::DocumentId)
        .order_by_asc(document_country::Column::Position)
        .all(conn)
        .await?;

    let region_slug: HashMap<i32, String> =
        regions.iter().map(|r| (r.id, r.slug.clone())).collect();
    let iso: HashMap<i32, String> = countries.iter().map(|c| (c.id, c.iso2.clone())).collect();
    let prog_slug: HashMap<i32, String> =
        programmes.iter().map(|p| (p.id, p.slug.clone())).collect();
    let mut prios: HashMap<i32, Vec<TextBlockIn>> = HashMap::new();
    for p in priorities {
        prios.entry(p.country_id).or_default().push(TextBlockIn {
            title: p.title,
            body: p.body,
            translations: translations_from_json(&p.translations),
        });
    }
    let mut area_map: HashMap<i32, Vec<TextBlockIn>> = HashMap::new();
    for a in areas {
        area_map
            .entry(a.programme_id)
            .or_default()
            .push(TextBlockIn {
                title: a.title,
                body: a.body,
                translations: translations_from_json(&a.translations),
            });
    }
    let mut prog_countries: HashMap<i32, Vec<String>> = HashMap::new();
    for l in prog_links {
        prog_countries
            .entry(l.programme_id)
            .or_default()
            .push(iso.get(&l.country_id).cloned().unwrap_or_default());
    }
    let mut doc_countries: HashMap<i32, Vec<String>> = HashMap::new();
    for l in doc_links {
        doc_countries
            .entry(l.document_id)
            .or_default()
            .push(iso.get(&l.country_id).cloned().unwrap_or_default());
    }

    Ok(Dataset {
        regions: regions
            .into_iter()
            .map(|r| RegionIn {
                slug: r.slug,
                name: r.name,
                summary: Some(r.summary).filter(|s| !s.is_empty()),
                position: Some(r.position),
                status: Some(r.status),
                translations: translations_from_json(&r.translations),
            })
            .collect(),
        countries: countries
            .into_iter()
            .map(|c| CountryIn {
                region: region_slug.get(&c.region_id).cloned().unwrap_or_default(),
                priorities: prios.remove(&c.id),
                slug: c.slug,
                name: c.name,
                iso2: c.iso2,
                summary: Some(c.summary).filter(|s| !s.is_empty()),
                context: c.context,
                support_measures: c.support_measures,
                status: Some(c.status),
                translations: translations_from_json(&c.translations),
            })
            .collect(),
        programmes: programmes
            .into_iter()
            .map(|p| {
                let amount = rust_decimal::Decimal::new(p.budget_cents, 2).to_string();
                let (budget_eur, budget) = if p.currency == "EUR" {
                    (Some(amount), None)
                } else {
                    (
                        None,
                        Some(MoneyIn {
                            amount,
                            currency: p.currency.clone(),
                        }),
                    )
                };
                ProgrammeIn {
                    countries: prog_countries.remove(&p.id).unwrap_or_default(),
                    priority_areas: area_map.remove(&p.id).unwrap_or_default(),
                    slug: p.slug,
                    title: p.title,
                    kind: p.kind,
                    period_start: p.period_start,
                    period_end: p.period_end,
                    budget_eur,
                    budget,
                    summary: Some(p.summary).filter(|s| !s.is_empty()),
                    status: Some(p.status),
                    translations: translations_from_json(&p.translations),
                }
            })
            .collect(),
        documents: documents
            .into_iter()
            .map(|d| DocumentIn {
                countries: doc_countries.remove(&d.id).unwrap_or_default(),
                programme: d.programme_id.and_then(|id| prog_slug.get(&id).cloned()),
                slug: d.slug,
                title: d.title,
                published_on: d.published_on.format("%Y-%m-%d").to_string(),
                language: d.language,
                format: d.format,
                size_bytes: d.size_bytes,
                category: d.category,
                media_type: Some(d.media_type),
                sha256: d.sha256,
                original_filename: d.original_filename,
                source_url: d.source_url,
                status: Some(d.status),
                translations: translations_from_json(&d.translations),
            })
            .collect(),
    })
}

/// Whether the database holds no content at all (first start).
pub async fn is_empty(db: &Db) -> AppResult<bool> {
    let mut sql = db.sql();
    sql.push(
        "SELECT (SELECT COUNT(*) FROM regions) + (SELECT COUNT(*) FROM countries) + \
         (SELECT COUNT(*) FROM programmes) + (SELECT COUNT(*) FROM documents) AS n",
    );
    let rows = db.all(sql).await?;
    let n: i64 = match rows.first() {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(n == 0)
}
