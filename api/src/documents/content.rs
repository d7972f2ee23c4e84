//! The document content type, defined once: snapshot, row, countries, rules,
//! overlay, GraphQL input and file item.
use crate::content::list::{Listing, Order, Scalar};
use crate::content::listing::SortValue;
use crate::content::listing::{Place, PlaceIndex};
use crate::content::locale::TranslationMap;
use crate::content::model::{
    col, resolve, resolve_countries, row_translations, some_map, some_text, translations_json, At,
    Children, ContentType, CopyState, Keys, Reference, Refers, Searched,
};
use crate::content::tables::{ChildTable, Via};
use crate::content::{validate, Kind};
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use entity::document;
use sea_orm::{QueryResult, Value};
use serde::{Deserialize, Serialize};

/// A document's content, its countries included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentData {
    pub slug: String,
    pub title: String,
    /// Required; `None` only in an empty snapshot a create fills in.
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
    /// The service holds the file's bytes under `sha256` (set only from the
    /// bytes of an upload or an import, never by a client).
    #[serde(default)]
    pub file_stored: bool,
    pub source_url: Option<String>,
    /// Optional: `''` when there is none.
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub translations: TranslationMap,
}

/// The countries a document concerns, in order.
const COUNTRY_LINKS: ChildTable = ChildTable {
    table: "document_countries",
    owner: "document_id",
};

/// The public documents by region (partner sites' document libraries) and by
/// country (country pages), newest first.
const PLACES: [PlaceIndex; 2] = [
    by_place("document_region_index", Place::Region),
    by_place("document_country_index", Place::Country),
];

const fn by_place(table: &'static str, place: Place) -> PlaceIndex {
    PlaceIndex {
        table,
        place,
        owner: "document_id",
        links: COUNTRY_LINKS,
        columns: &["published_on", "slug"],
        orders: &[Order::PublishedOnDesc, Order::PublishedOnAsc],
    }
}

// Its row, read by position (`content::decode`).
crate::content::decode::decoder!(document::Model {
    id: int,
    slug: text,
    title: text,
    published_on: date,
    language: text,
    category: opt_text,
    programme_id: opt_int,
    size_bytes: big,
    media_type: text,
    format: text,
    sha256: opt_text,
    original_filename: opt_text,
    file_stored: flag,
    source_url: opt_text,
    summary: text,
});

/// A file the service holds, as its bytes describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size_bytes: i64,
    /// Upper case, e.g. `PDF`.
    pub format: String,
    pub media_type: String,
    /// The name it came with, made safe to serve (`files::safe_name`).
    pub filename: String,
}

impl DocumentData {
    /// Makes `file` this document's file: every fact of it comes from the bytes.
    pub fn attach(&mut self, file: StoredFile) {
        let StoredFile {
            sha256,
            size_bytes,
            format,
            media_type,
            filename,
        } = file;
        self.sha256 = Some(sha256);
        self.size_bytes = size_bytes;
        self.format = format;
        self.media_type = media_type;
        self.original_filename = Some(filename);
        self.file_stored = true;
    }
}

impl ContentType for DocumentData {
    const KIND: Kind = Kind::Document;
    const TABLE: &'static str = "documents";
    const PLURAL: &'static str = "Documents";
    const TITLE: &'static str = "title";
    const SEARCHED: Option<Searched> = Some(Searched {
        column: "title",
        date: Some("published_on"),
    });
    const REFERS: &'static [Refers] = &[
        Refers {
            kind: Kind::Country,
            table: "document_countries",
            column: "country_id",
        },
        Refers {
            kind: Kind::Programme,
            table: "documents",
            column: "programme_id",
        },
    ];
    type Model = document::Model;
    type File = DocumentIn;
    const COLUMNS: &'static [&'static str] = &[
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
        "file_stored",
        "source_url",
        "summary",
        "translations",
    ];
    const COUNTRIES: Option<ChildTable> = Some(COUNTRY_LINKS);
    const TRANSLATABLE: &'static [&'static str] = &["title", "summary"];
    const LISTING: Listing = Listing {
        kind: Self::KIND,
        region: Some(Via::Countries(COUNTRY_LINKS)),
        country: Some(Via::Countries(COUNTRY_LINKS)),
        programme: Some("programme_id"),
        columns: &[("language", Scalar::Text), ("published_on", Scalar::Date)],
        orders: &[
            Order::PublishedOnDesc,
            Order::PublishedOnAsc,
            Order::Title,
            Order::Slug,
        ],
        places: &PLACES,
    };

    fn referred_id(m: &document::Model, column: &str) -> Option<i32> {
        match column {
            "programme_id" => m.programme_id,
            _ => None,
        }
    }

    fn sort_value<'m>(m: &'m document::Model, column: &str) -> Option<SortValue<'m>> {
        Some(match column {
            "title" => SortValue::Text(&m.title),
            "published_on" => SortValue::Date(m.published_on),
            _ => return None,
        })
    }

    fn values(&self) -> AppResult<Vec<Value>> {
        let DocumentData {
            slug,
            title,
            published_on,
            language,
            category,
            country_ids: _, // a child table
            programme_id,
            size_bytes,
            media_type,
            format,
            sha256,
            original_filename,
            file_stored,
            source_url,
            summary,
            translations,
        } = self;
        Ok(vec![
            slug.clone().into(),
            title.clone().into(),
            (*published_on).into(),
            language.clone().into(),
            category.clone().into(),
            (*programme_id).into(),
            (*size_bytes).into(),
            media_type.clone().into(),
            format.clone().into(),
            sha256.clone().into(),
            original_filename.clone().into(),
            (*file_stored).into(),
            source_url.clone().into(),
            summary.clone().into(),
            translations_json(translations)?.into(),
        ])
    }

    fn from_row(row: &QueryResult, children: Children) -> AppResult<Self> {
        Ok(DocumentData {
            slug: col(row, "slug")?,
            title: col(row, "title")?,
            published_on: Some(col(row, "published_on")?),
            language: col(row, "language")?,
            category: col(row, "category")?,
            country_ids: children.countries,
            programme_id: col(row, "programme_id")?,
            size_bytes: col(row, "size_bytes")?,
            media_type: col(row, "media_type")?,
            format: col(row, "format")?,
            sha256: col(row, "sha256")?,
            original_filename: col(row, "original_filename")?,
            file_stored: col(row, "file_stored")?,
            source_url: col(row, "source_url")?,
            summary: col(row, "summary")?,
            translations: row_translations(row)?,
        })
    }

    fn overlay(self, row: &document::Model, copy: CopyState) -> AppResult<document::Model> {
        let DocumentData {
            slug,
            title,
            published_on,
            language,
            category,
            country_ids: _, // the node reads them from the working copy
            programme_id,
            size_bytes,
            media_type,
            format,
            sha256,
            original_filename,
            file_stored,
            source_url,
            summary,
            translations,
        } = self;
        Ok(crate::content::model::overlaid!(
            document::Model {
                slug,
                title,
                published_on: published_on.unwrap_or(row.published_on),
                language,
                category,
                programme_id,
                size_bytes,
                media_type,
                format,
                sha256,
                original_filename,
                file_stored,
                source_url,
                summary,
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
    fn countries(&self) -> &[i32] {
        &self.country_ids
    }
    fn references(&self) -> Vec<Reference> {
        let countries = self.country_ids.iter().map(|id| Reference {
            kind: Kind::Country,
            id: *id,
            field: "input.countryIds",
        });
        let programme = self.programme_id.map(|id| Reference {
            kind: Kind::Programme,
            id,
            field: "input.programmeId",
        });
        countries.chain(programme).collect()
    }
    fn stored_file(&self) -> Option<&str> {
        self.sha256.as_deref().filter(|_| self.file_stored)
    }

    fn rules(&self, at: At) -> AppResult<()> {
        validate::required_text(&at.field("title"), &self.title)?;
        let Some(published_on) = self.published_on else {
            return Err(AppError::bad_field(
                at.field("publishedOn"),
                "a publication date is required",
            ));
        };
        validate::date_in_range(&at.field("publishedOn"), published_on)?;
        // A document may have no file yet (empty facts), or the facts of a
        // file another system holds (rows imported without their bytes).
        if !self.media_type.is_empty() {
            validate::media_type(&at.field("mediaType"), &self.media_type)?;
        }
        validate::language(&at.field("language"), &self.language)?;
        validate::countries(&at.field("countryIds"), &self.country_ids)?;
        if !self.format.is_empty() {
            validate::format(&at.field("format"), &self.format)?;
        }
        if self.size_bytes < 0 {
            return Err(AppError::bad_field(
                at.field("sizeBytes"),
                "the size must not be negative",
            ));
        }
        if let Some(h) = &self.sha256 {
            validate::sha256(&at.field("sha256"), h)?;
        }
        if let Some(u) = &self.source_url {
            validate::url(&at.field("sourceUrl"), u)?;
        }
        Ok(())
    }

    fn from_file(d: &DocumentIn, keys: &dyn Keys, _: usize) -> AppResult<Self> {
        let programme_id = match &d.programme {
            Some(slug) => Some(resolve(keys, Kind::Programme, "programme", slug)?),
            None => None,
        };
        Ok(DocumentData {
            slug: d.slug.clone(),
            title: d.title.clone(),
            published_on: Some(validate::date("publishedOn", &d.published_on)?),
            language: d.language.clone(),
            category: d.category.clone(),
            country_ids: resolve_countries(keys, "countries", &d.countries)?,
            programme_id,
            size_bytes: d.size_bytes,
            media_type: d
                .media_type
                .clone()
                .unwrap_or_else(|| validate::media_type_for(&d.format).to_string()),
            format: d.format.clone(),
            sha256: d.sha256.clone(),
            original_filename: d.original_filename.clone(),
            // Set by the import when it found the bytes (`import::files`).
            file_stored: d.file_stored,
            source_url: d.source_url.clone(),
            summary: d.summary.clone().unwrap_or_default(),
            translations: d.translations.clone().unwrap_or_default(),
        })
    }

    fn to_file(&self, keys: &dyn Keys) -> Option<DocumentIn> {
        let DocumentData {
            slug,
            title,
            published_on,
            language,
            category,
            country_ids,
            programme_id,
            size_bytes,
            media_type,
            format,
            sha256,
            original_filename,
            file_stored,
            source_url,
            summary,
            translations,
        } = self;
        let countries: Vec<String> = country_ids
            .iter()
            .filter_map(|id| keys.key_of(Kind::Country, *id))
            .collect();
        if countries.is_empty() {
            return None;
        }
        Some(DocumentIn {
            slug: slug.clone(),
            title: title.clone(),
            published_on: (*published_on)?.format("%Y-%m-%d").to_string(),
            language: language.clone(),
            format: format.clone(),
            size_bytes: *size_bytes,
            countries,
            programme: programme_id.and_then(|id| keys.key_of(Kind::Programme, id)),
            category: category.clone(),
            media_type: Some(media_type.clone()),
            sha256: sha256.clone(),
            original_filename: original_filename.clone(),
            source_url: source_url.clone(),
            summary: some_text(summary),
            translations: some_map(translations),
            file_stored: *file_stored,
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
pub struct DocumentIn {
    pub slug: String,
    pub title: String,
    /// YYYY-MM-DD.
    pub published_on: String,
    /// ISO 639-1.
    pub language: String,
    /// PDF, ZIP, DOCX, ...
    pub format: String,
    pub size_bytes: i64,
    /// Country ISO codes (or slugs).
    pub countries: Vec<String>,
    /// Programme slug.
    #[serde(default)]
    pub programme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
    /// The bytes are stored (not in the JSON: an import sets it when it finds
    /// the file beside the JSON, an export writes the file when it is set).
    #[serde(skip)]
    pub file_stored: bool,
}
}
