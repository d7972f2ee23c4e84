//! Who is asking. Every read path takes the viewer explicitly, so one rule decides
//! what the public sees: published content only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// A partner site or anyone without a token.
    #[default]
    Anonymous,
}

impl Viewer {
    /// Writes the visibility condition for the content table aliased `alias`.
    /// Status is a literal, not a bound value, so PostgreSQL plans it once.
    pub fn visible_sql(&self, alias: &str) -> String {
        match self {
            Viewer::Anonymous => format!("{alias}.status = 'PUBLISHED'"),
        }
    }
}
