//! Relay connections for every content type: one generic implementation, named per
//! node type (`CountryConnection`, `CountryEdge`, ...). `totalCount` is computed
//! only when asked for, batched across parents for nested connections, and skipped
//! when the first page already holds every item.
use super::loaders::{dl, BlocksOf, ById, CountKey, CountriesOf, Dl};
use crate::content::list::{self, ListSpec, Page, Row};
use crate::content::locale::Locale;
use crate::content::tags::Tag;
use crate::content::visibility::Visibility;
use crate::error::AppError;
use crate::gql::ResultExt;
use crate::state::AppState;

use async_graphql::{Context, Object, OutputType, SimpleObject, TypeName};
use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

/// A GraphQL node type that connections can hold.
pub trait ConnectionNode: OutputType + Sized + Send + Sync + 'static {
    /// GraphQL type name of the node ("Country").
    const TYPE: &'static str;
    fn from_row(row: &Row, locale: &Locale, vis: Visibility) -> Option<Self>;
}

/// Where `totalCount` comes from.
#[derive(Clone, Debug)]
pub enum Count {
    Known(i64),
    Root(Arc<ListSpec>),
    Nested(CountKey),
}

/// Relay page information.
#[derive(Clone, Debug, SimpleObject)]
pub struct PageInfo {
    /// Whether more items follow the last edge of this page.
    pub has_next_page: bool,
    /// Whether items precede the first edge of this page.
    pub has_previous_page: bool,
    /// Cursor of the first edge, to page backward with `last`/`before`.
    pub start_cursor: Option<String>,
    /// Cursor of the last edge, to page forward with `first`/`after`.
    pub end_cursor: Option<String>,
}

/// An edge encodes its cursor only when the query selects it: most pages ask for
/// `pageInfo.endCursor` alone.
pub struct Edge<N> {
    row: Row,
    order: list::Order,
    node: N,
}

/// An item of a connection and its cursor.
#[Object(name_type)]
impl<N: ConnectionNode> Edge<N> {
    /// Opaque cursor of this item: pass it as `after` or `before`.
    async fn cursor(&self) -> String {
        self.row.cursor(self.order)
    }

    /// The item at this place in the list.
    async fn node(&self) -> &N {
        &self.node
    }
}

impl<N: ConnectionNode> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        Cow::Owned(format!("{}Edge", N::TYPE))
    }
}

pub struct Connection<N> {
    edges: Vec<Edge<N>>,
    page_info: PageInfo,
    count: Count,
    vis: Visibility,
    _node: PhantomData<N>,
}

impl<N: ConnectionNode> Connection<N> {
    /// Builds a connection from a fetched page. `nested` gives the count key for a
    /// nested connection; a top-level one counts with its specification.
    pub fn new(
        page: &Page,
        spec: Arc<ListSpec>,
        locale: &Locale,
        vis: Visibility,
        nested: Option<CountKey>,
    ) -> Self {
        let edges: Vec<Edge<N>> = page
            .rows
            .iter()
            .filter_map(|row| {
                N::from_row(row, locale, vis).map(|node| Edge {
                    row: row.clone(),
                    order: spec.order,
                    node,
                })
            })
            .collect();
        let window = &spec.window;
        let paged = window.cursor.is_some();
        let (has_next_page, has_previous_page) = if window.forward {
            (page.has_more, paged)
        } else {
            (paged, page.has_more)
        };
        let page_info = PageInfo {
            has_next_page,
            has_previous_page,
            start_cursor: edges.first().map(|e| e.row.cursor(spec.order)),
            end_cursor: edges.last().map(|e| e.row.cursor(spec.order)),
        };
        // The total came with the page when it was asked for; otherwise (or
        // when a cursor left the page empty) a count statement answers.
        let count = match (page.total, nested) {
            (Some(n), _) => Count::Known(n),
            (None, Some(key)) => Count::Nested(key),
            (None, None) => Count::Root(spec),
        };
        Connection {
            edges,
            page_info,
            count,
            vis,
            _node: PhantomData,
        }
    }
}

/// A page of items (Relay connection).
#[Object(name_type)]
impl<N: ConnectionNode> Connection<N> {
    /// Number of items in the whole list, all pages together.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        match &self.count {
            Count::Known(n) => Ok(*n),
            Count::Root(spec) => {
                let state = ctx.data::<AppState>()?;
                list::count_root(&state.db, &state.counts, &self.vis, spec)
                    .await
                    .gql()
            }
            Count::Nested(key) => {
                let loaders = dl(ctx, self.vis)?;
                let n = loaders.load_one(key.clone()).await.gql()?;
                n.ok_or_else(|| AppError::internal("count missing from loader").into_gql())
            }
        }
    }

    /// The items of this page with their cursors.
    async fn edges(&self) -> &[Edge<N>] {
        &self.edges
    }

    /// The items of this page, without cursors.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Where this page sits in the list.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
}

impl<N: ConnectionNode> TypeName for Connection<N> {
    fn type_name() -> Cow<'static, str> {
        Cow::Owned(format!("{}Connection", N::TYPE))
    }
}

/// Shared resolver body of every top-level connection field.
pub async fn root_connection<N: ConnectionNode>(
    ctx: &Context<'_>,
    listing: list::Listing,
    filter: list::Filter,
    order: list::Order,
    args: list::PageArgs,
    locale: &Locale,
    vis: Visibility,
) -> async_graphql::Result<Connection<N>> {
    let state = ctx.data::<AppState>()?;
    let loaders = dl(ctx, vis)?;
    let window = list::Window::from_args(&args, order, state.page_limits()).gql()?;
    let with_count = ctx.look_ahead().field("totalCount").exists();
    let spec = Arc::new(ListSpec {
        listing,
        filter,
        order,
        window,
        with_count,
        with_blocks: wants_blocks(ctx, listing.kind),
    });
    let page = list::fetch_root(&state.db, &state.counts, &vis, &spec)
        .await
        .gql()?;
    let tags = &loaders.loader().tags;
    tags.add(Tag::List(listing.kind));
    for kind in spec.filter.refers_to() {
        tags.add(Tag::List(kind));
    }
    tags.add_rows(&page.rows);
    prime(ctx, loaders, &page, true).await?;
    Ok(Connection::new(&page, spec, locale, vis, None))
}

/// A nested list: which relation of which parent, filtered, ordered and paged.
pub struct NestedList {
    /// The parent's type and id.
    pub parent: crate::content::Kind,
    pub parent_id: i32,
    /// The listed type's declaration: it says how its rows hang under the parent.
    pub listing: list::Listing,
    pub filter: list::Filter,
    pub order: list::Order,
    pub page: list::PageArgs,
}

/// Shared resolver body of every nested connection field: batched through the
/// page and count loaders.
pub async fn nested_connection<N: ConnectionNode>(
    ctx: &Context<'_>,
    list: NestedList,
    locale: &Locale,
    vis: Visibility,
) -> async_graphql::Result<Connection<N>> {
    let NestedList {
        parent,
        parent_id,
        listing,
        filter,
        order,
        page: args,
    } = list;
    let state = ctx.data::<AppState>()?;
    let loaders = dl(ctx, vis)?;
    let window = list::Window::from_args(&args, order, state.page_limits()).gql()?;
    let with_count = ctx.look_ahead().field("totalCount").exists();
    let tags = &loaders.loader().tags;
    tags.add(Tag::Under(parent, parent_id, listing.kind));
    for kind in filter.refers_to() {
        tags.add(Tag::List(kind));
    }
    let parent = listing
        .under(parent)
        .ok_or_else(|| {
            AppError::internal(format!(
                "{:?} lists do not hang under {parent:?}",
                listing.kind
            ))
        })
        .gql()?;
    let spec = Arc::new(ListSpec {
        listing,
        filter,
        order,
        window,
        with_count,
        with_blocks: wants_blocks(ctx, listing.kind),
    });
    let key = super::loaders::PageKey {
        parent,
        id: parent_id,
        spec: spec.clone(),
    };
    let page = loaders.load_one(key).await.gql()?.unwrap_or_default();
    // Sibling connections (the same field under many parents) prime through the
    // batching loader, so their keys merge into one statement per relation.
    prime(ctx, loaders, &page, false).await?;
    let count_key = CountKey {
        parent,
        id: parent_id,
        spec: spec.clone(),
    };
    Ok(Connection::new(&page, spec, locale, vis, Some(count_key)))
}

/// Loads one relation for a page's items into the request cache, when the
/// selection asks for it. `now`: run the batch at once (the keys are all known);
/// otherwise go through the batching loader, so sibling pages share one statement.
async fn load_into_cache<K>(
    loaders: &Dl,
    wanted: bool,
    keys: impl Iterator<Item = K>,
    now: bool,
) -> crate::error::AppResult<()>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    super::loaders::Loaders: async_graphql::dataloader::Loader<K, Error = crate::error::AppError>,
{
    use async_graphql::dataloader::Loader;
    if !wanted {
        return Ok(());
    }
    if !now {
        loaders.load_many(keys).await?;
        return Ok(());
    }
    let mut keys: Vec<K> = keys.collect();
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    if keys.is_empty() {
        return Ok(());
    }
    let values = loaders.loader().load(&keys).await?;
    loaders.feed_many(values).await;
    Ok(())
}

/// Whether the selection of a connection's nodes names this field.
fn node_wants(ctx: &Context<'_>, field: &str) -> bool {
    let la = ctx.look_ahead();
    la.field("edges").field("node").field(field).exists() || la.field("nodes").field(field).exists()
}

/// Whether a page of this type should read its rows' blocks with its rows.
fn wants_blocks(ctx: &Context<'_>, kind: crate::content::Kind) -> bool {
    kind.blocks_field().is_some_and(|f| node_wants(ctx, f))
}

/// Puts blocks read with their owners into the request cache.
async fn feed_blocks(
    loaders: &Dl,
    kind: crate::content::Kind,
    blocks: impl IntoIterator<Item = (i32, Arc<Vec<crate::content::blocks::Block>>)>,
) {
    loaders
        .feed_many(blocks.into_iter().map(|(id, b)| (BlocksOf(kind, id), b)))
        .await;
}

/// Loads, one batch per relation, what the items of a page will ask for (as the
/// selection says), so their resolvers find it in the request cache. Batching by
/// timing alone splits when resolving a long list yields to the scheduler; this
/// keeps the number of statements fixed. Blocks the page statement read come
/// straight from the page.
async fn prime(
    ctx: &Context<'_>,
    loaders: &Dl,
    page: &Page,
    now: bool,
) -> async_graphql::Result<()> {
    let rows = &page.rows;
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let kind = first.kind();
    if let Some(blocks) = &page.blocks {
        // Shared, not copied: each owner's blocks are behind an `Arc`.
        let shared: Vec<_> = blocks.iter().map(|(id, b)| (*id, Arc::clone(b))).collect();
        feed_blocks(loaders, kind, shared).await;
    }
    let wants = |f: &str| node_wants(ctx, f);
    let blocks_wanted = page.blocks.is_none() && wants_blocks(ctx, kind);
    let ids = || rows.iter().map(Row::id);
    // The items each row names in its own columns (a country's region, a
    // document's programme), by the type's declared references.
    let parents: Vec<ById> = kind
        .refers()
        .iter()
        .filter(|r| r.table == kind.table() && wants(&r.kind.type_name().to_lowercase()))
        .flat_map(|r| {
            rows.iter()
                .filter_map(move |row| row.referred_id(r.column).map(|id| ById(r.kind, id)))
        })
        .collect();
    let loaded = futures_util::try_join!(
        load_into_cache(
            loaders,
            blocks_wanted,
            ids().map(|id| BlocksOf(kind, id)),
            now
        ),
        load_into_cache(
            loaders,
            kind.countries().is_some() && wants("countries"),
            ids().map(|id| CountriesOf(kind, id)),
            now
        ),
        load_into_cache(loaders, !parents.is_empty(), parents.iter().copied(), now),
    );
    loaded.gql()?;
    Ok(())
}

/// Shared resolver body of every single-item lookup by a unique column: `null`
/// when there is no such visible item.
pub async fn lookup<N: ConnectionNode>(
    ctx: &Context<'_>,
    kind: crate::content::Kind,
    column: list::UniqueKey,
    value: &str,
    locale: Option<&str>,
    vis: Visibility,
) -> async_graphql::Result<Option<N>> {
    let state = ctx.data::<AppState>()?;
    let loaders = dl(ctx, vis)?;
    let locale = Locale::parse(locale).gql()?;
    if kind == crate::content::Kind::Country && ctx.look_ahead().field("region").exists() {
        let with_blocks = kind
            .blocks_field()
            .is_some_and(|f| ctx.look_ahead().field(f).exists());
        let found = list::fetch_country_with_region(&state.db, &vis, column, value, with_blocks)
            .await
            .gql()?;
        let tags = &loaders.loader().tags;
        let Some(list::CountryPage {
            country,
            region,
            blocks,
        }) = found
        else {
            tags.add(Tag::List(kind));
            return Ok(None);
        };
        tags.add_rows([&country]);
        if let Some(blocks) = blocks {
            feed_blocks(loaders, kind, [(country.id(), Arc::new(blocks))]).await;
        }
        match region {
            Some(region) => {
                tags.add_rows([&region]);
                loaders
                    .feed_one(ById(crate::content::Kind::Region, region.id()), region)
                    .await;
            }
            None => tags.add(Tag::List(crate::content::Kind::Region)),
        }
        return Ok(N::from_row(&country, &locale, vis));
    }
    let row = list::fetch_one(&state.db, &vis, kind, column, value)
        .await
        .gql()?;
    let tags = &loaders.loader().tags;
    match &row {
        Some(r) => tags.add_rows([r]),
        None => tags.add(Tag::List(kind)),
    }
    Ok(row.and_then(|r| N::from_row(&r, &locale, vis)))
}
