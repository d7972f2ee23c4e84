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
