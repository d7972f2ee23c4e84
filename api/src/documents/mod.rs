//! Documents: the GraphQL type (file metadata, countries, programme) and root
//! queries.
pub mod content;
pub mod input;

use crate::content::list::{Cond, Filter, Order, PageArgs};
use crate::content::model::ContentType;
use crate::content::{vis, GlobalId, Kind, Locale};
use crate::countries::{countries_by_ids, Country};
use crate::error::{AppError, AppResult};
use crate::gql::connection::{lookup, root_connection, Connection, ConnectionNode};
use crate::gql::loaders::{ById, CountriesOf};
use crate::gql::scalars::Date;
use crate::gql::status::status_filter;
use crate::gql::ResultExt;
use crate::programmes::Programme;

use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use chrono::{DateTime, Utc};
use entity::document;

/// Orderings of document lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum DocumentOrder {
    /// Newest publication date first, then slug.
    #[default]
    PublishedOnDesc,
    /// Oldest publication date first, then slug.
    PublishedOnAsc,
    /// By title (default locale), then slug.
    Title,
    /// By slug.
    Slug,
}

impl From<DocumentOrder> for Order {
    fn from(o: DocumentOrder) -> Order {
        match o {
            DocumentOrder::PublishedOnDesc => Order::PublishedOnDesc,
            DocumentOrder::PublishedOnAsc => Order::PublishedOnAsc,
            DocumentOrder::Title => Order::Title,
            DocumentOrder::Slug => Order::Slug,
        }
    }
}

/// Filters for document lists; all given filters must match.
#[derive(InputObject, Default, Clone)]
pub struct DocumentFilter {
    /// Only documents concerning a country of this region (slug).
    pub region: Option<String>,
    /// Only documents concerning this country (ISO code or slug).
    pub country: Option<String>,
    /// Only documents of this programme (slug).
    pub programme: Option<String>,
    /// Only documents in this language (ISO 639-1, e.g. `en`).
    pub language: Option<String>,
    /// Only documents published on or after this date.
    pub published_from: Option<Date>,
    /// Only documents published on or before this date.
    pub published_to: Option<Date>,
    /// Only items whose workflow status is one of these (for staff previews: the
    /// working copy's status counts; the public only ever sees PUBLISHED). At
    /// most the four statuses; duplicates are folded.
    pub status: Option<Vec<crate::gql::status::ContentStatus>>,
}

impl DocumentFilter {
    pub fn into_filter(self) -> AppResult<Filter> {
        if let Some(lang) = &self.language {
            if lang.len() != 2 || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(AppError::bad_field(
                    "filter.language",
                    format!(
                        "invalid language {}: expected an ISO 639-1 code such as \"en\"",
                        crate::error::quoted(lang)
                    ),
                ));
            }
        }
        if let (Some(from), Some(to)) = (self.published_from, self.published_to) {
            if from.0 > to.0 {
                return Err(AppError::bad_field(
                    "filter.publishedFrom",
                    "`publishedFrom` is after `publishedTo`",
                ));
            }
        }
        Ok(Filter::default()
            .and(self.region.map(Cond::Region))
            .and(self.country.map(Cond::Country))
            .and(self.programme.map(Cond::Programme))
            .and(self.language.map(|l| Cond::Equals("language", l)))
            .and(self.published_from.map(|d| Cond::From("published_on", d.0)))
            .and(self.published_to.map(|d| Cond::To("published_on", d.0)))
            .and(status_filter("filter.status", self.status)?.map(Cond::Status)))
    }
}

crate::gql::content_node!(
    /// A published document (programme text, action plan, report...) and its file.
    Document,
    document::Model,
    content::DocumentData
);

/// A published document (programme text, action plan, report...) and its file.
#[Object]
impl Document {
    /// Opaque global id, for `node(id:)`.
    pub async fn id(&self) -> ID {
        ID(GlobalId::new(Kind::Document, self.m.id).encode())
    }
    /// Unique, URL-safe key.
    async fn slug(&self) -> &str {
        &self.m.slug
    }
    /// Title, in the served locale.
    async fn title(&self) -> &str {
        self.tr.text("title", &self.m.title)
    }
    /// A sentence or two for document lists, in the served locale; `null` when
    /// the document has none.
    async fn summary(&self) -> Option<&str> {
        let s = self.tr.text("summary", &self.m.summary);
        (!s.is_empty()).then_some(s)
    }
    /// The locale this item's text is served in (not the document's language).
    async fn locale(&self) -> &str {
        self.tr.locale()
    }
    /// Publication date.
    async fn published_on(&self) -> Date {
        Date(self.m.published_on)
    }
    /// Language of the document itself (ISO 639-1, e.g. `en`).
    async fn language(&self) -> &str {
        &self.m.language
    }
    /// Category (e.g. `programming`, `action-plan`), when set.
    async fn category(&self) -> Option<&str> {
        self.m.category.as_deref()
    }
    /// File format, upper case (e.g. `PDF`, `ZIP`), from the file's bytes;
    /// `null` when the document has no file.
    async fn format(&self) -> Option<&str> {
        (!self.m.format.is_empty()).then_some(self.m.format.as_str())
    }
    /// Media type of the file (e.g. `application/pdf`), from its bytes.
    async fn media_type(&self) -> Option<&str> {
        (!self.m.media_type.is_empty()).then_some(self.m.media_type.as_str())
    }
    /// Size of the file in bytes.
    async fn size_bytes(&self) -> Option<i64> {
        self.has_facts().then_some(self.m.size_bytes)
    }
    /// Size of the file as a page prints it: `411.13 KB`, `1.47 MB` (units of
    /// 1,024, two decimals, rounded half up; below 1 KB in bytes, `512 B`).
    async fn size_label(&self) -> Option<String> {
        self.has_facts()
            .then(|| crate::content::units::size_label(self.m.size_bytes))
    }
    /// SHA-256 of the file (hex), when the service knows the bytes.
    async fn sha256(&self) -> Option<&str> {
        self.m.sha256.as_deref()
    }
    /// The file's name, as downloads give it (from the upload's name, made
    /// safe: no path, no control characters).
    async fn filename(&self) -> Option<&str> {
        self.m.original_filename.as_deref()
    }
    /// The file's name.
    #[graphql(deprecation = "Use `filename`.")]
    async fn original_filename(&self) -> Option<&str> {
        self.m.original_filename.as_deref()
    }
    /// Where to download the file: an absolute URL on this service (see
    /// docs/files.md), `null` when the service holds no file for the
    /// document. The public address changes with the bytes; a staff
    /// preview's names the version it shows.
    async fn download_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let (Some(sha256), Some(name)) = (&self.m.sha256, &self.m.original_filename) else {
            return Ok(None);
        };
        if !self.m.file_stored {
            return Ok(None);
        }
        let files = &ctx.data::<crate::state::AppState>()?.files;
        let id = GlobalId::new(Kind::Document, self.m.id).encode();
        Ok(Some(if self.vis.is_preview() {
            files.preview_url(&id, name, self.m.version)
        } else {
            files.url(&id, name, sha256)
        }))
    }
    /// Where the document was first published, elsewhere (an `http` or
    /// `https` URL), when known.
    async fn source_url(&self) -> Option<&str> {
        // Only http(s) is ever stored now; a row written before that rule is
        // not handed to partner sites as a link either.
        self.m.source_url.as_deref().filter(|u| {
            let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
            lower.starts_with("https://") || lower.starts_with("http://")
        })
    }
    /// The programme the document belongs to, if any.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<Programme>> {
        let Some(id) = self.m.programme_id else {
            return Ok(None);
        };
        let loaders = self.dl(ctx)?;
        let row = loaders.load_one(ById(Kind::Programme, id)).await.gql()?;
        Ok(row.and_then(|r| Programme::from_row(&r, &self.locale, self.vis)))
    }
    /// The countries the document concerns, in order.
    async fn countries(&self, ctx: &Context<'_>) -> Result<Vec<Country>> {
        let loaders = self.dl(ctx)?;
        if let Some(d) = self.pending() {
            return countries_by_ids(loaders, &d.country_ids, &self.locale, self.vis).await;
        }
        let rows = loaders
            .load_one(CountriesOf(Kind::Document, self.m.id))
            .await
            .gql()?
            .unwrap_or_default();
        Ok(rows
            .iter()
            .map(|c| Country::new(c.clone(), &self.locale, self.vis))
            .collect())
    }
    /// When this item was created.
    pub async fn created_at(&self) -> DateTime<Utc> {
        self.m.created_at
    }
    /// When this item was last changed (for staff previews: its working copy too).
    pub async fn updated_at(&self) -> DateTime<Utc> {
        self.m.updated_at
    }
    /// When this item was (last) published; `null` when it never was.
    pub async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.m.published_at
    }
    /// Workflow status. The public only ever sees PUBLISHED; a staff preview
    /// shows the status of the working copy while a published item has one.
    pub async fn status(&self) -> crate::gql::status::ContentStatus {
        self.m.status.into()
    }
    /// Version number, raised by every change: pass it as `expectedVersion`.
    pub async fn version(&self) -> i32 {
        self.m.version
    }
    /// Editorial details (schedule, working copy, who changed it): staff
    /// previews only, `null` for the public.
    pub async fn workflow(&self) -> Option<crate::gql::status::WorkflowInfo> {
        self.vis.is_preview().then(|| self.workflow_info())
    }
}

impl Document {
    /// Whether the row has a file's facts (stored here, or imported without
    /// the bytes).
    fn has_facts(&self) -> bool {
        self.m.file_stored || !self.m.format.is_empty()
    }
}

#[derive(Default)]
pub struct DocumentQuery;

/// Document queries.
#[Object]
impl DocumentQuery {
    /// One document by slug; `null` when there is none.
    async fn document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's slug.")] slug: String,
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
        #[graphql(
            desc = "Staff only (needs a token): read drafts, items in review and working copies too."
        )]
        preview: Option<bool>,
    ) -> Result<Option<Document>> {
        lookup(
            ctx,
            Kind::Document,
            crate::content::list::UniqueKey::Slug,
            &slug,
            locale.as_deref(),
            vis(preview),
        )
        .await
    }

    /// Documents, paged (Relay connection), newest first by default.
    #[graphql(
        complexity = "(first.or(last).unwrap_or(20).clamp(1, 1000) as usize).saturating_mul(child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the items that match every filter given.")] filter: Option<
            DocumentFilter,
        >,
        #[graphql(desc = "Ordering (default: newest first).")] order_by: Option<DocumentOrder>,
        #[graphql(desc = "Page forward: at most this many items.")] first: Option<i32>,
        #[graphql(desc = "Page forward: items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many items.")] last: Option<i32>,
        #[graphql(desc = "Page backward: items before this cursor.")] before: Option<String>,
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
        #[graphql(
            desc = "Staff only (needs a token): read drafts, items in review and working copies too."
        )]
        preview: Option<bool>,
    ) -> Result<Connection<Document>> {
        let locale = Locale::parse(locale.as_deref()).gql()?;
        root_connection(
            ctx,
            content::DocumentData::LISTING,
            filter.unwrap_or_default().into_filter().gql()?,
            order_by.unwrap_or_default().into(),
            PageArgs {
                first,
                after,
                last,
                before,
            },
            &locale,
            vis(preview),
        )
        .await
    }
}
