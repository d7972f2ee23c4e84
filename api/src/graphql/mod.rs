//! The GraphQL schema: root objects merged from the per-domain roots, the `Node`
//! interface, limits and error codes.
pub mod order;
pub mod run;
pub mod sdl;

use crate::auth::Viewer;
use crate::content::tags::Tags;
use crate::content::{vis, GlobalId, Locale, Visibility};
use crate::countries::CountryQuery;
use crate::documents::DocumentQuery;
use crate::gql::loaders::{dl, ById, Loaders, PreviewDl};
use crate::gql::ResultExt;
use crate::nodes::{Content, Node};
use crate::programmes::ProgrammeQuery;
use crate::regions::RegionQuery;
use crate::search::SearchQuery;
use crate::state::AppState;
use crate::users::{UserMutation, UserQuery};
use crate::workflow::graphql::{WorkflowMutation, WorkflowQuery};

use async_graphql::{
    Context, EmptySubscription, MergedObject, Object, Request, Result, Schema, SchemaBuilder, ID,
};

type GqlSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema twice over, one set of types and state: `strict` validates a
/// document by every rule of the spec; `fast` only measures it (complexity,
/// depth, fragment cycles). A request runs on `fast` only when the same
/// document already passed the strict rules with the same operation name and
/// variables, which is all validation depends on ([`run::run`]), so partner
/// sites' few queries are not validated again on every request.
#[derive(Clone)]
pub struct CmsSchema {
    strict: GqlSchema,
    fast: GqlSchema,
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
        #[graphql(
            desc = "Staff only (needs a token): read drafts, items in review and working copies too."
        )]
        preview: Option<bool>,
    ) -> Result<Option<Node>> {
        let gid = GlobalId::decode(&id).gql()?;
        let locale = Locale::parse(locale.as_deref()).gql()?;
        let vis = vis(preview);
        let loaders = dl(ctx, vis)?;
        let row = loaders.load_one(ById(gid.kind, gid.id)).await.gql()?;
        Ok(row.map(|r| Node::from_row(r, &locale, vis)))
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
    UserQuery,
    WorkflowQuery,
);

/// Editorial API: login, content changes, the workflow, users. Every mutation
/// needs a staff token with the role it names (except `login`).
#[derive(MergedObject, Default)]
pub struct Mutation(UserMutation, WorkflowMutation);

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .register_output_type::<Node>()
        .register_output_type::<Content>()
}

/// The schema with its state. The limits are checked around it
/// ([`run::execute`]), except validation's complexity, async-graphql's own.
pub fn build_schema(state: AppState) -> CmsSchema {
    let schema = |mode| {
        builder()
            .limit_complexity(state.config.max_complexity)
            // Deeply nested input is refused by the parser before it can exhaust the stack.
            .limit_recursive_depth(crate::query::limits::MAX_NESTING)
            .validation_mode(mode)
            .data(state.clone())
            .finish()
    };
    CmsSchema {
        strict: schema(async_graphql::ValidationMode::Strict),
        fast: schema(async_graphql::ValidationMode::Fast),
    }
}

pub use run::execute;
pub use sdl::sdl;

/// Attaches what one request needs: its viewer and its per-request loaders (the
/// preview loaders only for staff, so a preview read without a token is refused).
pub fn prepare(
    state: &AppState,
    request: Request,
    viewer: Viewer,
    addr: crate::auth::ClientAddr,
    tags: Tags,
) -> Request {
    let mut request = request
        .data(Loaders::new(
            state.db.clone(),
            state.counts.clone(),
            Visibility::Public,
            tags.clone(),
        ))
        .data(addr);
    if viewer.actor().is_none() && state.config.introspection == crate::config::Introspection::Staff
    {
        request = request.disable_introspection();
    }
    if viewer.actor().is_some() {
        request = request.data(PreviewDl(Loaders::new(
            state.db.clone(),
            state.counts.clone(),
            Visibility::Preview,
            tags,
        )));
    }
    request.data(viewer)
}
