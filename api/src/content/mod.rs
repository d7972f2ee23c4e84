//! What every content type shares: who may see what (visibility), global ids, locales and
//! translations, statuses and snapshots (working copies and their overlay), the
//! list engine (filters, orderings, keyset pages, counts), the DataLoaders, and the
//! generic Relay connection types. A leaf: nothing here imports the workflow, the
//! domains, `graphql` or `http`.
pub mod blocks;
pub mod count_cache;
pub mod dates;
pub mod decode;
pub mod derived;
pub mod filter;
pub mod format;
pub mod ids;
pub mod list;
pub mod listing;
pub mod locale;
pub mod model;
pub mod place_index;
pub mod snapshot;
pub mod tables;
pub mod tags;
pub mod text;
pub mod units;
pub mod validate;
pub mod visibility;

pub use ids::{GlobalId, Kind};
pub use locale::Locale;
pub use visibility::{vis, Visibility};
