//! Countries: the GraphQL type (with priorities, programmes and documents), root
//! queries.
pub mod content;
pub mod input;

use crate::content::list::{Cond, Filter, Order, PageArgs, UniqueKey};
use crate::content::locale::{localized_block, translations_to_json};
use crate::content::model::Block;
use crate::content::model::ContentType;
use crate::content::{vis, GlobalId, Kind, Locale};
use crate::documents::{Document, DocumentFilter, DocumentOrder};
use crate::error::AppError;
use crate::gql::connection::{
    lookup, nested_connection, root_connection, Connection, ConnectionNode, NestedList,
};
use crate::gql::loaders::{BlocksOf, ById, Dl};
use crate::gql::status::status_filter;
use crate::gql::ResultExt;
use crate::programmes::{Programme, ProgrammeFilter, ProgrammeOrder};
use crate::regions::Region;

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::country;

crate::gql::content_node!(
    /// A partner country and its page: context, priorities, programmes, documents.
    Country,
    country::Model,
    content::CountryData
);

/// One of a country's priorities, in editorial order.
#[derive(SimpleObject, Clone)]
pub struct Priority {
    /// 1-based position in the country's list.
    pub position: i32,
    /// Title, in the served locale.
    pub title: String,
    /// Body text (markdown), in the served locale.
    pub body: String,
}

/// Orderings of country lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum CountryOrder {
    /// By name (default locale), then slug.
    #[default]
    Name,
    /// By slug.
    Slug,
    /// By ISO 3166-1 code.
    #[graphql(name = "ISO2")]
    Iso2,
}

impl From<CountryOrder> for Order {
    fn from(o: CountryOrder) -> Order {
        match o {
            CountryOrder::Name => Order::Name,
            CountryOrder::Slug => Order::Slug,
            CountryOrder::Iso2 => Order::Iso2,
        }
    }
}

/// Filters for country lists.
#[derive(InputObject, Default, Clone)]
pub struct CountryFilter {
    /// Only countries of this region (slug).
    pub region: Option<String>,
    /// Only items whose workflow status is one of these (for staff previews: the
    /// working copy's status counts; the public only ever sees PUBLISHED). At
    /// most the four statuses; duplicates are folded.
    pub status: Option<Vec<crate::gql::status::ContentStatus>>,
}

/// A partner country and its page: context, priorities, programmes, documents.
#[Object]
impl Country {
    /// Opaque global id, for `node(id:)`.
    pub async fn id(&self) -> ID {
        ID(GlobalId::new(Kind::Country, self.m.id).encode())
    }
    /// Unique, URL-safe key (e.g. `peru`).
    async fn slug(&self) -> &str {
        &self.m.slug
    }
    /// ISO 3166-1 alpha-2 code (e.g. `PE`).
    async fn iso2(&self) -> &str {
        &self.m.iso2
    }
    /// Name, in the served locale.
    async fn name(&self) -> &str {
        self.tr.text("name", &self.m.name)
    }
    /// The locale this item is served in: the requested one when a translation
    /// exists, else the default locale `en`.
    async fn locale(&self) -> &str {
        self.tr.locale()
    }
    /// One-paragraph summary, in the served locale.
    async fn summary(&self) -> &str {
        self.tr.text("summary", &self.m.summary)
    }
    /// The country context (markdown), in the served locale.
    async fn context(&self) -> Option<&str> {
        self.tr.opt_text("context", self.m.context.as_deref())
    }
    /// The support-measures text (markdown), in the served locale.
    async fn support_measures(&self) -> Option<&str> {
        self.tr
            .opt_text("supportMeasures", self.m.support_measures.as_deref())
    }
    /// The region the country belongs to.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let loaders = self.dl(ctx)?;
        let row = loaders
            .load_one(ById(Kind::Region, self.m.region_id))
            .await
            .gql()?;
        Ok(row.and_then(|r| Region::from_row(&r, &self.locale, self.vis)))
    }
    /// The cooperation priorities, in order.
    async fn priorities(&self, ctx: &Context<'_>) -> Result<Vec<Priority>> {
        let blocks = match self.pending() {
            Some(d) => pending_blocks(&self.locale, &d.priorities),
            _ => {
                let rows = self
                    .dl(ctx)?
                    .load_one(BlocksOf(Kind::Country, self.m.id))
                    .await
                    .gql()?
                    .unwrap_or_default();
                rows.iter()
                    .map(|p| {
                        localized_block(
                            &self.locale,
                            p.position,
                            &p.title,
                            &p.body,
                            &p.translations,
                        )
                    })
                    .collect()
            }
        };
        Ok(blocks
            .into_iter()
            .map(|(position, title, body)| Priority {
                position,
                title,
                body,
            })
            .collect())
    }
    /// Programmes that concern this country (regional ones included).
    #[graphql(
        complexity = "(first.or(last).unwrap_or(20).clamp(1, 1000) as usize).saturating_mul(child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn programmes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the items that match every filter given.")] filter: Option<
            ProgrammeFilter,
        >,
        #[graphql(desc = "Ordering (default: period start, then slug).")] order_by: Option<
            ProgrammeOrder,
        >,
        #[graphql(desc = "Page forward: at most this many items.")] first: Option<i32>,
        #[graphql(desc = "Page forward: items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many items.")] last: Option<i32>,
        #[graphql(desc = "Page backward: items before this cursor.")] before: Option<String>,
    ) -> Result<Connection<Programme>> {
        nested_connection(
            ctx,
            NestedList {
                parent: Kind::Country,
                parent_id: self.m.id,
                listing: crate::programmes::content::ProgrammeData::LISTING,
                filter: filter.unwrap_or_default().into_filter().gql()?,
                order: order_by.unwrap_or_default().into(),
                page: PageArgs {
                    first,
                    after,
                    last,
                    before,
                },
            },
            &self.locale,
            self.vis,
        )
        .await
    }
    /// Documents that concern this country (multi-country ones included).
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
    ) -> Result<Connection<Document>> {
        nested_connection(
            ctx,
            NestedList {
                parent: Kind::Country,
                parent_id: self.m.id,
                listing: crate::documents::content::DocumentData::LISTING,
                filter: filter.unwrap_or_default().into_filter().gql()?,
                order: order_by.unwrap_or_default().into(),
                page: PageArgs {
                    first,
                    after,
                    last,
                    before,
                },
            },
            &self.locale,
            self.vis,
        )
        .await
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

/// A working copy's text blocks in a locale (preview only), in order.
pub fn pending_blocks(locale: &Locale, blocks: &[Block]) -> Vec<(i32, String, String)> {
    blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let json = translations_to_json(Some(&b.translations)).unwrap_or_default();
            localized_block(locale, i as i32 + 1, &b.title, &b.body, &json)
        })
        .collect()
}

/// Countries by id, in the given order (a working copy's countries, in preview).
pub async fn countries_by_ids(
    loaders: &Dl,
    ids: &[i32],
    locale: &Locale,
    vis: crate::content::Visibility,
) -> Result<Vec<Country>> {
    let rows = loaders
        .load_many(ids.iter().map(|id| ById(Kind::Country, *id)))
        .await
        .gql()?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.get(&ById(Kind::Country, *id)))
        .filter_map(|r| Country::from_row(r, locale, vis))
        .collect())
}

#[derive(Default)]
pub struct CountryQuery;

/// Country queries.
#[Object]
impl CountryQuery {
    /// One country by slug or by ISO 3166-1 code (give exactly one); `null` when
    /// there is none.
    async fn country(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The country's slug (e.g. `peru`).")] slug: Option<String>,
        #[graphql(desc = "The country's ISO 3166-1 alpha-2 code (e.g. `PE`).")] iso2: Option<
            String,
        >,
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
        #[graphql(
            desc = "Staff only (needs a token): read drafts, items in review and working copies too."
        )]
        preview: Option<bool>,
    ) -> Result<Option<Country>> {
        let (column, value) = match (slug, iso2) {
            (Some(s), None) => (UniqueKey::Slug, s),
            (None, Some(i)) => (UniqueKey::Iso2, i.to_ascii_uppercase()),
            _ => {
                return Err(AppError::bad_input("give exactly one of `slug` and `iso2`").into_gql());
            }
        };
        lookup(
            ctx,
            Kind::Country,
            column,
            &value,
            locale.as_deref(),
            vis(preview),
        )
        .await
    }

    /// Countries, paged (Relay connection).
    #[graphql(
        complexity = "(first.or(last).unwrap_or(20).clamp(1, 1000) as usize).saturating_mul(child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn countries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the items that match every filter given.")] filter: Option<
            CountryFilter,
        >,
        #[graphql(desc = "Ordering (default: by name).")] order_by: Option<CountryOrder>,
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
    ) -> Result<Connection<Country>> {
        let locale = Locale::parse(locale.as_deref()).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = Filter::default().and(filter.region.map(Cond::Region)).and(
            status_filter("filter.status", filter.status)
                .gql()?
                .map(Cond::Status),
        );
        root_connection(
            ctx,
            content::CountryData::LISTING,
            filter,
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
