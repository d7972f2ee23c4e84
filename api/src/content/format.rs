//! What the items of the import/export file share: text blocks, money, and the
//! workflow fields every item has ([`file_item!`]). Each content type's item is
//! defined with the type (`documents/content.rs`, ...); the file itself is
//! `import::format::Dataset`.
use crate::content::locale::TranslationMap;
use serde::{Deserialize, Serialize};

/// A titled text block: a country priority or a programme priority area.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextBlockIn {
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoneyIn {
    pub amount: String,
    pub currency: String,
}

/// The workflow fields every item of the file has, read and written the same way.
#[macro_export]
macro_rules! file_item {
    ($($ty:ident),*) => {$(
        impl $crate::content::model::FileItem for $ty {
            fn slug(&self) -> &str {
                &self.slug
            }
            fn status(&self) -> Option<entity::Status> {
                self.status
            }
            fn working_copy(&self) -> Option<&Self> {
                self.working_copy.as_deref()
            }
            fn scheduled_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
                self.scheduled_at
            }
            fn review_comment(&self) -> Option<&str> {
                self.review_comment.as_deref()
            }
            fn with_workflow(self, w: $crate::content::model::FileWorkflow<Self>) -> Self {
                $ty {
                    status: Some(w.status),
                    working_copy: w.working_copy.map(Box::new),
                    scheduled_at: w.scheduled_at,
                    review_comment: w.review_comment,
                    ..self
                }
            }
        }
    )*};
}
