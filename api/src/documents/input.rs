//! The document type's GraphQL input: its fields, and how they change a snapshot.
use super::content::DocumentData;
use super::Document;
use crate::content::locale::TranslationMap;
use crate::content::{validate, Kind};
use crate::error::AppResult;
use crate::gql::input::ContentInput;
use crate::gql::input::{check_list, id_of, ids_of, set, set_opt, set_text, set_translations};
use crate::gql::scalars::Date;
use async_graphql::{InputObject, Json, MaybeUndefined, ID};

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
    /// A sentence or two for document lists (default locale); `null` or blank
    /// text clears it.
    pub summary: MaybeUndefined<String>,
    /// Other locales: `{"fi": {"title": "...", "summary": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

impl ContentInput for DocumentInput {
    type Content = DocumentData;
    type Node = Document;

    fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.countryIds", self.country_ids.as_ref(), max)
    }

    fn apply(self, d: &mut DocumentData) -> AppResult<()> {
        let DocumentInput {
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
            source_url,
            summary,
            translations,
        } = self;
        set(&mut d.slug, slug);
        set(&mut d.title, title);
        if let Some(date) = published_on {
            d.published_on = Some(date.0);
        }
        set(&mut d.language, language);
        set_opt(&mut d.category, category);
        if let Some(ids) = &country_ids {
            d.country_ids = ids_of(ids, Kind::Country, "input.countryIds")?;
        }
        match &programme_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => d.programme_id = None,
            MaybeUndefined::Value(p) => {
                d.programme_id = Some(id_of(p, Kind::Programme, "input.programmeId")?)
            }
        }
        set(&mut d.size_bytes, size_bytes);
        if let Some(f) = format {
            d.format = f.to_ascii_uppercase();
            if media_type.is_none()
                && (d.media_type.is_empty() || d.media_type == "application/octet-stream")
            {
                d.media_type = validate::media_type_for(&d.format).to_string();
            }
        }
        set(&mut d.media_type, media_type);
        set_opt(&mut d.sha256, sha256);
        set_opt(&mut d.original_filename, original_filename);
        set_opt(&mut d.source_url, source_url);
        set_text(&mut d.summary, summary);
        set_translations(&mut d.translations, translations);
        Ok(())
    }
}
