//! The import/export file: one list per content type. Each item type is defined
//! with its content type (`regions/content.rs`, ...); the shared parts are in
//! `content::format`.
pub use crate::content::format::{MoneyIn, TextBlockIn};
pub use crate::countries::content::CountryIn;
pub use crate::documents::content::DocumentIn;
pub use crate::programmes::content::ProgrammeIn;
pub use crate::regions::content::RegionIn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    #[serde(default)]
    pub regions: Vec<RegionIn>,
    #[serde(default)]
    pub countries: Vec<CountryIn>,
    #[serde(default)]
    pub programmes: Vec<ProgrammeIn>,
    #[serde(default)]
    pub documents: Vec<DocumentIn>,
}
