//! What a read may see. Every read path takes the visibility explicitly, so one
//! rule decides what the public sees: published content only. Staff asking with
//! `preview: true` see every item, working copies included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Partner sites, anyone without a token, and staff without `preview`.
    #[default]
    Public,
    /// Staff with `preview: true`: every status, and working copies over the
    /// published rows.
    Preview,
}

/// The table aliases the list engine's SQL uses: `t` the listed table, `c` a
/// country, `p` a programme, `r` a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alias {
    T,
    C,
    P,
    R,
}

impl Visibility {
    /// The visibility condition for the content table aliased `alias`. Status
    /// is a literal, not a bound value, so PostgreSQL plans it once.
    pub fn visible_sql(&self, alias: Alias) -> &'static str {
        use Alias::*;
        match (self, alias) {
            (Visibility::Public, T) => "t.status = 'PUBLISHED'",
            (Visibility::Public, C) => "c.status = 'PUBLISHED'",
            (Visibility::Public, P) => "p.status = 'PUBLISHED'",
            (Visibility::Public, R) => "r.status = 'PUBLISHED'",
            (Visibility::Preview, T) => "t.id IS NOT NULL",
            (Visibility::Preview, C) => "c.id IS NOT NULL",
            (Visibility::Preview, P) => "p.id IS NOT NULL",
            (Visibility::Preview, R) => "r.id IS NOT NULL",
        }
    }

    pub fn is_preview(self) -> bool {
        self == Visibility::Preview
    }
}

/// The visibility a query's `preview` argument asks for. Preview reads need a
/// staff token: without one the loaders refuse them (UNAUTHENTICATED).
pub fn vis(preview: Option<bool>) -> Visibility {
    if preview == Some(true) {
        Visibility::Preview
    } else {
        Visibility::Public
    }
}
