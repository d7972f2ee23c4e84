//! Cache tags: what content a response holds, named so that a CDN (`Cache-Tag`,
//! `Surrogate-Key`) and the response cache can drop exactly the answers a change
//! touches. Every resolver and loader that reads content records what it read in
//! the request's [`Tags`].
//!
//! | tag | in a response that holds |
//! | --- | --- |
//! | `Country:12` | the item (the decoded global id: base64url of its `id`) |
//! | `Countries` | a top-level list of the type, or a lookup that found nothing |
//! | `Country:12/Documents` | the nested list of a type under an item |
//! | `Search` | search results |
use super::ids::Kind;
use super::list::Row;
use std::collections::HashSet;
use std::fmt::{self, Display, Formatter};
use std::sync::{Arc, Mutex};

/// One cache tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tag {
    /// An item.
    Item(Kind, i32),
    /// The top-level lists of a type (and lookups that found nothing).
    List(Kind),
    /// The nested list of `.2` under the item `.0:.1`.
    Under(Kind, i32, Kind),
    /// Search results.
    Search,
}

impl Tag {
    /// A tag from its text (as [`Display`] writes it).
    pub fn parse(text: &str) -> Option<Tag> {
        if text == "Search" {
            return Some(Tag::Search);
        }
        if let Some(kind) = Kind::ALL.iter().copied().find(|k| k.plural() == text) {
            return Some(Tag::List(kind));
        }
        let (item, under) = match text.split_once('/') {
            Some((item, list)) => (item, Some(list)),
            None => (text, None),
        };
        let (name, id) = item.split_once(':')?;
        let kind = Kind::from_type_name(name)?;
        let id: i32 = id.parse().ok()?;
        match under {
            None => Some(Tag::Item(kind, id)),
            Some(list) => {
                let listed = Kind::ALL.iter().copied().find(|k| k.plural() == list)?;
                Some(Tag::Under(kind, id, listed))
            }
        }
    }
}

impl Display for Tag {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Tag::Item(kind, id) => write!(f, "{}:{id}", kind.type_name()),
            Tag::List(kind) => f.write_str(kind.plural()),
            Tag::Under(parent, id, kind) => {
                write!(f, "{}:{id}/{}", parent.type_name(), kind.plural())
            }
            Tag::Search => f.write_str("Search"),
        }
    }
}

/// The tags one request collects, shared by its resolvers and loaders.
#[derive(Clone, Debug, Default)]
pub struct Tags(Arc<Mutex<HashSet<Tag>>>);

impl Tags {
    pub fn add(&self, tag: Tag) {
        if let Ok(mut set) = self.0.lock() {
            set.insert(tag);
        }
    }

    /// Tags the items of these rows.
    pub fn add_rows<'a>(&self, rows: impl IntoIterator<Item = &'a Row>) {
        if let Ok(mut set) = self.0.lock() {
            set.extend(rows.into_iter().map(|r| Tag::Item(r.kind(), r.id())));
        }
    }

    /// Tags the items of a type with these ids.
    pub fn add_items(&self, kind: Kind, ids: impl IntoIterator<Item = i32>) {
        if let Ok(mut set) = self.0.lock() {
            set.extend(ids.into_iter().map(|id| Tag::Item(kind, id)));
        }
    }

    /// The tags, sorted.
    pub fn sorted(&self) -> Vec<Tag> {
        let mut tags: Vec<Tag> = self
            .0
            .lock()
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default();
        tags.sort_unstable();
        tags
    }
}

/// The tags as a header value, joined by `sep`, within `max_bytes`. When the
/// tags do not fit, each type's items and nested lists are named by its list tag
/// instead (every change of an item purges its type's list tag too, so the
/// answer is still purged when it should be, only more often); those few tags
/// (at most the four types and `Search`) fit any sane limit.
pub fn header_value(tags: &[Tag], sep: char, max_bytes: usize) -> String {
    let join = |tags: &mut dyn Iterator<Item = Tag>| {
        use std::fmt::Write;
        let mut out = String::with_capacity(16 * tags.size_hint().0);
        for t in tags {
            if !out.is_empty() {
                out.push(sep);
            }
            let _ = write!(out, "{t}");
        }
        out
    };
    let full = join(&mut tags.iter().copied());
    if full.len() <= max_bytes {
        return full;
    }
    let mut folded: Vec<Tag> = tags
        .iter()
        .map(|t| match t {
            Tag::Item(kind, _) | Tag::Under(_, _, kind) => Tag::List(*kind),
            other => *other,
        })
        .collect();
    folded.sort_unstable();
    folded.dedup();
    join(&mut folded.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_as_documented_and_fold_when_too_long() {
        let tags = [
            Tag::Item(Kind::Country, 12),
            Tag::List(Kind::Document),
            Tag::Under(Kind::Country, 12, Kind::Document),
            Tag::Search,
        ];
        assert_eq!(
            header_value(&tags, ',', 1000),
            "Country:12,Documents,Country:12/Documents,Search"
        );
        for t in tags {
            assert_eq!(Tag::parse(&t.to_string()), Some(t));
        }
        assert_eq!(Tag::parse("Country:x"), None);
        assert_eq!(Tag::parse("Country:1/Nope"), None);
        let mut many: Vec<Tag> = (0..100).map(|i| Tag::Item(Kind::Document, i)).collect();
        many.extend((0..100).map(|i| Tag::Under(Kind::Country, i, Kind::Programme)));
        assert_eq!(header_value(&many, ' ', 100), "Programmes Documents");
    }

    #[test]
    fn no_tag_holds_a_separator() {
        // The HTTP layer writes Surrogate-Key by replacing Cache-Tag's commas.
        // A new kind of tag must be listed below: this match has no wildcard.
        let _listed = |t: Tag| match t {
            Tag::Item(..) | Tag::List(_) | Tag::Under(..) | Tag::Search => (),
        };
        for k in Kind::ALL.iter().copied() {
            for t in [Tag::Item(k, -7), Tag::List(k), Tag::Search]
                .into_iter()
                .chain(Kind::ALL.iter().map(|p| Tag::Under(*p, 123, k)))
            {
                let text = t.to_string();
                assert!(!text.contains([',', ' ']), "{text}");
            }
        }
        let tags = [Tag::Item(Kind::Region, 1), Tag::List(Kind::Country)];
        assert_eq!(
            header_value(&tags, ',', 100).replace(',', " "),
            header_value(&tags, ' ', 100)
        );
    }
}
