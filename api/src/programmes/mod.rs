//! Programmes: the GraphQL type (budget, priority areas, countries, documents) and
//! root queries.
pub mod content;
pub mod input;

use crate::content::list::{Cond, Filter, Order, PageArgs};
use crate::content::locale::localized_block;
use crate::content::model::ContentType;
use crate::content::{vis, GlobalId, Kind, Locale};
use crate::countries::{countries_by_ids, pending_blocks, Country};
use crate::documents::{Document, DocumentFilter, DocumentOrder};
use crate::error::AppResult;
use crate::gql::connection::{lookup, nested_connection, root_connection, Connection, NestedList};
use crate::gql::loaders::{BlocksOf, CountriesOf};
use crate::gql::status::status_filter;
use crate::gql::ResultExt;

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::programme;
use rust_decimal::Decimal;

/// The kind of a programme.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "content::ProgrammeKind", name = "ProgrammeKind")]
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

/// An exact amount of money.
#[derive(SimpleObject, Clone)]
pub struct Money {
    /// Exact decimal amount as a string with two decimals (e.g. `"57000000.00"`),
    /// never a float.
    pub amount: String,
    /// ISO 4217 currency code (e.g. `EUR`).
    pub currency: String,
}

impl Money {
    pub fn from_cents(cents: i64, currency: &str) -> Money {
        Money {
            amount: Decimal::new(cents, 2).to_string(),
            currency: currency.to_string(),
        }
    }
}

/// One of a programme's priority areas, in order.
#[derive(SimpleObject, Clone)]
pub struct PriorityArea {
    /// 1-based position in the programme.
    pub position: i32,
    /// Title, in the served locale.
    pub title: String,
    /// Body text, in the served locale.
    pub body: String,
}

/// Orderings of programme lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum ProgrammeOrder {
    /// Oldest period first, then slug.
    #[default]
    PeriodStartAsc,
    /// Newest period first, then slug.
    PeriodStartDesc,
    /// By title (default locale), then slug.
    Title,
    /// By slug.
    Slug,
    /// Largest budget first, then slug.
    BudgetDesc,
}

impl From<ProgrammeOrder> for Order {
    fn from(o: ProgrammeOrder) -> Order {
        match o {
            ProgrammeOrder::PeriodStartAsc => Order::PeriodStartAsc,
            ProgrammeOrder::PeriodStartDesc => Order::PeriodStartDesc,
            ProgrammeOrder::Title => Order::Title,
            ProgrammeOrder::Slug => Order::Slug,
            ProgrammeOrder::BudgetDesc => Order::BudgetDesc,
        }
    }
}

/// Filters for programme lists.
#[derive(InputObject, Default, Clone)]
pub struct ProgrammeFilter {
    /// Only programmes concerning a country of this region (slug).
    pub region: Option<String>,
    /// Only programmes concerning this country (ISO code or slug).
    pub country: Option<String>,
    /// Only programmes of this kind.
    #[graphql(name = "kind")]
    pub programme_kind: Option<ProgrammeKind>,
    /// Only items whose workflow status is one of these (for staff previews: the
    /// working copy's status counts; the public only ever sees PUBLISHED). At
    /// most the four statuses; duplicates are folded.
    pub status: Option<Vec<crate::gql::status::ContentStatus>>,
}

impl ProgrammeFilter {
    pub fn into_filter(self) -> AppResult<Filter> {
        Ok(Filter::default()
            .and(self.region.map(Cond::Region))
            .and(self.country.map(Cond::Country))
            .and(self.programme_kind.map(|k| {
                Cond::Equals("kind", content::ProgrammeKind::from(k).as_str().to_string())
            }))
            .and(status_filter("filter.status", self.status)?.map(Cond::Status)))
    }
}

crate::gql::content_node!(
    /// A cooperation programme: a multiannual plan, an annual action plan or a support
    /// measure, for one or several countries.
    Programme,
    programme::Model,
    content::ProgrammeData
);

/// A cooperation programme: a multiannual plan, an annual action plan or a support
/// measure, for one or several countries.
#[Object]
impl Programme {
    /// Opaque global id, for `node(id:)`.
    pub async fn id(&self) -> ID {
        ID(GlobalId::new(Kind::Programme, self.m.id).encode())
    }
    /// Unique, URL-safe key (e.g. `mip-2021-2024-peru`).
    async fn slug(&self) -> &str {
        &self.m.slug
    }
    /// Title, in the served locale.
    async fn title(&self) -> &str {
        self.tr.text("title", &self.m.title)
    }
    /// The locale this item is served in.
    async fn locale(&self) -> &str {
        self.tr.locale()
    }
    /// Kind of programme.
    async fn kind(&self) -> ProgrammeKind {
        content::ProgrammeKind::parse(&self.m.kind)
            .unwrap_or(content::ProgrammeKind::Other)
            .into()
    }
    /// First year of the programme period.
    async fn period_start(&self) -> i32 {
        self.m.period_start
    }
    /// Last year of the programme period (inclusive).
    async fn period_end(&self) -> i32 {
        self.m.period_end
    }
    /// Total budget, exact.
    async fn budget(&self) -> Money {
        Money::from_cents(self.m.budget_cents, &self.m.currency)
    }
    /// Summary, in the served locale.
    async fn summary(&self) -> &str {
        self.tr.text("summary", &self.m.summary)
    }
    /// Priority areas, in order.
    async fn priority_areas(&self, ctx: &Context<'_>) -> Result<Vec<PriorityArea>> {
        let blocks = match self.pending() {
            Some(d) => pending_blocks(&self.locale, &d.priority_areas),
            _ => {
                let rows = self
                    .dl(ctx)?
                    .load_one(BlocksOf(Kind::Programme, self.m.id))
                    .await
                    .gql()?
                    .unwrap_or_default();
                rows.iter()
                    .map(|a| {
                        localized_block(
                            &self.locale,
                            a.position,
                            &a.title,
                            &a.body,
                            &a.translations,
                        )
                    })
                    .collect()
            }
        };
        Ok(blocks
            .into_iter()
            .map(|(position, title, body)| PriorityArea {
                position,
                title,
                body,
            })
            .collect())
    }
    /// The countries the programme concerns, in order.
    async fn countries(&self, ctx: &Context<'_>) -> Result<Vec<Country>> {
        let loaders = self.dl(ctx)?;
        if let Some(d) = self.pending() {
            return countries_by_ids(loaders, &d.country_ids, &self.locale, self.vis).await;
        }
        let rows = loaders
            .load_one(CountriesOf(Kind::Programme, self.m.id))
            .await
            .gql()?
            .unwrap_or_default();
        Ok(rows
            .iter()
            .map(|c| Country::new(c.clone(), &self.locale, self.vis))
            .collect())
    }
    /// Documents of this programme.
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
                parent: Kind::Programme,
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

#[derive(Default)]
pub struct ProgrammeQuery;

/// Programme queries.
#[Object]
impl ProgrammeQuery {
    /// One programme by slug; `null` when there is none.
    async fn programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's slug.")] slug: String,
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
        #[graphql(
            desc = "Staff only (needs a token): read drafts, items in review and working copies too."
        )]
        preview: Option<bool>,
    ) -> Result<Option<Programme>> {
        lookup(
            ctx,
            Kind::Programme,
            crate::content::list::UniqueKey::Slug,
            &slug,
            locale.as_deref(),
            vis(preview),
        )
        .await
    }

    /// Programmes, paged (Relay connection).
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
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
        #[graphql(
            desc = "Staff only (needs a token): read drafts, items in review and working copies too."
        )]
        preview: Option<bool>,
    ) -> Result<Connection<Programme>> {
        let locale = Locale::parse(locale.as_deref()).gql()?;
        root_connection(
            ctx,
            content::ProgrammeData::LISTING,
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
