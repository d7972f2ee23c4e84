//! The GraphQL schema: root objects merged from the per-domain roots, the `Node`
//! interface, limits and error codes.
pub mod limits;
pub mod scalars;

use crate::content::list::Row;
use crate::content::loaders::{ById, Dl, Loaders};
use crate::content::{GlobalId, Locale, Viewer};
use crate::countries::{Country, CountryQuery};
use crate::documents::{Document, DocumentQuery};
use crate::error::ResultExt;
use crate::programmes::{Programme, ProgrammeQuery};
use crate::regions::{Region, RegionQuery};
use crate::search::SearchQuery;
use crate::state::AppState;

use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Interface, MergedObject, Object, Request, Result,
    Schema, SchemaBuilder, ID,
};

pub type CmsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Anything with a global id.
#[derive(Interface, Clone)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id, for `node(id:)`."))]
pub enum Node {
    Region(Region),
    Country(Country),
    Programme(Programme),
    Document(Document),
}

#[derive(Default)]
pub struct NodeQuery;

/// Lookup by global id.
#[Object]
impl NodeQuery {
    /// Any item by its global id; `null` when there is none (a malformed id is a
    /// BAD_USER_INPUT error).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as returned in `id` fields.")] id: ID,
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
    ) -> Result<Option<Node>> {
        let gid = GlobalId::decode(&id).gql()?;
        let locale = Locale::parse(locale.as_deref()).gql()?;
        let loaders = ctx.data::<Dl>()?;
        let row = loaders.load_one(ById(gid.kind, gid.id)).await.gql()?;
        Ok(row.map(|r| match r {
            Row::Region(m) => Node::Region(Region::new(m, &locale)),
            Row::Country(m) => Node::Country(Country::new(m, &locale)),
            Row::Programme(m) => Node::Programme(Programme::new(m, &locale)),
            Row::Document(m) => Node::Document(Document::new(m, &locale)),
        }))
    }
}

/// Public read API: published content for partner sites.
#[derive(MergedObject, Default)]
pub struct Query(
    RegionQuery,
    CountryQuery,
    ProgrammeQuery,
    DocumentQuery,
    SearchQuery,
    NodeQuery,
);

fn builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription).register_output_type::<Node>()
}

/// The schema with its limits and state.
pub fn build_schema(state: AppState) -> CmsSchema {
    let limits = limits::QueryLimits {
        max_depth: state.config.max_depth,
        max_complexity: state.config.max_complexity,
        max_aliases: state.config.max_aliases,
    };
    builder()
        .extension(limits)
        // Deeply nested input is refused by the parser before it can exhaust the stack.
        .limit_recursive_depth(64)
        .data(state)
        .finish()
}

/// The schema's SDL, as `cms schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// Attaches what one request needs: its viewer and its per-request loaders.
pub fn prepare(state: &AppState, request: Request, viewer: Viewer) -> Request {
    request
        .data(Loaders::new(state.db.clone(), viewer.clone()))
        .data(viewer)
}
