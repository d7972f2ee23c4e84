//! The catalog of content types: every type the CMS has, in one enum, for the
//! machinery that handles any item (the workflow, revisions, the audit log,
//! import and export). Each type's fields are defined in its own domain folder
//! (`regions/content.rs`, ...); this file only lists them, so adding a type adds
//! one line to [`catalog!`]: (variant, snapshot type, list of the import file).
use crate::content::decode::{self, Decoded};
use crate::content::listing::{Listing, SortValue};
use crate::content::model::{At, ContentType, Reference, Refers, Searched};
use crate::content::snapshot;
use crate::content::tables::ChildTable;
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
    ($dollar:tt $($variant:ident($ty:ty, $list:ident)),* $(,)?) => {
        /// A content type: one variant per line of the registry, in its order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $($variant,)*
        }

        /// A content row of any type, as the list engine and the loaders read it.
        #[derive(Clone, Debug)]
        pub enum Row {
            $($variant(std::sync::Arc<<$ty as ContentType>::Model>),)*
        }

        impl Row {
            pub fn kind(&self) -> Kind {
                match self {
                    $(Row::$variant(_) => Kind::$variant,)*
                }
            }

            pub fn id(&self) -> i32 {
                match self {
                    $(Row::$variant(m) => m.id(),)*
                }
            }

            pub fn slug(&self) -> &str {
                match self {
                    $(Row::$variant(m) => m.slug(),)*
                }
            }

            /// The id the row names in one of its type's own [`ContentType::REFERS`]
            /// columns (a country's `region_id`).
            pub fn referred_id(&self, column: &str) -> Option<i32> {
                match self {
                    $(Row::$variant(m) => <$ty as ContentType>::referred_id(m, column),)*
                }
            }

            /// The row's value of an ordering column of its type's listing.
            pub fn sort_value(&self, column: &str) -> Option<SortValue<'_>> {
                if column == "slug" {
                    return Some(SortValue::Text(self.slug()));
                }
                match self {
                    $(Row::$variant(m) => <$ty as ContentType>::sort_value(m, column),)*
                }
            }
        }

        impl Kind {
            /// Decodes rows of this type (see [`decode::rows`]).
            pub fn rows(self, raw: &[QueryResult]) -> AppResult<Vec<Row>> {
                self.decode(raw, true)
            }

            /// Decodes rows of this type by name ([`decode::rows_by_name`]).
            pub fn rows_by_name(self, raw: &[QueryResult]) -> AppResult<Vec<Row>> {
                self.decode(raw, false)
            }

            fn decode(self, raw: &[QueryResult], by_position: bool) -> AppResult<Vec<Row>> {
                Ok(match self {
                    $(Kind::$variant => {
                        type M = <$ty as ContentType>::Model;
                        let models = if by_position {
                            decode::rows::<M>(raw)?
                        } else {
                            decode::rows_by_name::<M>(raw)?
                        };
                        models.into_iter().map(Row::$variant).collect()
                    })*
                })
            }
        }

        /// The import/export file: one list per content type, named as the
        /// registry names it.
        #[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct Dataset {
            $(
                #[serde(default)]
                pub $list: Vec<<$ty as ContentType>::File>,
            )*
        }

        /// A number per list of the file (what an import wrote).
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct FileCounts {
            $(pub $list: usize,)*
        }

        impl std::fmt::Display for FileCounts {
            /// `regions: 4, countries: 12, ...`, in the registry's order.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let parts: Vec<String> = vec![
                    $(format!("{}: {}", stringify!($list), self.$list),)*
                ];
                f.write_str(&parts.join(", "))
            }
        }

        impl Dataset {
            /// How many items each list holds.
            pub fn counts(&self) -> FileCounts {
                FileCounts {
                    $($list: self.$list.len(),)*
                }
            }

            /// Hands each list to `sink`, in the registry's order (an import:
            /// referred types come first); returns what it counted of each.
            pub async fn write_each<S: ListSink>(&self, sink: &mut S) -> AppResult<FileCounts> {
                Ok(FileCounts {
                    $($list: sink.list::<$ty>(&self.$list).await?,)*
                })
            }

            /// A file of the lists `source` gives, in the registry's order.
            pub async fn read_each<S: ListSource>(source: &mut S) -> AppResult<Dataset> {
                Ok(Dataset {
                    $($list: source.list::<$ty>().await?,)*
                })
            }
        }

        impl Kind {
            /// The name of its list in the import file (`countries`).
            pub fn file_list(self) -> &'static str {
                match self {
                    $(Kind::$variant => stringify!($list),)*
                }
            }
        }

        impl Kind {
            /// Every content type, in the registry's order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The GraphQL type's name (`Country`), which global ids and cache
            /// tags use too.
            pub fn type_name(self) -> &'static str {
                match self {
                    $(Kind::$variant => stringify!($variant),)*
                }
            }
        }

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
    Region(RegionData, regions),
    Country(CountryData, countries),
    Programme(ProgrammeData, programmes),
    Document(DocumentData, documents),
);

/// What an import does with each list of a file (see [`Dataset::write_each`]).
/// Only this crate implements it, on futures it awaits itself.
#[allow(async_fn_in_trait)]
pub trait ListSink {
    /// Writes the items of one type; returns how many.
    async fn list<T: ContentType + Into<Data>>(&mut self, items: &[T::File]) -> AppResult<usize>;
}

/// Where an export reads each list of a file from (see [`Dataset::read_each`]).
#[allow(async_fn_in_trait)]
pub trait ListSource {
    /// The items of one type, as the file writes them.
    async fn list<T: ContentType + Into<Data>>(&mut self) -> AppResult<Vec<T::File>>;
}

/// The facts of a content type, each read from its definition
/// ([`ContentType`]): nothing about a type is declared twice.
impl Kind {
    /// The type named `name` (as [`Kind::type_name`] writes it).
    pub fn from_type_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.type_name() == name)
    }

    /// Its table.
    pub fn table(self) -> &'static str {
        of_kind!(self, T => T::TABLE)
    }

    /// Its plural, as cache tags and the import file's lists name it.
    pub fn plural(self) -> &'static str {
        of_kind!(self, T => T::PLURAL)
    }

    /// The table of its ordered text blocks, if it has them.
    pub fn blocks(self) -> Option<ChildTable> {
        of_kind!(self, T => T::BLOCKS)
    }

    /// The field (of its input and its GraphQL node) that holds its blocks.
    pub fn blocks_field(self) -> Option<&'static str> {
        of_kind!(self, T => T::BLOCKS.map(|_| T::BLOCKS_FIELD))
    }

    /// The table of its ordered country links, if it has them.
    pub fn countries(self) -> Option<ChildTable> {
        of_kind!(self, T => T::COUNTRIES)
    }

    /// Its unique columns, each naming one item.
    pub fn keys(self) -> &'static [&'static str] {
        of_kind!(self, T => T::KEYS)
    }

    /// What its lists are filtered and ordered by.
    pub fn listing(self) -> Listing {
        of_kind!(self, T => T::LISTING)
    }

    /// Where rows of other types name an item of this one: (table, column),
    /// from every type's [`ContentType::REFERS`].
    pub fn referred_from(self) -> Vec<(&'static str, &'static str)> {
        Kind::ALL
            .iter()
            .flat_map(|k| k.refers())
            .filter(|r| r.kind == self)
            .map(|r| (r.table, r.column))
            .collect()
    }

    /// The column of its title (`name` or `title`), which the editorial
    /// queue shows.
    pub fn title_column(self) -> &'static str {
        of_kind!(self, T => T::TITLE)
    }

    /// Only administrators create, edit or publish it (the site's structure).
    pub fn admin_only(self) -> bool {
        of_kind!(self, T => T::ADMIN_ONLY)
    }

    /// How site search finds it, if it does.
    pub fn searched(self) -> Option<Searched> {
        of_kind!(self, T => T::SEARCHED)
    }

    /// The columns by which its rows (or its child rows) name other items.
    pub fn refers(self) -> &'static [Refers] {
        of_kind!(self, T => T::REFERS)
    }
}

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

    /// The stored file this version names (a document's), if any.
    pub fn stored_file(&self) -> Option<&str> {
        each!(self, d => d.stored_file())
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

#[cfg(test)]
mod counts {
    use super::FileCounts;

    #[test]
    fn counts_print_every_list_in_the_registrys_order() {
        let counts = FileCounts {
            regions: 1,
            countries: 5,
            programmes: 1,
            documents: 4,
        };
        assert_eq!(
            counts.to_string(),
            "regions: 1, countries: 5, programmes: 1, documents: 4"
        );
    }
}
