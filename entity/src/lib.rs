//! SeaORM entities of the content model. No GraphQL types here: the public API lives
//! in `api`, so a table change cannot silently change the public schema.
pub mod country;
pub mod country_priority;
pub mod document;
pub mod document_country;
pub mod priority_area;
pub mod programme;
pub mod programme_country;
pub mod region;
pub mod status;
pub mod user;

pub use status::Status;
pub use user::Role;
