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

impl Visibility {
    /// Writes the visibility condition for the content table aliased `alias`.
    /// Status is a literal, not a bound value, so PostgreSQL plans it once.
    pub fn visible_sql(&self, alias: &str) -> String {
        match self {
            Visibility::Public => format!("{alias}.status = 'PUBLISHED'"),
            Visibility::Preview => format!("{alias}.id IS NOT NULL"),
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
