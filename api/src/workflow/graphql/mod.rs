//! The editorial GraphQL API: content mutations and workflow transitions
//! ([`mutations`]; each content type's input is in its domain folder), revisions and the audit
//! log ([`history`]). Resolvers are thin: they decode ids and inputs, and the
//! service ([`super`]) holds every rule, including who may do what.
mod history;
mod mutations;
mod queue;

pub use history::{
    AuditEntry, AuditLogFilter, AuditLogPage, ChangedBy, FieldChange, Revision, WorkflowQuery,
};
pub use mutations::WorkflowMutation;
pub use queue::{QueueEntry, QueuePage, QueueView};

use crate::auth::{Role, Viewer};
use crate::content::list::{self, Row};
use crate::content::{GlobalId, Kind, Locale, Visibility};
use crate::error::{AppError, AppResult};
use crate::gql::ResultExt;
use crate::nodes::Content;
use crate::state::AppState;
use async_graphql::{Context, Result, ID};

/// The current state of an item, as staff see it (working copy included).
async fn load(ctx: &Context<'_>, kind: Kind, id: i32) -> Result<Row> {
    let state = ctx.data::<AppState>()?;
    let mut sql = state.db.sql();
    sql.push("SELECT * FROM ")
        .push(kind.table())
        .push(" WHERE id = ")
        .bind(id);
    let rows = state.db.all(sql).await.gql()?;
    list::parse_rows(kind, rows)
        .gql()?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound(kind.type_name().into()).into_gql())
}

async fn content(ctx: &Context<'_>, kind: Kind, id: i32) -> Result<Content> {
    let row = load(ctx, kind, id).await?;
    Ok(Content::from_row(
        row,
        &Locale::default(),
        Visibility::Preview,
    ))
}

/// Decodes a content id; checks the viewer's role for the action first, so an
/// anonymous caller learns nothing about ids.
fn target(viewer: &Viewer, id: &ID) -> AppResult<GlobalId> {
    viewer.require(Role::Editor)?;
    GlobalId::decode(id)
}
