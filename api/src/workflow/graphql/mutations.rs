//! Content changes and workflow transitions.
use super::history::decode_revision_id;
use super::{content, load, target};
use crate::auth::{Role, Viewer};
use crate::catalog::Data;
use crate::content::model::ContentType;
use crate::content::text::TextLimits;
use crate::content::Kind;
use crate::content::{Locale, Visibility};
use crate::countries::input::CountryInput;
use crate::countries::Country;
use crate::documents::content::DocumentData;
use crate::documents::input::DocumentInput;
use crate::documents::Document;
use crate::error::{AppError, AppResult};
use crate::gql::connection::ConnectionNode;
use crate::gql::input::id_of;
use crate::gql::input::ContentInput;
use crate::gql::ResultExt;
use crate::nodes::Content;
use crate::programmes::input::ProgrammeInput;
use crate::programmes::Programme;
use crate::regions::input::RegionInput;
use crate::regions::Region;
use crate::state::AppState;
use crate::workflow::{Action, Step};
use async_graphql::{Context, Object, Result, Upload, ID};
use chrono::{DateTime, Utc};

#[derive(Default)]
pub struct WorkflowMutation;

/// Content changes and the editorial workflow. Roles: EDITOR creates, edits,
/// submits and withdraws; PUBLISHER also publishes, rejects, unpublishes,
/// archives, schedules and restores; ADMIN does everything, and alone changes
/// regions and deletes. An action the item's status does not allow is a CONFLICT
/// error with `extensions.reason = "ILLEGAL_TRANSITION"`.
#[Object]
impl WorkflowMutation {
    /// Creates a region (ADMIN), as DRAFT.
    async fn create_region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region's fields.")] input: RegionInput,
    ) -> Result<Region> {
        create(ctx, input).await
    }
    /// Creates a country (EDITOR or above), as DRAFT.
    async fn create_country(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The country's fields.")] input: CountryInput,
    ) -> Result<Country> {
        create(ctx, input).await
    }
    /// Creates a programme (EDITOR or above), as DRAFT.
    async fn create_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's fields.")] input: ProgrammeInput,
    ) -> Result<Programme> {
        create(ctx, input).await
    }
    /// Creates a document (EDITOR or above), as DRAFT, with its file when one
    /// is uploaded (a GraphQL multipart request: see docs/files.md). The
    /// file's size, format, media type, SHA-256 and name come from its bytes.
    async fn create_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's fields.")] input: DocumentInput,
        #[graphql(desc = "The document's file (multipart upload).")] file: Option<Upload>,
    ) -> Result<Document> {
        let viewer = ctx.data::<Viewer>()?;
        viewer
            .require(Action::Create.required_role(Kind::Document))
            .gql()?;
        input.check_lists(max_list(ctx)?).gql()?;
        let file = match file {
            Some(upload) => Some(crate::gql::upload::ingest(ctx, &upload, "file").await?),
            None => None,
        };
        create_with(ctx, input, move |d: &mut DocumentData| {
            if let Some(file) = file {
                d.attach(file);
            }
        })
        .await
    }

    /// Replaces a document's file (EDITOR or above) with an uploaded one, as a
    /// new version: like any edit, a published document gets a working copy
    /// (the public keeps the published file until it is published) and the
    /// item goes back to DRAFT. Older versions keep their files for staff.
    async fn replace_document_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's id.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The new file (multipart upload).")] file: Upload,
    ) -> Result<Document> {
        let state = ctx.data::<AppState>()?;
        let viewer = ctx.data::<Viewer>()?;
        viewer
            .require(Action::Update.required_role(Kind::Document))
            .gql()?;
        let id = id_of(&id, Kind::Document, "id").gql()?;
        // A stale version is refused before the file is stored (the save
        // checks again, under the row's lock).
        if let crate::catalog::Row::Document(m) = load(ctx, Kind::Document, id).await? {
            let current = m.draft_version.unwrap_or(m.version);
            if current != expected_version {
                return Err(AppError::StaleVersion {
                    expected: expected_version,
                    current,
                }
                .into_gql());
            }
        }
        let file = crate::gql::upload::ingest(ctx, &file, "file").await?;
        let text = TextLimits::of(&state.config);
        let change = crate::workflow::update(
            &state.db,
            viewer,
            Kind::Document,
            id,
            expected_version,
            &text,
            |data| {
                let mut d = DocumentData::try_from(data)?;
                d.attach(file);
                Ok(d.into())
            },
        )
        .await
        .gql()?;
        change.apply(&state.responses, &state.freshness);
        node(ctx, Kind::Document, id).await
    }

    /// Edits a region (ADMIN). See `updateCountry`.
    async fn update_region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The fields to change; the others keep their values.")] input: RegionInput,
    ) -> Result<Region> {
        update(ctx, &id, expected_version, input).await
    }
    /// Edits a country (EDITOR or above). A published item gets a working copy:
    /// the public keeps the published version until the copy is published. Any
    /// edit makes the item (or its working copy) a DRAFT again and cancels a
    /// schedule, so it is reviewed again. A stale `expectedVersion` is CONFLICT
    /// (`extensions.currentVersion`), and nothing is written.
    async fn update_country(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The fields to change; the others keep their values.")]
        input: CountryInput,
    ) -> Result<Country> {
        update(ctx, &id, expected_version, input).await
    }
    /// Edits a programme (EDITOR or above). See `updateCountry`.
    async fn update_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The fields to change; the others keep their values.")]
        input: ProgrammeInput,
    ) -> Result<Programme> {
        update(ctx, &id, expected_version, input).await
    }
    /// Edits a document (EDITOR or above). See `updateCountry`.
    async fn update_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The fields to change; the others keep their values.")]
        input: DocumentInput,
    ) -> Result<Document> {
        update(ctx, &id, expected_version, input).await
    }

    /// Deletes an item for good (ADMIN), published or not, with its text blocks,
    /// country links and revisions; the audit log keeps its last state. Refused
    /// (CONFLICT) while other items refer to it. Returns the deleted id.
    async fn delete_content(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
    ) -> Result<ID> {
        let state = ctx.data::<AppState>()?;
        let viewer = ctx.data::<Viewer>()?;
        let gid = target(viewer, &id).gql()?;
        let change = crate::workflow::delete(&state.db, viewer, gid.kind, gid.id)
            .await
            .gql()?;
        change.apply(&state.responses, &state.freshness);
        Ok(id)
    }

    /// DRAFT -> IN_REVIEW (EDITOR or above).
    async fn submit_for_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
    ) -> Result<Content> {
        transition(ctx, &id, Step::new(Action::SubmitForReview)).await
    }
    /// IN_REVIEW -> DRAFT, by its editor (EDITOR or above). Cancels a schedule.
    async fn withdraw(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
    ) -> Result<Content> {
        transition(ctx, &id, Step::new(Action::Withdraw)).await
    }
    /// IN_REVIEW -> DRAFT with a comment for the editor (PUBLISHER or above).
    async fn reject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(desc = "Why, for the editor.")] comment: String,
        #[graphql(
            desc = "The version you reviewed (optional): another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: Option<i32>,
    ) -> Result<Content> {
        if comment.trim().is_empty() {
            return Err(AppError::bad_field("comment", "a rejection needs a comment").into_gql());
        }
        let comment = crate::content::text::clean(
            "comment",
            &comment,
            crate::content::text::TextKind::Summary,
            &TextLimits::of(&ctx.data::<AppState>()?.config),
        )
        .gql()?;
        let step = Step {
            comment: Some(comment),
            expected: expected_version,
            ..Step::new(Action::Reject)
        };
        transition(ctx, &id, step).await
    }
    /// IN_REVIEW -> PUBLISHED (PUBLISHER or above). A working copy replaces the
    /// published version. `expectedVersion` is the version you reviewed: if an
    /// editor has changed the item since (withdrawn, edited, resubmitted), the
    /// version differs and publishing is CONFLICT, so nothing unreviewed goes out.
    async fn publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(
            desc = "The version you reviewed: another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: i32,
    ) -> Result<Content> {
        versioned(ctx, &id, Action::Publish, expected_version).await
    }
    /// PUBLISHED -> DRAFT: off the public site (PUBLISHER or above). A working
    /// copy becomes the item's content.
    async fn unpublish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(
            desc = "The version you saw (optional): another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: Option<i32>,
    ) -> Result<Content> {
        let step = Step {
            expected: expected_version,
            ..Step::new(Action::Unpublish)
        };
        transition(ctx, &id, step).await
    }
    /// PUBLISHED -> ARCHIVED: off the public site, kept (PUBLISHER or above).
    /// Editing an archived item makes it a DRAFT again.
    async fn archive(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(
            desc = "The version you saw (optional): another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: Option<i32>,
    ) -> Result<Content> {
        let step = Step {
            expected: expected_version,
            ..Step::new(Action::Archive)
        };
        transition(ctx, &id, step).await
    }
    /// Publishes an IN_REVIEW item at a future time (PUBLISHER or above). Until
    /// then the public does not see it; an edit, withdrawal or rejection cancels
    /// the schedule, so what goes out is the version you reviewed.
    async fn schedule_publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(desc = "When to publish (RFC 3339, in the future).")] at: DateTime<Utc>,
        #[graphql(
            desc = "The version you reviewed: another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: i32,
    ) -> Result<Content> {
        let step = Step {
            at: Some(at),
            expected: Some(expected_version),
            ..Step::new(Action::SchedulePublish)
        };
        transition(ctx, &id, step).await
    }
    /// Takes a PUBLISHED item off the public site at a future time (PUBLISHER or
    /// above), as `unpublish` would then (its working copy, if any, becomes its
    /// content). `workflow.unpublishAt` shows it; `cancelScheduledUnpublish`
    /// undoes it. Independent of a scheduled publication of a working copy.
    async fn schedule_unpublish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(desc = "When to unpublish (RFC 3339, in the future).")] at: DateTime<Utc>,
        #[graphql(
            desc = "The version you saw: another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: i32,
    ) -> Result<Content> {
        let step = Step {
            at: Some(at),
            expected: Some(expected_version),
            ..Step::new(Action::ScheduleUnpublish)
        };
        transition(ctx, &id, step).await
    }
    /// Cancels a scheduled publication (PUBLISHER or above); the item stays IN_REVIEW.
    async fn cancel_scheduled_publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(
            desc = "The version you saw: another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: i32,
    ) -> Result<Content> {
        versioned(ctx, &id, Action::CancelScheduledPublish, expected_version).await
    }
    /// Cancels a scheduled unpublication (PUBLISHER or above); the item stays
    /// on the public site.
    async fn cancel_scheduled_unpublish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(
            desc = "The version you saw: another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: i32,
    ) -> Result<Content> {
        versioned(ctx, &id, Action::CancelScheduledUnpublish, expected_version).await
    }
    /// Drops a published item's working copy (EDITOR or above) and returns the
    /// item as published: its unpublished changes are gone from the editors'
    /// view (they stay in the revisions) and a scheduled publication of them
    /// is cancelled. The public sees no change but the version.
    async fn discard_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(
            desc = "The working copy's version you saw: another version is CONFLICT (`extensions.currentVersion`) and nothing is written."
        )]
        expected_version: i32,
    ) -> Result<Content> {
        versioned(ctx, &id, Action::Discard, expected_version).await
    }
    /// Makes a new DRAFT (a working copy, if the item is published) from an old
    /// revision (PUBLISHER or above). Restoring what the public sees leaves no
    /// working copy.
    async fn restore_revision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The revision to restore.")] revision_id: ID,
    ) -> Result<Content> {
        let state = ctx.data::<AppState>()?;
        let viewer = ctx.data::<Viewer>()?;
        viewer.require(Role::Editor).gql()?;
        let rid = decode_revision_id(&revision_id).gql()?;
        let text = TextLimits::of(&state.config);
        let (kind, id, change) = crate::workflow::restore(&state.db, viewer, rid, &text)
            .await
            .gql()?;
        change.apply(&state.responses, &state.freshness);
        content(ctx, kind, id).await
    }
}

/// Applies a content type's input to a snapshot of that type (the workflow
/// then checks the result, as an import checks a file's item).
fn apply<I: ContentInput>(input: I, data: Data) -> AppResult<Data>
where
    I::Content: TryFrom<Data, Error = AppError> + Into<Data>,
{
    let mut d = I::Content::try_from(data)?;
    input.apply(&mut d)?;
    Ok(d.into())
}

fn max_list(ctx: &Context<'_>) -> Result<usize> {
    Ok(ctx.data::<AppState>()?.config.max_list_length)
}

/// The item as the editor now sees it, as the mutation's typed node.
async fn node<N: ConnectionNode>(
    ctx: &Context<'_>,
    kind: crate::content::Kind,
    id: i32,
) -> Result<N> {
    let row = load(ctx, kind, id).await?;
    N::from_row(&row, &Locale::default(), Visibility::Preview)
        .ok_or_else(|| AppError::internal("item of another type").into_gql())
}

/// Every `create<Type>`: checks the role and the input, creates the item.
async fn create<I: ContentInput>(ctx: &Context<'_>, input: I) -> Result<I::Node>
where
    I::Content: TryFrom<Data, Error = AppError> + Into<Data>,
{
    create_with(ctx, input, |_| {}).await
}

/// A create whose snapshot `then` finishes (a document's file).
async fn create_with<I: ContentInput>(
    ctx: &Context<'_>,
    input: I,
    then: impl FnOnce(&mut I::Content),
) -> Result<I::Node>
where
    I::Content: TryFrom<Data, Error = AppError> + Into<Data>,
{
    let kind = I::Content::KIND;
    let state = ctx.data::<AppState>()?;
    let viewer = ctx.data::<Viewer>()?;
    viewer.require(Action::Create.required_role(kind)).gql()?;
    input.check_lists(max_list(ctx)?).gql()?;
    let mut content = I::Content::try_from(Data::empty(kind)).gql()?;
    input.apply(&mut content).gql()?;
    then(&mut content);
    let data: Data = content.into();
    let text = TextLimits::of(&state.config);
    let id = crate::workflow::create(&state.db, viewer, data, &text)
        .await
        .gql()?;
    node(ctx, kind, id).await
}

/// Every `update<Type>`: checks the role, the id and the input, saves the edit.
async fn update<I: ContentInput>(
    ctx: &Context<'_>,
    id: &ID,
    expected: i32,
    input: I,
) -> Result<I::Node>
where
    I::Content: TryFrom<Data, Error = AppError> + Into<Data>,
{
    let kind = I::Content::KIND;
    let state = ctx.data::<AppState>()?;
    let viewer = ctx.data::<Viewer>()?;
    viewer.require(Action::Update.required_role(kind)).gql()?;
    input.check_lists(max_list(ctx)?).gql()?;
    let id = id_of(id, kind, "id").gql()?;
    let text = TextLimits::of(&state.config);
    let change = crate::workflow::update(&state.db, viewer, kind, id, expected, &text, |d| {
        apply(input, d)
    })
    .await
    .gql()?;
    change.apply(&state.responses, &state.freshness);
    node(ctx, kind, id).await
}

/// A step that names the version it was decided on, nothing else.
async fn versioned(ctx: &Context<'_>, id: &ID, action: Action, expected: i32) -> Result<Content> {
    let step = Step {
        expected: Some(expected),
        ..Step::new(action)
    };
    transition(ctx, id, step).await
}

async fn transition(ctx: &Context<'_>, id: &ID, step: Step) -> Result<Content> {
    let state = ctx.data::<AppState>()?;
    let viewer = ctx.data::<Viewer>()?;
    let gid = target(viewer, id).gql()?;
    let change = crate::workflow::transition(&state.db, viewer, gid.kind, gid.id, step)
        .await
        .gql()?;
    // This process's own answers go at once; the others' when they hear of it.
    change.apply(&state.responses, &state.freshness);
    content(ctx, gid.kind, gid.id).await
}
