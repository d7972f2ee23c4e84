//! What a content type's lists declare (its [`Listing`]): the orderings, the
//! filterable columns, how filters reach a row, and its place indexes. Each
//! type declares one in its definition; the list engine ([`super::list`]) and
//! the place indexes' upkeep ([`super::place_index`]) read it.
use super::ids::Kind;
use super::tables::{ChildTable, Via};
use chrono::NaiveDate;

/// What a content type's lists can be filtered and ordered by, declared once in
/// the type's definition (`ContentType::LISTING`); the list engine has no
/// per-type code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Listing {
    pub kind: Kind,
    /// How `filter.region` reaches a row.
    pub region: Option<Via>,
    /// How `filter.country` reaches a row, and how a country's nested list of
    /// this type is found.
    pub country: Option<Via>,
    /// The column naming a row's programme: `filter.programme`, and a
    /// programme's nested list.
    pub programme: Option<&'static str>,
    /// Row columns a filter may compare, with their types: text for
    /// `Cond::Equals`, dates for `Cond::From` and `Cond::To`.
    pub columns: &'static [(&'static str, Scalar)],
    /// The orderings its lists take.
    pub orders: &'static [Order],
    /// Its public rows per region and per country, when they reach them
    /// through country links: a region's public pages, and a country's nested
    /// ones, walk them.
    pub places: &'static [PlaceIndex],
}

impl Listing {
    /// Its index by `place` (a region or a country), if it has one.
    pub fn place_index(&self, place: Place) -> Option<&'static PlaceIndex> {
        self.places.iter().find(|i| i.place == place)
    }

    /// How a nested list of this type hangs off a parent of `parent` kind: a
    /// foreign key, or (under a country) the country links.
    pub fn under(&self, parent: Kind) -> Option<Via> {
        match parent {
            Kind::Region => self.region.filter(|v| matches!(v, Via::Column(_))),
            Kind::Country => self.country,
            Kind::Programme => self.programme.map(Via::Column),
            Kind::Document => None,
        }
    }
}

/// Orderings. Each ends with a unique column, so keyset pages never skip or repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    Position,
    Name,
    Slug,
    Iso2,
    PeriodStartAsc,
    PeriodStartDesc,
    Title,
    PublishedOnDesc,
    PublishedOnAsc,
    BudgetDesc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

/// The SQL type of a column a list orders or filters by, for binding values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    Int,
    BigInt,
    Text,
    Date,
}

impl Order {
    pub fn name(self) -> &'static str {
        match self {
            Order::Position => "POSITION",
            Order::Name => "NAME",
            Order::Slug => "SLUG",
            Order::Iso2 => "ISO2",
            Order::PeriodStartAsc => "PERIOD_START_ASC",
            Order::PeriodStartDesc => "PERIOD_START_DESC",
            Order::Title => "TITLE",
            Order::PublishedOnDesc => "PUBLISHED_ON_DESC",
            Order::PublishedOnAsc => "PUBLISHED_ON_ASC",
            Order::BudgetDesc => "BUDGET_DESC",
        }
    }

    /// The names of its columns, in order.
    pub fn column_names(self) -> impl Iterator<Item = &'static str> {
        self.columns().iter().map(|(c, _, _)| *c)
    }

    pub fn columns(self) -> &'static [(&'static str, Dir, Scalar)] {
        use Dir::*;
        use Scalar::*;
        match self {
            Order::Position => &[("position", Asc, Int), ("slug", Asc, Text)],
            Order::Name => &[("name", Asc, Text), ("slug", Asc, Text)],
            Order::Slug => &[("slug", Asc, Text)],
            Order::Iso2 => &[("iso2", Asc, Text)],
            Order::PeriodStartAsc => &[("period_start", Asc, Int), ("slug", Asc, Text)],
            Order::PeriodStartDesc => &[("period_start", Desc, Int), ("slug", Asc, Text)],
            Order::Title => &[("title", Asc, Text), ("slug", Asc, Text)],
            Order::PublishedOnDesc => &[("published_on", Desc, Date), ("slug", Asc, Text)],
            Order::PublishedOnAsc => &[("published_on", Asc, Date), ("slug", Asc, Text)],
            Order::BudgetDesc => &[("budget_cents", Desc, BigInt), ("slug", Asc, Text)],
        }
    }
}

/// A type's index of its public rows by place, declared in its [`Listing`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlaceIndex {
    /// The table: the place's id (`region_id` or `country_id`), `owner`, then
    /// `columns`.
    pub table: &'static str,
    /// What it lists by.
    pub place: Place,
    /// The column naming the listed row.
    pub owner: &'static str,
    /// The links through which a row reaches its countries (and their regions).
    pub links: ChildTable,
    /// The row's columns copied into the index: those of `orders`.
    pub columns: &'static [&'static str],
    /// The orderings a page walks off the index (forward and backward).
    pub orders: &'static [Order],
}

impl PlaceIndex {
    /// The table's column naming the place.
    pub fn place_column(&self) -> &'static str {
        match self.place {
            Place::Region => "region_id",
            Place::Country => "country_id",
        }
    }

    /// The place of a linked country `c`.
    pub fn place_of_country(&self) -> &'static str {
        match self.place {
            Place::Region => "c.region_id",
            Place::Country => "c.id",
        }
    }

    /// Whether a page in `order` can walk it.
    pub fn walks(&self, order: Order) -> bool {
        self.orders.contains(&order) && order.column_names().all(|c| self.columns.contains(&c))
    }
}

/// What a place index lists by: a region or a country.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    Region,
    Country,
}

/// A row's value of an ordering column, borrowed from the row (for its cursor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortValue<'a> {
    Int(i64),
    Text(&'a str),
    Date(NaiveDate),
}
