//! The editorial GraphQL API: content mutations, workflow transitions, revisions
//! and the audit log. Resolvers are thin: they decode ids and inputs, and the
//! service ([`super`]) holds every rule, including who may do what.
use super::audit::{self, AuditFilter};
use super::{revisions, Action, Step};
use crate::auth::{Role, RoleGuard, Viewer};
use crate::content::list::{self, Row};
use crate::content::locale::TranslationMap;
use crate::content::snapshot::{Block, Data};
use crate::content::status::ContentStatus;
use crate::content::{GlobalId, Kind, Locale, Visibility};
use crate::countries::Country;
use crate::documents::Document;
use crate::error::{AppError, AppResult, ResultExt};
use crate::graphql::scalars::Date;
use crate::graphql::Content;
use crate::programmes::{Programme, ProgrammeKind};
use crate::regions::Region;
use crate::state::AppState;
use async_graphql::{Context, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};

/// A titled text block (country priority, programme priority area). Lists of
/// them replace the whole list, in the order given: add, remove or reorder by
/// sending the new list.
#[derive(InputObject, Clone)]
pub struct TextBlockInput {
    /// Title (default locale), required.
    pub title: String,
    /// Body (markdown, default locale).
    pub body: Option<String>,
    /// Other locales: `{"fi": {"title": "...", "body": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

fn blocks(input: Vec<TextBlockInput>) -> Vec<Block> {
    input
        .into_iter()
        .map(|b| Block {
            title: b.title,
            body: b.body.unwrap_or_default(),
            translations: b.translations.map(|j| j.0).unwrap_or_default(),
        })
        .collect()
}

/// A region's fields. Create: `slug` and `name` are required. Update: only the
/// fields given change.
#[derive(InputObject, Default)]
pub struct RegionInput {
    /// Unique, URL-safe key (lower-case words joined by hyphens).
    pub slug: Option<String>,
    /// Name (default locale).
    pub name: Option<String>,
    /// Summary (default locale).
    pub summary: Option<String>,
    /// Position in region lists.
    pub position: Option<i32>,
    /// Other locales: `{"fi": {"name": "...", "summary": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

/// A country's fields. Create: `slug`, `iso2`, `name` and `regionId` are
/// required. Update: only the fields given change (`null` clears an optional one).
#[derive(InputObject, Default)]
pub struct CountryInput {
    /// Unique, URL-safe key.
    pub slug: Option<String>,
    /// ISO 3166-1 alpha-2 code (e.g. `PE`).
    pub iso2: Option<String>,
    /// Name (default locale).
    pub name: Option<String>,
    /// The region's id.
    pub region_id: Option<ID>,
    /// Summary (default locale).
    pub summary: Option<String>,
    /// Country context (markdown).
    pub context: MaybeUndefined<String>,
    /// Support-measures text (markdown).
    pub support_measures: MaybeUndefined<String>,
    /// The priorities, in order (replaces the list; at most `CMS_MAX_LIST_LENGTH`,
    /// default 100).
    pub priorities: Option<Vec<TextBlockInput>>,
    /// Other locales: `{"fi": {"name": "...", "context": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

/// An exact amount of money.
#[derive(InputObject, Clone)]
pub struct MoneyInput {
    /// Decimal amount as a string, at most two decimals (e.g. `"57000000.00"`).
    pub amount: String,
    /// ISO 4217 code (e.g. `EUR`).
    pub currency: String,
}

/// A programme's fields. Create: `slug`, `title`, `kind`, `countryIds`,
/// `periodStart`, `periodEnd` and `budget` are required. Update: only the fields
/// given change.
#[derive(InputObject, Default)]
pub struct ProgrammeInput {
    /// Unique, URL-safe key.
    pub slug: Option<String>,
    /// Title (default locale).
    pub title: Option<String>,
    /// Kind of programme.
    pub kind: Option<ProgrammeKind>,
    /// Ids of the countries it concerns, in order (replaces the list; at most
    /// `CMS_MAX_LIST_LENGTH`, default 100).
    pub country_ids: Option<Vec<ID>>,
    /// First year.
    pub period_start: Option<i32>,
    /// Last year (not before the first).
    pub period_end: Option<i32>,
    /// Budget.
    pub budget: Option<MoneyInput>,
    /// Summary (default locale).
    pub summary: Option<String>,
    /// Priority areas, in order (replaces the list; at most `CMS_MAX_LIST_LENGTH`,
    /// default 100).
    pub priority_areas: Option<Vec<TextBlockInput>>,
    /// Other locales: `{"fi": {"title": "...", "summary": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

/// A document's fields. Create: `slug`, `title`, `publishedOn`, `language`,
/// `format` and `countryIds` are required. Update: only the fields given change
/// (`null` clears an optional one, e.g. `programmeId: null`).
#[derive(InputObject, Default)]
pub struct DocumentInput {
    /// Unique, URL-safe key.
    pub slug: Option<String>,
    /// Title (default locale).
    pub title: Option<String>,
    /// Publication date.
    pub published_on: Option<Date>,
    /// Language of the document (ISO 639-1).
    pub language: Option<String>,
    /// Category (e.g. `programming`).
    pub category: MaybeUndefined<String>,
    /// Ids of the countries it concerns, in order (replaces the list; at most
    /// `CMS_MAX_LIST_LENGTH`, default 100).
    pub country_ids: Option<Vec<ID>>,
    /// The programme it belongs to.
    pub programme_id: MaybeUndefined<ID>,
    /// File size in bytes.
    pub size_bytes: Option<i64>,
    /// Media type (default: from the format).
    pub media_type: Option<String>,
    /// File format (e.g. `PDF`).
    pub format: Option<String>,
    /// SHA-256 of the file (hex).
    pub sha256: MaybeUndefined<String>,
    /// Original file name.
    pub original_filename: MaybeUndefined<String>,
    /// Where the file can be downloaded: an absolute `http` or `https` URL (other
    /// schemes, such as `javascript:`, are BAD_USER_INPUT).
    pub source_url: MaybeUndefined<String>,
    /// Other locales: `{"fi": {"title": "..."}}`.
    pub translations: Option<Json<TranslationMap>>,
}

/// Decodes an id that must be of one kind.
fn id_of(id: &ID, kind: Kind, field: &str) -> AppResult<i32> {
    let gid = GlobalId::decode(id)
        .map_err(|_| AppError::bad_field(field, format!("malformed id {:?}", id.as_str())))?;
    if gid.kind != kind {
        return Err(AppError::bad_field(
            field,
            format!("expected the id of a {}", kind.type_name()),
        ));
    }
    Ok(gid.id)
}

/// A list input longer than the configured maximum (`CMS_MAX_LIST_LENGTH`) is
/// BAD_USER_INPUT naming the field, before anything else looks at it.
fn check_list<T>(field: &str, list: Option<&Vec<T>>, max: usize) -> AppResult<()> {
    match list {
        Some(l) if l.len() > max => Err(AppError::bad_field(
            field,
            format!("at most {max} entries, got {}", l.len()),
        )),
        _ => Ok(()),
    }
}

impl CountryInput {
    fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.priorities", self.priorities.as_ref(), max)
    }
}

impl ProgrammeInput {
    fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.countryIds", self.country_ids.as_ref(), max)?;
        check_list("input.priorityAreas", self.priority_areas.as_ref(), max)
    }
}

impl DocumentInput {
    fn check_lists(&self, max: usize) -> AppResult<()> {
        check_list("input.countryIds", self.country_ids.as_ref(), max)
    }
}

fn max_list(ctx: &Context<'_>) -> Result<usize> {
    Ok(ctx.data::<AppState>()?.config.max_list_length)
}

fn ids_of(ids: &[ID], kind: Kind, field: &str) -> AppResult<Vec<i32>> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| id_of(id, kind, &format!("{field}[{i}]")))
        .collect()
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

fn set_opt(target: &mut Option<String>, value: MaybeUndefined<String>) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) if v.trim().is_empty() => *target = None,
        MaybeUndefined::Value(v) => *target = Some(v),
    }
}

impl RegionInput {
    fn apply(self, data: Data) -> AppResult<Data> {
        let Data::Region(mut d) = data else {
            return Err(AppError::bad_field("id", "expected the id of a Region"));
        };
        set(&mut d.slug, self.slug);
        set(&mut d.name, self.name);
        set(&mut d.summary, self.summary);
        set(&mut d.position, self.position);
        set(&mut d.translations, self.translations.map(|j| j.0));
        Ok(Data::Region(d))
    }
}

impl CountryInput {
    fn apply(self, data: Data) -> AppResult<Data> {
        let Data::Country(mut d) = data else {
            return Err(AppError::bad_field("id", "expected the id of a Country"));
        };
        set(&mut d.slug, self.slug);
        set(&mut d.iso2, self.iso2);
        set(&mut d.name, self.name);
        if let Some(r) = &self.region_id {
            d.region_id = id_of(r, Kind::Region, "input.regionId")?;
        }
        set(&mut d.summary, self.summary);
        set_opt(&mut d.context, self.context);
        set_opt(&mut d.support_measures, self.support_measures);
        set(&mut d.priorities, self.priorities.map(blocks));
        set(&mut d.translations, self.translations.map(|j| j.0));
        Ok(Data::Country(d))
    }
}

impl ProgrammeInput {
    fn apply(self, data: Data) -> AppResult<Data> {
        let Data::Programme(mut d) = data else {
            return Err(AppError::bad_field("id", "expected the id of a Programme"));
        };
        set(&mut d.slug, self.slug);
        set(&mut d.title, self.title);
        set(&mut d.kind, self.kind.map(|k| k.as_str().to_string()));
        if let Some(ids) = &self.country_ids {
            d.country_ids = ids_of(ids, Kind::Country, "input.countryIds")?;
        }
        set(&mut d.period_start, self.period_start);
        set(&mut d.period_end, self.period_end);
        if let Some(m) = self.budget {
            d.budget_cents =
                crate::content::validate::amount_cents("input.budget.amount", &m.amount)?;
            d.currency = m.currency;
        }
        set(&mut d.summary, self.summary);
        set(&mut d.priority_areas, self.priority_areas.map(blocks));
        set(&mut d.translations, self.translations.map(|j| j.0));
        Ok(Data::Programme(d))
    }
}

impl DocumentInput {
    fn apply(self, data: Data) -> AppResult<Data> {
        let Data::Document(mut d) = data else {
            return Err(AppError::bad_field("id", "expected the id of a Document"));
        };
        set(&mut d.slug, self.slug);
        set(&mut d.title, self.title);
        if let Some(date) = self.published_on {
            d.published_on = Some(date.0);
        }
        set(&mut d.language, self.language);
        set_opt(&mut d.category, self.category);
        if let Some(ids) = &self.country_ids {
            d.country_ids = ids_of(ids, Kind::Country, "input.countryIds")?;
        }
        match &self.programme_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => d.programme_id = None,
            MaybeUndefined::Value(p) => {
                d.programme_id = Some(id_of(p, Kind::Programme, "input.programmeId")?)
            }
        }
        set(&mut d.size_bytes, self.size_bytes);
        if let Some(f) = self.format {
            d.format = f.to_ascii_uppercase();
            if self.media_type.is_none()
                && (d.media_type.is_empty() || d.media_type == "application/octet-stream")
            {
                d.media_type = crate::content::validate::media_type_for(&d.format).to_string();
            }
        }
        set(&mut d.media_type, self.media_type);
        set_opt(&mut d.sha256, self.sha256);
        set_opt(&mut d.original_filename, self.original_filename);
        set_opt(&mut d.source_url, self.source_url);
        set(&mut d.translations, self.translations.map(|j| j.0));
        Ok(Data::Document(d))
    }
}

/// The current state of an item, as staff see it (working copy included).
async fn load(ctx: &Context<'_>, kind: Kind, id: i32) -> Result<Row> {
    let state = ctx.data::<AppState>()?;
    let mut sql = state.db.sql();
    sql.push("SELECT * FROM ")
        .push(kind.table())
        .push(" WHERE id = ")
        .bind(id);
    let rows = state.db.all(sql).await.gql()?;
    list::parse_rows(kind, rows)
        .gql()?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound(kind.type_name().into()).into_gql())
}

async fn content(ctx: &Context<'_>, kind: Kind, id: i32) -> Result<Content> {
    let row = load(ctx, kind, id).await?;
    Ok(Content::from_row(
        row,
        &Locale::default(),
        Visibility::Preview,
    ))
}

/// Decodes a content id; checks the viewer's role for the action first, so an
/// anonymous caller learns nothing about ids.
fn target(viewer: &Viewer, id: &ID) -> AppResult<GlobalId> {
    viewer.require(Role::Editor)?;
    GlobalId::decode(id)
}

#[derive(Default)]
pub struct WorkflowMutation;

macro_rules! typed {
    ($row:expr, $variant:ident) => {
        match $row {
            Row::$variant(m) => Ok($variant::new(m, &Locale::default(), Visibility::Preview)),
            _ => Err(AppError::internal("item of another type").into_gql()),
        }
    };
}

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
        let id = create(ctx, Kind::Region, |d| input.apply(d)).await?;
        typed!(load(ctx, Kind::Region, id).await?, Region)
    }
    /// Creates a country (EDITOR or above), as DRAFT.
    async fn create_country(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The country's fields.")] input: CountryInput,
    ) -> Result<Country> {
        input.check_lists(max_list(ctx)?).gql()?;
        let id = create(ctx, Kind::Country, |d| input.apply(d)).await?;
        typed!(load(ctx, Kind::Country, id).await?, Country)
    }
    /// Creates a programme (EDITOR or above), as DRAFT.
    async fn create_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's fields.")] input: ProgrammeInput,
    ) -> Result<Programme> {
        input.check_lists(max_list(ctx)?).gql()?;
        let id = create(ctx, Kind::Programme, |d| input.apply(d)).await?;
        typed!(load(ctx, Kind::Programme, id).await?, Programme)
    }
    /// Creates a document (EDITOR or above), as DRAFT.
    async fn create_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's fields.")] input: DocumentInput,
    ) -> Result<Document> {
        input.check_lists(max_list(ctx)?).gql()?;
        let id = create(ctx, Kind::Document, |d| input.apply(d)).await?;
        typed!(load(ctx, Kind::Document, id).await?, Document)
    }

    /// Edits a region (ADMIN). See `updateCountry`.
    async fn update_region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The fields to change; the others keep their values.")] input: RegionInput,
    ) -> Result<Region> {
        let id = update(ctx, Kind::Region, &id, expected_version, |d| input.apply(d)).await?;
        typed!(load(ctx, Kind::Region, id).await?, Region)
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
        input.check_lists(max_list(ctx)?).gql()?;
        let id = update(ctx, Kind::Country, &id, expected_version, |d| {
            input.apply(d)
        })
        .await?;
        typed!(load(ctx, Kind::Country, id).await?, Country)
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
        input.check_lists(max_list(ctx)?).gql()?;
        let id = update(ctx, Kind::Programme, &id, expected_version, |d| {
            input.apply(d)
        })
        .await?;
        typed!(load(ctx, Kind::Programme, id).await?, Programme)
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
        input.check_lists(max_list(ctx)?).gql()?;
        let id = update(ctx, Kind::Document, &id, expected_version, |d| {
            input.apply(d)
        })
        .await?;
        typed!(load(ctx, Kind::Document, id).await?, Document)
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
        super::delete(&state.db, viewer, gid.kind, gid.id)
            .await
            .gql()?;
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
        let step = Step {
            expected: Some(expected_version),
            ..Step::new(Action::Publish)
        };
        transition(ctx, &id, step).await
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
    /// Makes a new DRAFT (a working copy, if the item is published) from an old
    /// revision (PUBLISHER or above).
    async fn restore_revision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The revision to restore.")] revision_id: ID,
    ) -> Result<Content> {
        let state = ctx.data::<AppState>()?;
        let viewer = ctx.data::<Viewer>()?;
        viewer.require(Role::Editor).gql()?;
        let rid = decode_revision_id(&revision_id).gql()?;
        let (kind, id) = super::restore(&state.db, viewer, rid).await.gql()?;
        content(ctx, kind, id).await
    }
}

async fn create(
    ctx: &Context<'_>,
    kind: Kind,
    apply: impl FnOnce(Data) -> AppResult<Data>,
) -> Result<i32> {
    let state = ctx.data::<AppState>()?;
    let viewer = ctx.data::<Viewer>()?;
    viewer.require(Action::Create.required_role(kind)).gql()?;
    let data = apply(Data::empty(kind)).gql()?;
    super::create(&state.db, viewer, data).await.gql()
}

async fn update(
    ctx: &Context<'_>,
    kind: Kind,
    id: &ID,
    expected: i32,
    apply: impl FnOnce(Data) -> AppResult<Data>,
) -> Result<i32> {
    let state = ctx.data::<AppState>()?;
    let viewer = ctx.data::<Viewer>()?;
    viewer.require(Action::Update.required_role(kind)).gql()?;
    let id = id_of(id, kind, "id").gql()?;
    super::update(&state.db, viewer, kind, id, expected, apply)
        .await
        .gql()?;
    Ok(id)
}

async fn transition(ctx: &Context<'_>, id: &ID, step: Step) -> Result<Content> {
    let state = ctx.data::<AppState>()?;
    let viewer = ctx.data::<Viewer>()?;
    let gid = target(viewer, id).gql()?;
    super::transition(&state.db, viewer, gid.kind, gid.id, step)
        .await
        .gql()?;
    content(ctx, gid.kind, gid.id).await
}

fn revision_id(id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("Revision:{id}")))
}

fn decode_revision_id(id: &ID) -> AppResult<i32> {
    let bad = || {
        AppError::bad_field(
            "revisionId",
            format!("malformed revision id {:?}", id.as_str()),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("Revision:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)
}

/// Who made a change.
#[derive(SimpleObject, Clone)]
pub struct ChangedBy {
    /// The user's id (a token's `sub`), or `system:scheduler` for the scheduler.
    pub id: String,
    /// Email or name at the time of the change.
    pub name: String,
}

/// One saved state of an item.
#[derive(Clone)]
pub struct Revision(revisions::Revision);

/// One saved state of an item: every save and status change makes one.
#[Object]
impl Revision {
    /// Opaque id, for `compareRevisions` and `restoreRevision`.
    async fn id(&self) -> ID {
        revision_id(self.0.row.id)
    }
    /// The item's version after this change.
    async fn version(&self) -> i32 {
        self.0.row.version
    }
    /// The item's status after this change.
    async fn status(&self) -> ContentStatus {
        self.0.row.status.into()
    }
    /// What the change was: CREATE, UPDATE, SUBMIT_FOR_REVIEW, WITHDRAW, REJECT,
    /// PUBLISH, UNPUBLISH, ARCHIVE, SCHEDULE_PUBLISH or RESTORE.
    async fn action(&self) -> &str {
        &self.0.row.action
    }
    /// A rejection's comment.
    async fn comment(&self) -> Option<&str> {
        self.0.row.comment.as_deref()
    }
    /// Who made it.
    async fn changed_by(&self) -> ChangedBy {
        ChangedBy {
            id: self.0.row.actor_id.clone(),
            name: self.0.row.actor_name.clone(),
        }
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
    /// The full snapshot: every field and relation (related items by id number).
    async fn snapshot(&self) -> Result<Json<serde_json::Value>> {
        let v: serde_json::Value = serde_json::from_str(&self.0.data)
            .map_err(|e| AppError::internal(format!("snapshot: {e}")).into_gql())?;
        Ok(Json(v))
    }
}

/// One field that differs between two revisions.
#[derive(SimpleObject, Clone)]
pub struct FieldChange {
    /// Path of the field (`name`, `priorities[1].title`, `translations.fi.name`).
    pub field: String,
    /// Value in the older revision (`null` when absent).
    pub before: Json<serde_json::Value>,
    /// Value in the newer revision (`null` when absent).
    pub after: Json<serde_json::Value>,
}

/// An audit log entry.
#[derive(Clone)]
pub struct AuditEntry(audit::AuditRow);

fn json_of(s: &Option<String>) -> Option<Json<serde_json::Value>> {
    s.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .map(Json)
}

/// One change: who, what, when, and the state before and after.
#[Object]
impl AuditEntry {
    /// Sequence number (newest is highest).
    async fn id(&self) -> i32 {
        self.0.id
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who.
    async fn actor(&self) -> ChangedBy {
        ChangedBy {
            id: self.0.actor_id.clone(),
            name: self.0.actor_name.clone(),
        }
    }
    /// The actor's role at the time.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// What (CREATE, UPDATE, PUBLISH, ..., LOGIN is not logged; CREATE_USER,
    /// SET_USER_ROLE, DEACTIVATE_USER for users).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The type of the target: Region, Country, Programme, Document or User.
    async fn target_type(&self) -> &str {
        &self.0.target_kind
    }
    /// The target's id (a content id or a user id).
    async fn target_id(&self) -> &str {
        &self.0.target_id
    }
    /// The target's state before (`null` for a creation).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        json_of(&self.0.before)
    }
    /// The target's state after (`null` for a deletion).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        json_of(&self.0.after)
    }
}

/// Filters of the audit log; all given ones apply.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Only changes by this user (id).
    pub user_id: Option<String>,
    /// Only changes to this item (content id or user id).
    pub item_id: Option<ID>,
    /// Only changes at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only changes before this time.
    pub until: Option<DateTime<Utc>>,
}

/// A page of audit entries, newest first.
#[derive(SimpleObject)]
pub struct AuditLogPage {
    /// The entries.
    pub nodes: Vec<AuditEntry>,
    /// Whether older entries follow.
    pub has_next_page: bool,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
}

#[derive(Default)]
pub struct WorkflowQuery;

/// Editorial history.
#[Object]
impl WorkflowQuery {
    /// An item's revisions, newest first (staff).
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's id.")] id: ID,
    ) -> Result<Vec<Revision>> {
        let state = ctx.data::<AppState>()?;
        let viewer = ctx.data::<Viewer>()?;
        let gid = target(viewer, &id).gql()?;
        let list = revisions::list(&state.db.conn, gid.kind, gid.id)
            .await
            .gql()?;
        Ok(list.into_iter().map(Revision).collect())
    }

    /// The fields that differ between two revisions of one item (staff).
    async fn compare_revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The older revision.")] from: ID,
        #[graphql(desc = "The newer revision.")] to: ID,
    ) -> Result<Vec<FieldChange>> {
        let state = ctx.data::<AppState>()?;
        let viewer = ctx.data::<Viewer>()?;
        viewer.require(Role::Editor).gql()?;
        let a = revisions::get(&state.db.conn, decode_revision_id(&from).gql()?)
            .await
            .gql()?;
        let b = revisions::get(&state.db.conn, decode_revision_id(&to).gql()?)
            .await
            .gql()?;
        if (a.kind, a.item_id) != (b.kind, b.item_id) {
            return Err(
                AppError::bad_field("to", "the revisions belong to different items").into_gql(),
            );
        }
        let changes = crate::content::snapshot::diff(
            &Data::from_json(&a.data).gql()?,
            &Data::from_json(&b.data).gql()?,
        )
        .gql()?;
        Ok(changes
            .into_iter()
            .map(|(field, before, after)| FieldChange {
                field,
                before: Json(before),
                after: Json(after),
            })
            .collect())
    }

    /// The audit log, newest first (ADMIN).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters.")] filter: Option<AuditLogFilter>,
        #[graphql(desc = "At most this many entries (default 20, at most the page-size limit).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<AuditLogPage> {
        let state = ctx.data::<AppState>()?;
        let f = filter.unwrap_or_default();
        let limits = state.page_limits();
        let first = match first {
            None => limits.default_size,
            Some(n) if n < 1 || n as u64 > limits.max_size => {
                return Err(AppError::bad_field(
                    "first",
                    format!("`first` must be between 1 and {}", limits.max_size),
                )
                .into_gql())
            }
            Some(n) => n as u64,
        };
        let before_id = match after {
            None => None,
            Some(c) => Some(
                c.parse::<i32>()
                    .map_err(|_| AppError::bad_field("after", "malformed cursor").into_gql())?,
            ),
        };
        let filter = AuditFilter {
            actor_id: f.user_id,
            target_id: f.item_id.map(|i| i.0),
            since: f.since,
            until: f.until,
        };
        let mut rows = audit::page(&state.db, &filter, before_id, first)
            .await
            .gql()?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Ok(AuditLogPage {
            end_cursor: rows.last().map(|r| r.id.to_string()),
            has_next_page,
            nodes: rows.into_iter().map(AuditEntry).collect(),
        })
    }
}
