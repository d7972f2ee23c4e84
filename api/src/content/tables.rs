//! How content tables hang together: the child tables a content type owns, and
//! the paths by which its rows reach a region, a country or a programme. Plain
//! `&'static str` names from each type's definition, so SQL is assembled from
//! them and never from client text.

/// A child table of a content type: its name and the column naming the owner.
/// Rows are ordered by a 1-based `position`, the same whoever writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildTable {
    pub table: &'static str,
    pub owner: &'static str,
}

/// How a content type's rows reach a region, a country or a programme: the
/// filters on them and the nested lists under them both go this way. Part of each
/// type's [`Listing`](super::list::Listing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// A foreign key on the row itself (`t.region_id`, `t.programme_id`).
    Column(&'static str),
    /// The type's country links: rows linked to a (visible) matching country.
    Countries(ChildTable),
}
