//! The catalog of content types: every type the CMS has, in one enum, for the
//! machinery that handles any item (the workflow, revisions, the audit log,
//! import and export). Each type's fields are defined in its own domain folder
//! (`regions/content.rs`, ...); this file only lists them, so adding a type adds
//! one line to [`catalog!`].
use crate::content::list::Listing;
use crate::content::model::{At, ContentType, Reference};
use crate::content::snapshot;
use crate::content::Kind;
use crate::countries::content::CountryData;
use crate::documents::content::DocumentData;
use crate::error::{AppError, AppResult};
use crate::programmes::content::ProgrammeData;
use crate::regions::content::RegionData;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::{Deserialize, Serialize};

/// Defines [`Data`] and its dispatch from the list of (variant, snapshot type).
/// Each variant is named like its [`Kind`]. (`$dollar` lets the macros it
/// defines have metavariables of their own.)
macro_rules! catalog {
    ($dollar:tt $($variant:ident($ty:ty)),* $(,)?) => {
        /// One item's content, whatever its type.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        pub enum Data {
            $($variant($ty),)*
        }

        $(
            impl From<$ty> for Data {
                fn from(d: $ty) -> Data {
                    Data::$variant(d)
                }
            }

            impl TryFrom<Data> for $ty {
                type Error = AppError;
                fn try_from(d: Data) -> AppResult<$ty> {
                    match d {
                        Data::$variant(d) => Ok(d),
                        other => Err(AppError::bad_field(
                            "id",
                            format!(
                                "expected the id of a {}, not of a {}",
                                <$ty as ContentType>::KIND.type_name(),
                                other.kind().type_name()
                            ),
                        )),
                    }
                }
            }
        )*

        /// Runs `$body` with `$d` bound to the snapshot of whatever type `$data` is.
        macro_rules! each {
            ($dollar data:expr, $dollar d:ident => $dollar body:expr) => {
                match $dollar data {
                    $(Data::$variant($dollar d) => $dollar body,)*
                }
            };
        }

        /// Every type's list declaration.
        pub const LISTINGS: &[Listing] = &[$(<$ty as ContentType>::LISTING),*];

        /// Runs `$body` with `$T` the snapshot type of `$kind`.
        macro_rules! of_kind {
            ($dollar kind:expr, $dollar t:ident => $dollar body:expr) => {
                match $dollar kind {
                    $(Kind::$variant => {
                        type $dollar t = $ty;
                        $dollar body
                    })*
                }
            };
        }

        #[cfg(test)]
        mod kinds {
            use super::*;
            /// Each variant holds the snapshot of the kind it is named after.
            #[test]
            fn variants_are_named_after_their_kinds() {
                $(assert_eq!(<$ty as ContentType>::KIND, Kind::$variant);)*
            }
            /// Every key has its working copy's column.
            #[test]
            fn every_key_has_a_draft_key_column() {
                $(assert_eq!(
                    <$ty as ContentType>::KEYS.len(),
                    <$ty as ContentType>::DRAFT_KEYS.len()
                );)*
            }
        }
    };
}

catalog!($
    Region(RegionData),
    Country(CountryData),
    Programme(ProgrammeData),
    Document(DocumentData),
);

impl Data {
    pub fn kind(&self) -> Kind {
        fn kind_of<T: ContentType>(_: &T) -> Kind {
            T::KIND
        }
        each!(self, d => kind_of(d))
    }

    /// An empty item of a kind, for a create to fill in.
    pub fn empty(kind: Kind) -> Data {
        of_kind!(kind, T => T::empty().into())
    }

    pub fn slug(&self) -> &str {
        each!(self, d => d.slug())
    }

    /// The unique keys of the item: its slug, and any other (a country's ISO code).
    pub fn keys(&self) -> Vec<(&'static str, String)> {
        each!(self, d => named_keys(d, false))
    }

    /// The columns holding the working copy's keys of items of a kind.
    pub fn draft_key_columns(kind: Kind) -> &'static [&'static str] {
        of_kind!(kind, T => T::DRAFT_KEYS)
    }

    /// The item's keys as a working copy's key columns: (column, value).
    pub fn draft_keys(&self) -> Vec<(&'static str, String)> {
        each!(self, d => named_keys(d, true))
    }

    pub fn to_json(&self) -> AppResult<String> {
        Ok(serde_json::to_string(self)?)
    }

    pub fn from_json(json: &str) -> AppResult<Data> {
        serde_json::from_str(json)
            .map_err(|e| AppError::internal(format!("unreadable item snapshot: {e}")))
    }

    /// The items this one refers to: they must exist.
    pub fn references(&self) -> Vec<Reference> {
        each!(self, d => d.references())
    }

    /// Every rule of the item's type, with field paths under `at`.
    pub fn validate(&self, at: At) -> AppResult<()> {
        each!(self, d => d.validate(at))
    }

    /// The one check of an item about to be stored: texts cleaned, lists
    /// bounded, then every rule (see `ContentType::check`).
    pub fn check(&mut self, at: At, limits: &crate::content::text::TextLimits) -> AppResult<()> {
        each!(self, d => d.check(at, limits))
    }

    /// The row values of the type's content columns.
    pub fn values(&self) -> AppResult<Vec<Value>> {
        each!(self, d => d.values())
    }

    /// Reads an item's published (row) content, children included.
    pub async fn load_row<C: ConnectionTrait>(
        conn: &C,
        kind: Kind,
        row: &QueryResult,
    ) -> AppResult<Data> {
        of_kind!(kind, T => Ok(snapshot::load_row::<T, C>(conn, row).await?.into()))
    }

    /// Inserts a new item's row with the given workflow columns; returns its id.
    pub async fn insert<C: ConnectionTrait>(
        &self,
        conn: &C,
        workflow: Vec<(&'static str, Value)>,
    ) -> AppResult<i32> {
        each!(self, d => snapshot::insert(conn, d, workflow).await)
    }

    /// Writes the item's content into its row and replaces its children.
    pub async fn write_row<C: ConnectionTrait>(&self, conn: &C, id: i32) -> AppResult<()> {
        each!(self, d => snapshot::write_row(conn, id, d).await)
    }

    /// The fields that differ from another snapshot.
    pub fn diff(&self, after: &Data) -> AppResult<Vec<snapshot::FieldDiff>> {
        Ok(snapshot::diff(
            &serde_json::to_value(self)?,
            &serde_json::to_value(after)?,
        ))
    }
}

/// An item's key values, named by its key columns, or by its working copy's
/// (`draft`).
fn named_keys<T: ContentType>(d: &T, draft: bool) -> Vec<(&'static str, String)> {
    let columns = if draft { T::DRAFT_KEYS } else { T::KEYS };
    columns
        .iter()
        .zip(d.key_values())
        .map(|(c, v)| (*c, v.to_string()))
        .collect()
}
