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

/// Defines an item of the file: the given struct with the workflow fields every
/// item has (`status`, `scheduledAt`, `unpublishAt`, `reviewComment`,
/// `workingCopy`), and its
/// [`FileItem`](crate::content::model::FileItem) implementation.
#[macro_export]
macro_rules! file_item {
    ($(#[$meta:meta])* pub struct $ty:ident { $($(#[$fmeta:meta])* pub $field:ident: $fty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $ty {
            $($(#[$fmeta])* pub $field: $fty,)*
            /// DRAFT, IN_REVIEW, PUBLISHED (default) or ARCHIVED.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub status: Option<entity::Status>,
            /// When an IN_REVIEW item (or working copy) is to be published.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
            /// When a PUBLISHED item is to be taken off the public site.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub unpublish_at: Option<chrono::DateTime<chrono::Utc>>,
            /// A rejection's comment for the editor.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub review_comment: Option<String>,
            /// A published item's unpublished changes: the whole item as editors
            /// see it, with its own `status` (DRAFT or IN_REVIEW).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub working_copy: Option<Box<Self>>,
        }

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
            fn unpublish_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
                self.unpublish_at
            }
            fn review_comment(&self) -> Option<&str> {
                self.review_comment.as_deref()
            }
            fn with_workflow(self, w: $crate::content::model::FileWorkflow<Self>) -> Self {
                $ty {
                    status: Some(w.status),
                    working_copy: w.working_copy.map(Box::new),
                    scheduled_at: w.scheduled_at,
                    unpublish_at: w.unpublish_at,
                    review_comment: w.review_comment,
                    ..self
                }
            }
        }
    };
}
