//! A list's filter: conditions on places, programmes, columns and statuses. The
//! GraphQL filter inputs of each domain build them; the list engine turns them
//! into SQL through the listed type's declaration; the count cache keys on them.
use super::ids::Kind;
use chrono::NaiveDate;

/// One condition of a list filter. The GraphQL filter inputs of each domain
/// build them; what they reach through comes from the type's [`Listing`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// In the region with this slug.
    Region(String),
    /// Concerning the country with this ISO code or slug.
    Country(String),
    /// Of the programme with this slug.
    Programme(String),
    /// A text column of the row equals the value.
    Equals(&'static str, String),
    /// A text column of the row matches this `LIKE` pattern (its `%`, `_` and `\`
    /// already escaped by [`contains_pattern`]), case-insensitively.
    Contains(&'static str, String),
    /// A date column of the row is on or after the date.
    From(&'static str, NaiveDate),
    /// A date column of the row is on or before the date.
    To(&'static str, NaiveDate),
    /// The workflow status is one of these (the working copy's in a preview).
    Status(Vec<entity::Status>),
}

/// A list's filter: every condition must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filter(Vec<Cond>);

impl Filter {
    /// Its conditions, in the order they were added.
    pub fn conds(&self) -> &[Cond] {
        &self.0
    }

    /// The types of the items its conditions name by key (a region, a country, a
    /// programme): the list changes when one of them is published or hidden. A
    /// region also reaches its countries (through whose links programmes and
    /// documents join it), so it names both.
    pub fn refers_to(&self) -> impl Iterator<Item = Kind> + '_ {
        self.0
            .iter()
            .flat_map(|c| match c {
                Cond::Region(_) => &[Kind::Region, Kind::Country][..],
                Cond::Country(_) => &[Kind::Country][..],
                Cond::Programme(_) => &[Kind::Programme][..],
                _ => &[][..],
            })
            .copied()
    }

    /// Adds a condition when the client gave one.
    pub fn and(mut self, cond: Option<Cond>) -> Filter {
        self.0.extend(cond);
        self
    }

    /// The heap bytes it holds (what a cache keyed by it is charged).
    pub fn heap_bytes(&self) -> usize {
        let conds = self.0.capacity() * std::mem::size_of::<Cond>();
        let inner: usize = self
            .0
            .iter()
            .map(|c| match c {
                Cond::Region(s)
                | Cond::Country(s)
                | Cond::Programme(s)
                | Cond::Equals(_, s)
                | Cond::Contains(_, s) => s.capacity(),
                Cond::Status(s) => s.capacity() * std::mem::size_of::<entity::Status>(),
                Cond::From(..) | Cond::To(..) => 0,
            })
            .sum();
        conds + inner
    }

    /// Drops spare capacity, so a cached key is charged only what it needs.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
        for c in &mut self.0 {
            match c {
                Cond::Region(s)
                | Cond::Country(s)
                | Cond::Programme(s)
                | Cond::Equals(_, s)
                | Cond::Contains(_, s) => s.shrink_to_fit(),
                Cond::Status(s) => s.shrink_to_fit(),
                Cond::From(..) | Cond::To(..) => {}
            }
        }
    }
}

/// The `LIKE` pattern of a text containing `text`: `%text%`, with `%`, `_` and
/// `\` escaped (the statement says `ESCAPE '\'`).
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

impl From<Vec<Cond>> for Filter {
    fn from(conds: Vec<Cond>) -> Filter {
        Filter(conds)
    }
}
