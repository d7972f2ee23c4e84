//! Regions: the GraphQL type, its root queries.
pub mod content;
pub mod input;

use crate::content::list::{self, Filter, Order, PageArgs};
use crate::content::model::ContentType;
use crate::content::tags::Tag;
use crate::content::{vis, GlobalId, Kind, Locale};
use crate::countries::{Country, CountryOrder};
use crate::gql::connection::{lookup, nested_connection, Connection, ConnectionNode, NestedList};
use crate::gql::ResultExt;
use crate::state::AppState;

use async_graphql::{Context, Enum, Object, Result, ID};
use chrono::{DateTime, Utc};
use entity::region;

crate::gql::content_node!(
    /// A world region that groups countries, such as "Latin America and the Caribbean".
    Region,
    region::Model,
    content::RegionData
);

/// Orderings of region lists.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum RegionOrder {
    /// Editorial order (`position`), then slug.
    #[default]
    Position,
    /// By name (default locale), then slug.
    Name,
    /// By slug.
    Slug,
}

impl From<RegionOrder> for Order {
    fn from(o: RegionOrder) -> Order {
        match o {
            RegionOrder::Position => Order::Position,
            RegionOrder::Name => Order::Name,
            RegionOrder::Slug => Order::Slug,
        }
    }
}

/// A world region that groups countries, such as "Latin America and the Caribbean".
#[Object]
impl Region {
    /// Opaque global id, for `node(id:)`.
    pub async fn id(&self) -> ID {
        ID(GlobalId::new(Kind::Region, self.m.id).encode())
    }
    /// Unique, URL-safe key (e.g. `latin-america-and-the-caribbean`).
    async fn slug(&self) -> &str {
        &self.m.slug
    }
    /// Name, in the served locale.
    async fn name(&self) -> &str {
        self.tr.text("name", &self.m.name)
    }
    /// Short description, in the served locale.
    async fn summary(&self) -> &str {
        self.tr.text("summary", &self.m.summary)
    }
    /// Editorial position in region lists.
    async fn position(&self) -> i32 {
        self.m.position
    }
    /// The locale this item is served in: the requested one when a translation
    /// exists, else the default locale `en`.
    async fn locale(&self) -> &str {
        self.tr.locale()
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
    /// The countries of this region.
    #[graphql(
        complexity = "(first.or(last).unwrap_or(20).clamp(1, 1000) as usize).saturating_mul(child_complexity)"
    )]
    async fn countries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Ordering (default: by name).")] order_by: Option<CountryOrder>,
        #[graphql(desc = "Page forward: at most this many items.")] first: Option<i32>,
        #[graphql(desc = "Page forward: items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page backward: at most this many items.")] last: Option<i32>,
        #[graphql(desc = "Page backward: items before this cursor.")] before: Option<String>,
    ) -> Result<Connection<Country>> {
        nested_connection(
            ctx,
            NestedList {
                parent: Kind::Region,
                parent_id: self.m.id,
                listing: crate::countries::content::CountryData::LISTING,
                filter: Filter::default(),
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
}

#[derive(Default)]
pub struct RegionQuery;

/// Region queries.
#[Object]
impl RegionQuery {
    /// Every published region, in editorial order.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Ordering (default: editorial position).")] order_by: Option<RegionOrder>,
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
        #[graphql(
            desc = "Staff only (needs a token): read drafts, items in review and working copies too."
        )]
        preview: Option<bool>,
    ) -> Result<Vec<Region>> {
        let state = ctx.data::<AppState>()?;
        let vis = vis(preview);
        let loaders = crate::gql::loaders::dl(ctx, vis)?;
        let locale = Locale::parse(locale.as_deref()).gql()?;
        let spec = list::ListSpec {
            listing: content::RegionData::LISTING,
            filter: Filter::default(),
            order: order_by.unwrap_or_default().into(),
            window: list::Window {
                forward: true,
                limit: state.config.max_page_size,
                cursor: None,
            },
            with_count: false,
            with_blocks: false,
        };
        let page = list::fetch_root(&state.db, &state.counts, &vis, &spec)
            .await
            .gql()?;
        let tags = &loaders.loader().tags;
        tags.add(Tag::List(Kind::Region));
        tags.add_rows(&page.rows);
        Ok(page
            .rows
            .iter()
            .filter_map(|r| Region::from_row(r, &locale, vis))
            .collect())
    }

    /// One region by slug; `null` when there is none.
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region's slug.")] slug: String,
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
        #[graphql(
            desc = "Staff only (needs a token): read drafts, items in review and working copies too."
        )]
        preview: Option<bool>,
    ) -> Result<Option<Region>> {
        lookup(
            ctx,
            Kind::Region,
            crate::content::list::UniqueKey::Slug,
            &slug,
            locale.as_deref(),
            vis(preview),
        )
        .await
    }
}
