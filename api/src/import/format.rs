//! The import/export file: one list per content type (the registry, `catalog.rs`,
//! defines [`Dataset`]). Each item type is defined
//! with its content type (`regions/content.rs`, ...); the shared parts are in
//! `content::format`.
/// The file: one list per content type, as the registry names them.
pub use crate::catalog::Dataset;
pub use crate::content::format::{MoneyIn, TextBlockIn};
pub use crate::countries::content::CountryIn;
pub use crate::documents::content::DocumentIn;
pub use crate::programmes::content::ProgrammeIn;
pub use crate::regions::content::RegionIn;
