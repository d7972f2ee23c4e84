//! What a content type declares, once, in its own domain folder: its snapshot
//! (every editable field and relation), the row columns it sets, its ordered
//! children, its validation rules, how a working copy overlays its row, its
//! GraphQL input, and its place in the import/export file. The shared machinery
//! (snapshots, the workflow, revisions, the audit log, import and export) is
//! written against these traits, so a field is added in one definition.
//!
//! Each definition destructures its snapshot without `..` wherever it maps
//! fields (row values, overlay, export), so a field added to the snapshot but
//! forgotten in one of them is a compile error, not a silent default.
use super::format::TextBlockIn;
use super::ids::Kind;
use super::listing::{Listing, SortValue};
use super::locale::TranslationMap;
use super::tables::ChildTable;
use crate::error::{AppError, AppResult};
use entity::Status;
use sea_orm::{QueryResult, Value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A titled text block: a country priority or a programme priority area.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "TranslationMap::is_empty")]
    pub translations: TranslationMap,
}

impl Block {
    /// The fields of a block that have translations.
    pub const TRANSLATABLE: &'static [&'static str] = &["title", "body"];

    pub fn from_file(b: &TextBlockIn) -> Block {
        Block {
            title: b.title.clone(),
            body: b.body.clone(),
            translations: b.translations.clone().unwrap_or_default(),
        }
    }

    pub fn to_file(&self) -> TextBlockIn {
        let Block {
            title,
            body,
            translations,
        } = self;
        TextBlockIn {
            title: title.clone(),
            body: body.clone(),
            translations: some_map(translations),
        }
    }
}

/// `None` for an empty translation map, as the file writes it.
pub fn some_map(t: &TranslationMap) -> Option<TranslationMap> {
    (!t.is_empty()).then(|| t.clone())
}

/// `None` for empty text, as the file writes optional text.
pub fn some_text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The model a staff preview shows through a working copy: the given
/// content fields (the copy's), its status and version, and every other
/// workflow column from the row, each named, so a model field the overlay
/// leaves out is a compile error rather than a silent copy of the row's.
macro_rules! overlaid {
    ($($model:ident)::+ { $($field:ident $(: $value:expr)?),* $(,)? }, $row:expr, $copy:expr) => {
        $($model)::+ {
            $($field $(: $value)?,)*
            id: $row.id,
            status: $copy.status,
            version: $copy.version,
            created_at: $row.created_at,
            updated_at: $row.updated_at,
            published_at: $row.published_at,
            draft: $row.draft.clone(),
            draft_status: $row.draft_status,
            draft_version: $row.draft_version,
            scheduled_at: $row.scheduled_at,
            unpublish_at: $row.unpublish_at,
            created_by: $row.created_by.clone(),
            updated_by: $row.updated_by.clone(),
            published_by: $row.published_by.clone(),
            review_comment: $row.review_comment.clone(),
        }
    };
}
pub(crate) use overlaid;

/// The status and version of a working copy, for an overlay.
#[derive(Debug, Clone, Copy)]
pub struct CopyState {
    pub status: Status,
    pub version: i32,
}

/// A column of a raw row.
pub fn col<T: sea_orm::TryGetable>(row: &QueryResult, name: &str) -> AppResult<T> {
    Ok(row.try_get::<T>("", name)?)
}

/// A row's translations column.
pub fn row_translations(row: &QueryResult) -> AppResult<TranslationMap> {
    let json: String = col(row, "translations")?;
    Ok(super::locale::translations_from_json(&json).unwrap_or_default())
}

/// An item's ordered children as read from the database.
#[derive(Debug, Default)]
pub struct Children {
    pub blocks: Vec<Block>,
    pub countries: Vec<i32>,
}

/// Where a field's error is reported: `input.title` in a mutation,
/// `documents[3].title` in an import (the importer adds the item).
#[derive(Debug, Clone, Copy)]
pub struct At(pub &'static str);

impl At {
    /// The path of a mutation's input.
    pub const INPUT: At = At("input");
    /// The path of an imported item's own fields (the importer prefixes the item).
    pub const ITEM: At = At("");

    pub fn field(self, name: &str) -> String {
        if self.0.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.0)
        }
    }
}

/// An item another one refers to: it must exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub kind: Kind,
    pub id: i32,
    /// The field holding it, in the mutation's input.
    pub field: &'static str,
}

/// Where rows of a type name an item of another: `table.column` holds the
/// id of a `kind` (the type's own table, or one of its child tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refers {
    pub kind: Kind,
    pub table: &'static str,
    pub column: &'static str,
}

/// How site search finds items of a type: the column it matches (which has a
/// case-folded copy, `search_text`, on PostgreSQL) and the date its hits are
/// newest first by (by slug without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Searched {
    pub column: &'static str,
    pub date: Option<&'static str>,
}

/// Turns the keys of a file into ids (import) and back (export).
pub trait Keys {
    /// The id of the item of `kind` with this key (slug; for countries also the
    /// ISO code), if the file or the database has it.
    fn id_of(&self, kind: Kind, key: &str) -> Option<i32>;
    /// The key the file names an item by (`None`: not in the file).
    fn key_of(&self, kind: Kind, id: i32) -> Option<String>;
}

/// Resolves a key from a file to an id, naming the field when it is unknown.
pub fn resolve(keys: &dyn Keys, kind: Kind, field: &str, key: &str) -> AppResult<i32> {
    keys.id_of(kind, key).ok_or_else(|| {
        AppError::bad_field(
            field,
            format!(
                "unknown {} {}",
                kind.type_name().to_lowercase(),
                crate::error::quoted(key)
            ),
        )
    })
}

/// Resolves a list of country keys (ISO codes or slugs), in order.
pub fn resolve_countries(keys: &dyn Keys, field: &str, codes: &[String]) -> AppResult<Vec<i32>> {
    codes
        .iter()
        .enumerate()
        .map(|(j, code)| resolve(keys, Kind::Country, &format!("{field}[{j}]"), code))
        .collect()
}

/// One content type's definition. The snapshot type itself implements it.
pub trait ContentType:
    Sized + Clone + Default + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static
{
    const KIND: Kind;
    /// Its table.
    const TABLE: &'static str;
    /// Its plural (`Countries`): cache tags name its lists by it.
    const PLURAL: &'static str;
    /// The column of its title (`name` or `title`).
    const TITLE: &'static str;
    /// Only administrators create, edit or publish it: the site's structure
    /// (regions), not its content.
    const ADMIN_ONLY: bool = false;
    /// The columns by which its rows and child rows name other items: they
    /// keep those items from being deleted.
    const REFERS: &'static [Refers] = &[];
    /// How site search finds it (`None`: search does not list it). Search
    /// lists the types in the registry's order.
    const SEARCHED: Option<Searched> = None;
    /// The type's entity row, read by position ([`decoder!`](super::decode::decoder)).
    type Model: super::decode::Decoded;
    /// Its item in the import/export file ([`file_item!`](crate::file_item)).
    type File: FileItem
        + std::fmt::Debug
        + Default
        + PartialEq
        + Serialize
        + DeserializeOwned
        + Send
        + Sync;
    /// The row columns the snapshot sets, in the order of [`values`](Self::values).
    const COLUMNS: &'static [&'static str];
    /// Its ordered text blocks, if it has any.
    const BLOCKS: Option<ChildTable> = None;
    /// Its ordered country links, if it has any.
    const COUNTRIES: Option<ChildTable> = None;
    /// The fields a translation may set.
    const TRANSLATABLE: &'static [&'static str];
    /// The unique columns, each naming one item (`slug`; countries: `iso2` too).
    const KEYS: &'static [&'static str] = &["slug"];
    /// The columns holding a working copy's [`KEYS`](Self::KEYS), in the same
    /// order (indexed, so a save checks a key with one statement).
    const DRAFT_KEYS: &'static [&'static str] = &["draft_slug"];
    /// The input field of the text blocks (`priorities`), if it has any.
    const BLOCKS_FIELD: &'static str = "";
    /// What its lists are filtered and ordered by, and how it hangs under
    /// its parents' nested lists.
    const LISTING: Listing;

    /// The id a row names in one of the type's [`REFERS`](Self::REFERS)
    /// columns on its own table (`region_id`), if it names one.
    fn referred_id(_m: &Self::Model, _column: &str) -> Option<i32> {
        None
    }
    /// A row's value of a column its listing orders by (`slug` aside, which
    /// every type has): each of [`LISTING`](Self::LISTING)'s orders' columns.
    fn sort_value<'m>(m: &'m Self::Model, column: &str) -> Option<SortValue<'m>>;
    /// The row values of [`COLUMNS`](Self::COLUMNS) (`translations` included).
    fn values(&self) -> AppResult<Vec<Value>>;
    /// The snapshot of a row and its children.
    fn from_row(row: &QueryResult, children: Children) -> AppResult<Self>;
    /// The row as a staff preview shows it through this working copy: the
    /// copy's fields, status and version over the row's workflow columns.
    fn overlay(self, row: &Self::Model, copy: CopyState) -> AppResult<Self::Model>;

    /// An empty item, for a create to fill in.
    fn empty() -> Self {
        Self::default()
    }
    fn slug(&self) -> &str;
    fn translations(&self) -> &TranslationMap;
    fn blocks(&self) -> &[Block] {
        &[]
    }
    fn countries(&self) -> &[i32] {
        &[]
    }
    /// The values of [`KEYS`](Self::KEYS), in order.
    fn key_values(&self) -> Vec<&str> {
        vec![self.slug()]
    }
    /// The key the import file names the item by (a country's ISO code).
    fn file_key(&self) -> &str {
        self.slug()
    }
    /// The items this one refers to.
    fn references(&self) -> Vec<Reference>;
    /// The SHA-256 of the stored file this version names, if any: what keeps
    /// the file from the collector (see `files::collect`).
    fn stored_file(&self) -> Option<&str> {
        None
    }
    /// The type's own rules; [`validate`](Self::validate) adds the shared ones.
    fn rules(&self, at: At) -> AppResult<()>;

    /// The item of a file, its keys resolved; `index` is its place in its list.
    fn from_file(item: &Self::File, keys: &dyn Keys, index: usize) -> AppResult<Self>;
    /// The item as the file writes it (`None` when a required reference is
    /// outside the file, as in a public-only export).
    fn to_file(&self, keys: &dyn Keys) -> Option<Self::File>;

    /// The one check of an item from a mutation or a file: its texts cleaned
    /// (see [`super::text`]: NFC, LF, no control characters, lengths), then
    /// every rule of the type.
    fn check(&mut self, at: At, limits: &super::text::TextLimits) -> AppResult<()> {
        for (field, len) in [
            (Self::BLOCKS_FIELD, self.blocks().len()),
            ("countryIds", self.countries().len()),
        ] {
            if len > limits.list {
                return Err(crate::error::AppError::bad_field(
                    at.field(field),
                    format!("at most {} entries (got {len})", limits.list),
                ));
            }
        }
        super::text::clean_all(self, at.0, limits)?;
        self.validate(at)
    }

    /// Every rule of the type, with field paths under `at`.
    fn validate(&self, at: At) -> AppResult<()> {
        super::validate::slug(&at.field("slug"), self.slug())?;
        self.rules(at)?;
        if let Some(blocks) = Self::BLOCKS.map(|_| self.blocks()) {
            let list = at.field(Self::BLOCKS_FIELD);
            for (i, b) in blocks.iter().enumerate() {
                super::validate::required_text(&format!("{list}[{i}].title"), &b.title)?;
                super::validate::translations(
                    &format!("{list}[{i}].translations"),
                    &b.translations,
                    Block::TRANSLATABLE,
                )?;
            }
        }
        super::validate::translations(
            &at.field("translations"),
            self.translations(),
            Self::TRANSLATABLE,
        )
    }
}

/// The workflow state an item has in a file: its status, and, for a published
/// item, a working copy and a schedule.
pub trait FileItem: Clone {
    fn slug(&self) -> &str;
    fn status(&self) -> Option<Status>;
    fn working_copy(&self) -> Option<&Self>;
    fn scheduled_at(&self) -> Option<chrono::DateTime<chrono::Utc>>;
    fn unpublish_at(&self) -> Option<chrono::DateTime<chrono::Utc>>;
    fn review_comment(&self) -> Option<&str>;
    /// The same item with its workflow state (the exporter sets it).
    fn with_workflow(self, w: FileWorkflow<Self>) -> Self;
}

/// The workflow state the exporter writes beside an item's content.
pub struct FileWorkflow<T> {
    pub status: Status,
    pub working_copy: Option<T>,
    pub scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub unpublish_at: Option<chrono::DateTime<chrono::Utc>>,
    pub review_comment: Option<String>,
}

/// A model row's translations, for overlays.
pub fn translations_json(t: &TranslationMap) -> AppResult<String> {
    super::locale::translations_to_json(Some(t))
}
