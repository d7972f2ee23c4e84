//! The GraphQL adapters every content type shares: the node plumbing
//! ([`content_node!`]), Relay connections, DataLoaders, the inputs' helpers,
//! statuses and scalars, and how an [`AppError`](crate::error::AppError)
//! becomes a GraphQL error. The content model below (`content/`, the catalog,
//! each type's `content.rs`) knows nothing of GraphQL; the types' resolvers
//! and the schema above build on this.
pub mod connection;
pub mod error;
pub mod input;
pub mod loaders;
pub mod scalars;
pub mod status;
pub mod upload;

pub use error::ResultExt;

/// A content type's GraphQL node: the row, the locale the query asked for, and the
/// row's text resolved in that locale, plus its place in connections. One
/// definition for every content type (their fields differ, their plumbing does not).
macro_rules! content_node {
    ($(#[$meta:meta])* $ty:ident, $model:ty, $data:ty) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $ty {
            m: std::sync::Arc<$model>,
            /// For its relations' nodes (a type without relations reads none).
            #[allow(dead_code)]
            locale: $crate::content::Locale,
            tr: $crate::content::locale::Resolved,
            vis: $crate::content::Visibility,
        }

        impl $ty {
            /// The node of a row. In preview, a published row's working copy (if it
            /// has one) is what the node shows.
            pub fn new(
                m: std::sync::Arc<$model>,
                locale: &$crate::content::Locale,
                vis: $crate::content::Visibility,
            ) -> Self {
                let m = if vis.is_preview() {
                    let cols = $crate::content::snapshot::DraftColumns {
                        draft: m.draft.as_deref(),
                        draft_status: m.draft_status,
                        draft_version: m.draft_version,
                        version: m.version,
                    };
                    $crate::content::snapshot::overlay::<$data>(m.clone(), cols)
                } else {
                    m
                };
                let tr = locale.resolve(&m.translations);
                $ty {
                    m,
                    locale: locale.clone(),
                    tr,
                    vis,
                }
            }

            /// The loaders of this node's visibility.
            #[allow(dead_code)]
            fn dl<'c>(
                &self,
                ctx: &async_graphql::Context<'c>,
            ) -> async_graphql::Result<&'c $crate::gql::loaders::Dl> {
                $crate::gql::loaders::dl(ctx, self.vis)
            }

            /// The working copy this node shows (preview only), for its relations.
            #[allow(dead_code)]
            fn pending(&self) -> Option<$data> {
                if !self.vis.is_preview() {
                    return None;
                }
                $crate::content::snapshot::working_copy::<$data>(self.m.draft.as_deref())
            }

            fn workflow_info(&self) -> $crate::gql::status::WorkflowInfo {
                $crate::gql::status::WorkflowInfo {
                    has_unpublished_changes: self.m.draft.is_some(),
                    scheduled_at: self.m.scheduled_at,
                    unpublish_at: self.m.unpublish_at,
                    review_comment: self.m.review_comment.clone(),
                    created_by: self.m.created_by.clone(),
                    updated_by: self.m.updated_by.clone(),
                    published_by: self.m.published_by.clone(),
                }
            }
        }

        impl $crate::gql::connection::ConnectionNode for $ty {
            const TYPE: &'static str = stringify!($ty);
            fn from_row(
                row: &$crate::content::list::Row,
                locale: &$crate::content::Locale,
                vis: $crate::content::Visibility,
            ) -> Option<Self> {
                match row {
                    $crate::content::list::Row::$ty(m) => Some($ty::new(m.clone(), locale, vis)),
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use content_node;
