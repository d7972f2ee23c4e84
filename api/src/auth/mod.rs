//! Who is asking, and what they may do. Authentication happens at the edge (the
//! HTTP handler turns the `Authorization` header into a [`Viewer`]); coarse role
//! checks are guards on the GraphQL fields; record-level rules live in the
//! services, which take the viewer explicitly.
pub mod keys;
pub mod password;
pub mod throttle;

use crate::error::{AppError, AppResult};
pub use entity::Role;
use std::net::IpAddr;
use std::sync::Arc;

pub use keys::Keys;

/// An authenticated staff member: a local user or a user of an external identity
/// provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The token's `sub`: a local user's public id, or the provider's subject.
    pub id: String,
    /// Email or display name, for the audit log.
    pub name: String,
    pub role: Role,
    /// The local user's row id (`None` for external users).
    pub user_pk: Option<i32>,
}

impl Actor {
    /// The actor of background jobs (scheduled publishing).
    pub fn system(job: &str) -> Actor {
        Actor {
            id: format!("system:{job}"),
            name: format!("{job} job"),
            role: Role::Admin,
            user_pk: None,
        }
    }
}

/// Who is asking.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Viewer {
    /// A partner site or anyone without a token: published content only.
    #[default]
    Anonymous,
    /// A request with a valid token.
    Staff(Arc<Actor>),
}

impl Viewer {
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Staff(a) => Some(a),
        }
    }

    /// The actor, if it has at least `role`: UNAUTHENTICATED without a token,
    /// FORBIDDEN with a weaker role.
    pub fn require(&self, role: Role) -> AppResult<&Actor> {
        let actor = self
            .actor()
            .ok_or_else(|| AppError::unauthenticated("this operation needs a staff token"))?;
        if actor.role < role {
            return Err(AppError::forbidden(format!(
                "this operation needs the {} role (you have {})",
                role.as_str(),
                actor.role.as_str()
            )));
        }
        Ok(actor)
    }
}

/// The client's network address, for the failed-login limit.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientAddr(pub Option<IpAddr>);

/// Field guard: the viewer must have at least this role.
pub struct RoleGuard(pub Role);

impl async_graphql::Guard for RoleGuard {
    async fn check(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<()> {
        let viewer = ctx.data::<Viewer>()?;
        viewer
            .require(self.0)
            .map(|_| ())
            .map_err(AppError::into_gql)
    }
}
