//! The import/export JSON format: the one `cms generate` (and the team's reference
//! generator) writes, plus optional fields for what the generator does not write
//! (context, priorities, support measures, translations, categories, status, file
//! metadata), and the workflow state an export writes: each item's status, the
//! working copy of a published item with unpublished changes, a scheduled
//! publication and a rejection's comment.
use crate::content::locale::TranslationMap;
use crate::content::model::{FileItem, FileWorkflow};
use chrono::{DateTime, Utc};
use entity::Status;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    #[serde(default)]
    pub regions: Vec<RegionIn>,
    #[serde(default)]
    pub countries: Vec<CountryIn>,
    #[serde(default)]
    pub programmes: Vec<ProgrammeIn>,
    #[serde(default)]
    pub documents: Vec<DocumentIn>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionIn {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// When an IN_REVIEW item (or working copy) is to be published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// A rejection's comment for the editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    /// A published item's unpublished changes: the whole item as editors see
    /// it, with its own `status` (DRAFT or IN_REVIEW).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_copy: Option<Box<Self>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
}

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
#[serde(rename_all = "camelCase")]
pub struct CountryIn {
    pub slug: String,
    pub name: String,
    pub iso2: String,
    /// Region slug.
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priorities: Option<Vec<TextBlockIn>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_measures: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// When an IN_REVIEW item (or working copy) is to be published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// A rejection's comment for the editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    /// A published item's unpublished changes: the whole item as editors see
    /// it, with its own `status` (DRAFT or IN_REVIEW).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_copy: Option<Box<Self>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoneyIn {
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeIn {
    pub slug: String,
    pub title: String,
    /// MIP, ANNUAL_ACTION_PLAN, SUPPORT_MEASURE or OTHER.
    pub kind: String,
    /// Country ISO codes (or slugs).
    pub countries: Vec<String>,
    pub period_start: i32,
    pub period_end: i32,
    /// Budget in euros, as the generator writes it ("57000000.00").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_eur: Option<String>,
    /// Budget in any currency; use instead of `budgetEur` for other currencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<MoneyIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default)]
    pub priority_areas: Vec<TextBlockIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// When an IN_REVIEW item (or working copy) is to be published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// A rejection's comment for the editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    /// A published item's unpublished changes: the whole item as editors see
    /// it, with its own `status` (DRAFT or IN_REVIEW).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_copy: Option<Box<Self>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentIn {
    pub slug: String,
    pub title: String,
    /// YYYY-MM-DD.
    pub published_on: String,
    /// ISO 639-1.
    pub language: String,
    /// PDF, ZIP, DOCX, ...
    pub format: String,
    pub size_bytes: i64,
    /// Country ISO codes (or slugs).
    pub countries: Vec<String>,
    /// Programme slug.
    #[serde(default)]
    pub programme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// When an IN_REVIEW item (or working copy) is to be published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// A rejection's comment for the editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    /// A published item's unpublished changes: the whole item as editors see
    /// it, with its own `status` (DRAFT or IN_REVIEW).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_copy: Option<Box<Self>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<TranslationMap>,
}

/// The workflow fields every item of the file has, read and written the same way.
macro_rules! file_item {
    ($($ty:ident),*) => {$(
        impl FileItem for $ty {
            fn slug(&self) -> &str {
                &self.slug
            }
            fn status(&self) -> Option<Status> {
                self.status
            }
            fn working_copy(&self) -> Option<&Self> {
                self.working_copy.as_deref()
            }
            fn scheduled_at(&self) -> Option<DateTime<Utc>> {
                self.scheduled_at
            }
            fn review_comment(&self) -> Option<&str> {
                self.review_comment.as_deref()
            }
            fn with_workflow(self, w: FileWorkflow<Self>) -> Self {
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

file_item!(RegionIn, CountryIn, ProgrammeIn, DocumentIn);
