//! What the content types' GraphQL inputs share: text blocks, money, ids of a
//! given kind, list-length checks, and how a given field changes a snapshot.
use super::connection::ConnectionNode;
use crate::content::locale::TranslationMap;
use crate::content::model::{Block, ContentType};
use crate::content::{GlobalId, Kind};
use crate::error::{AppError, AppResult};
use async_graphql::{InputObject, Json, MaybeUndefined, ID};

/// A titled text block (country priority, programme priority area). Lists of
/// them replace the whole list, in the order given: add, remove or reorder by
/// sending the new list.
#[derive(InputObject, Clone)]
pub struct TextBlockInput {
    /// Title (default locale), required.
    pub title: String,
    /// Body (markdown, default locale).
    pub body: Option<String>,
    /// Other locales: `{"fi": {"title": "...", "body": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

/// The blocks of a list input, in order.
pub fn blocks(input: Vec<TextBlockInput>) -> Vec<Block> {
    input
        .into_iter()
        .map(|b| Block {
            title: b.title,
            body: b.body.unwrap_or_default(),
            translations: b.translations.map(|j| j.0).unwrap_or_default(),
        })
        .collect()
}

/// An exact amount of money.
#[derive(InputObject, Clone)]
pub struct MoneyInput {
    /// Decimal amount as a string, at most two decimals (e.g. `"57000000.00"`).
    pub amount: String,
    /// ISO 4217 code (e.g. `EUR`).
    pub currency: String,
}

/// Decodes an id that must be of one kind.
pub fn id_of(id: &ID, kind: Kind, field: &str) -> AppResult<i32> {
    let gid = GlobalId::decode(id).map_err(|_| {
        AppError::bad_field(
            field,
            format!("malformed id {}", crate::error::quoted(id.as_str())),
        )
    })?;
    if gid.kind != kind {
        return Err(AppError::bad_field(
            field,
            format!("expected the id of a {}", kind.type_name()),
        ));
    }
    Ok(gid.id)
}

/// Decodes a list of ids of one kind, naming the entry that is wrong.
pub fn ids_of(ids: &[ID], kind: Kind, field: &str) -> AppResult<Vec<i32>> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| id_of(id, kind, &format!("{field}[{i}]")))
        .collect()
}

/// A list input longer than the configured maximum (`CMS_MAX_LIST_LENGTH`) is
/// BAD_USER_INPUT naming the field, before anything else looks at it.
pub fn check_list<T>(field: &str, list: Option<&Vec<T>>, max: usize) -> AppResult<()> {
    match list {
        Some(l) if l.len() > max => Err(AppError::bad_field(
            field,
            format!("at most {max} entries, got {}", l.len()),
        )),
        _ => Ok(()),
    }
}

/// A required field: a given value replaces the old one.
pub fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

/// An optional text field: `null` or blank text clears it.
pub fn set_opt(target: &mut Option<String>, value: MaybeUndefined<String>) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) if v.trim().is_empty() => *target = None,
        MaybeUndefined::Value(v) => *target = Some(v),
    }
}

/// An optional text field kept as `''` when empty: `null` or blank text clears it.
pub fn set_text(target: &mut String, value: MaybeUndefined<String>) {
    let mut opt = Some(std::mem::take(target)).filter(|s| !s.is_empty());
    set_opt(&mut opt, value);
    *target = opt.unwrap_or_default();
}

/// Translations given as JSON.
pub fn set_translations(target: &mut TranslationMap, value: Option<Json<TranslationMap>>) {
    set(target, value.map(|j| j.0));
}

/// A content type's GraphQL input: how it is checked and applied to the
/// snapshot, for both create (applied to an empty snapshot) and update.
pub trait ContentInput: Send + Sync {
    type Content: ContentType;
    /// The GraphQL node a mutation returns.
    type Node: ConnectionNode;
    /// List inputs longer than `max` are refused before anything else.
    fn check_lists(&self, _max: usize) -> AppResult<()> {
        Ok(())
    }
    /// Applies the given fields; the others keep their values.
    fn apply(self, data: &mut Self::Content) -> AppResult<()>;
}
