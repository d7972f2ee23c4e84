//! The document type's GraphQL input: its fields, and how they change a snapshot.
use super::content::DocumentData;
use super::Document;
use crate::content::locale::TranslationMap;
use crate::content::Kind;
use crate::error::AppResult;
use crate::gql::input::ContentInput;
use crate::gql::input::{check_list, id_of, ids_of, set, set_opt, set_text, set_translations};
use crate::gql::scalars::Date;
use async_graphql::{InputObject, Json, MaybeUndefined, ID};

/// A document's fields. Create: `slug`, `title`, `publishedOn`, `language` and
/// `countryIds` are required. Update: only the fields given change (`null`
/// clears an optional one, e.g. `programmeId: null`). The file's facts (size,
/// format, media type, SHA-256, file name) are not here: they come from the
/// bytes of the file uploaded with `createDocument` or `replaceDocumentFile`.
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
    /// Where the document was first published, elsewhere: an absolute `http`
    /// or `https` URL (other schemes, such as `javascript:`, are
    /// BAD_USER_INPUT).
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
        set_opt(&mut d.source_url, source_url);
        set_text(&mut d.summary, summary);
        set_translations(&mut d.translations, translations);
        Ok(())
    }
}
