//! Workflow status and the editorial details of an item, as the GraphQL types
//! and the list engine see them. A leaf: the domains, the list filters and the
//! workflow all use these, and they use nothing above `content`.
use crate::error::{AppError, AppResult};
use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};

/// Workflow status of a content item.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::Status", name = "Status")]
pub enum ContentStatus {
    /// Being written; only staff see it.
    Draft,
    /// Submitted for review by a publisher; only staff see it.
    InReview,
    /// Public: partner sites see it.
    Published,
    /// Taken off the public site, kept.
    Archived,
}

/// Statuses there are: the longest status filter that makes sense.
pub const MAX_STATUSES: usize = 4;

/// A status filter as the list engine takes it: at most the four statuses (a
/// longer list is BAD_USER_INPUT naming the field), duplicates folded and sorted,
/// so equal filters are one statement shape and one cache key.
pub fn status_filter(
    field: &str,
    list: Option<Vec<ContentStatus>>,
) -> AppResult<Option<Vec<entity::Status>>> {
    let Some(list) = list else {
        return Ok(None);
    };
    if list.len() > MAX_STATUSES {
        return Err(AppError::bad_field(
            field,
            format!(
                "at most {MAX_STATUSES} statuses (DRAFT, IN_REVIEW, PUBLISHED, ARCHIVED), got {}",
                list.len()
            ),
        ));
    }
    let mut statuses: Vec<entity::Status> = list.into_iter().map(Into::into).collect();
    statuses.sort_by_key(|s| s.as_str());
    statuses.dedup();
    Ok(Some(statuses))
}

/// Editorial details of an item (staff previews only).
#[derive(SimpleObject, Clone, Debug)]
pub struct WorkflowInfo {
    /// A published item has a working copy that is not published yet.
    pub has_unpublished_changes: bool,
    /// When the item (or its working copy) will be published by the scheduler.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When the scheduler will take the published item off the public site
    /// (`scheduleUnpublish`).
    pub unpublish_at: Option<DateTime<Utc>>,
    /// The comment of the last rejection, until the item is published.
    pub review_comment: Option<String>,
    /// Who created the item (a user's id).
    pub created_by: Option<String>,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// Who published it last.
    pub published_by: Option<String>,
}
