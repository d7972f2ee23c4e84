//! What every content type shares: who is reading (viewer), global ids, locales and
//! translations, the list engine (filters, orderings, keyset pages, counts), the
//! DataLoaders, and the generic Relay connection types.
pub mod connection;
pub mod ids;
pub mod list;
pub mod loaders;
pub mod locale;
pub mod validate;
pub mod viewer;

pub use ids::{GlobalId, Kind};
pub use locale::Locale;
pub use viewer::Viewer;

/// A content type's GraphQL node: the row, the locale the query asked for, and the
/// row's text resolved in that locale, plus its place in connections. One
/// definition for every content type (their fields differ, their plumbing does not).
macro_rules! content_node {
    ($(#[$meta:meta])* $ty:ident, $model:ty) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $ty {
            m: std::sync::Arc<$model>,
            locale: $crate::content::Locale,
            tr: $crate::content::locale::Resolved,
        }

        impl $ty {
            pub fn new(m: std::sync::Arc<$model>, locale: &$crate::content::Locale) -> Self {
                let tr = locale.resolve(&m.translations);
                $ty {
                    m,
                    locale: locale.clone(),
                    tr,
                }
            }
        }

        impl $crate::content::connection::ConnectionNode for $ty {
            const TYPE: &'static str = stringify!($ty);
            fn from_row(
                row: &$crate::content::list::Row,
                locale: &$crate::content::Locale,
            ) -> Option<Self> {
                match row {
                    $crate::content::list::Row::$ty(m) => Some($ty::new(m.clone(), locale)),
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use content_node;
