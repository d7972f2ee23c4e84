//! Import and export in one JSON format (see [`format`]), for every content type
//! through its definition ([`ContentType`]): the same fields, rules and field
//! paths as the mutations. An import is one transaction: a file with any error is
//! refused with a message naming the item and the field, and nothing is written.
//! An export writes every item with its workflow state (status, working copy,
//! schedule), so importing it into an empty database gives the same content.
pub mod demo;
pub mod files;
pub mod format;

use crate::catalog::{Data, ListSink, ListSource};
use crate::content::model::{At, ContentType, FileItem, FileWorkflow, Keys};
use crate::content::snapshot::{self, BLOCK_COLUMNS, LINK_COLUMNS};
use crate::content::Kind;
use crate::db::{query, Db, Sql};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entity::Status;
use format::Dataset;
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value};
use std::collections::{HashMap, HashSet};

/// Options of one import.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// Import everything as DRAFT, whatever the file says: a working copy
    /// becomes the item's content, schedules are dropped.
    pub as_draft: bool,
    /// The text rules (maximum lengths) items are held to, as in mutations.
    pub text: crate::content::text::TextLimits,
}

/// Options of one export.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExportOptions {
    /// Only what the public sees: published items as published, without working
    /// copies, schedules, or references to items outside the export.
    pub published_only: bool,
}

/// What an import wrote: the items of each list.
pub type ImportReport = crate::catalog::FileCounts;

/// Parses the JSON, naming the path of a field of the wrong type.
pub fn parse(bytes: &[u8]) -> AppResult<Dataset> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            AppError::bad_input(format!("malformed JSON: {inner}"))
        } else {
            AppError::bad_field(path.clone(), format!("{path}: {inner}"))
        }
    })
}

/// Puts an error's field under `prefix` (`workingCopy`, or the item).
fn under(prefix: &str, err: AppError) -> AppError {
    match err {
        AppError::BadInput { message, field } => AppError::BadInput {
            message,
            field: field.map(|f| format!("{prefix}.{f}")),
        },
        other => other,
    }
}

/// Prefixes an error with the item it concerns: `documents[12] ("annual-plan")`.
fn at(list: &str, i: usize, slug: &str, err: AppError) -> AppError {
    let item = if slug.is_empty() {
        format!("{list}[{i}]")
    } else {
        format!("{list}[{i}] ({slug:?})")
    };
    match under(&format!("{list}[{i}]"), err) {
        AppError::BadInput { message, field } => AppError::BadInput {
            message: format!("{item}: {message}"),
            field,
        },
        other => other,
    }
}

/// The items a file may name, by key: those in the database and those the file
/// has already brought. For an export, the key of each item written so far.
#[derive(Default)]
struct Known {
    ids: HashMap<(Kind, String), i32>,
    keys: HashSet<(Kind, &'static str, String)>,
    file_keys: HashMap<(Kind, i32), String>,
}

impl Keys for Known {
    fn id_of(&self, kind: Kind, key: &str) -> Option<i32> {
        self.ids.get(&(kind, key.to_string())).copied()
    }
    fn key_of(&self, kind: Kind, id: i32) -> Option<String> {
        self.file_keys.get(&(kind, id)).cloned()
    }
}

impl Known {
    fn add<T: ContentType>(&mut self, id: i32, data: &T) {
        for (col, value) in T::KEYS.iter().zip(data.key_values()) {
            self.ids.insert((T::KIND, value.to_string()), id);
            self.keys.insert((T::KIND, col, value.to_string()));
        }
        self.file_keys
            .insert((T::KIND, id), data.file_key().to_string());
    }

    /// The keys of every item of `kind` already in the database.
    async fn load(&mut self, txn: &DatabaseTransaction, kind: Kind) -> AppResult<()> {
        let mut sql = Sql::new(txn.get_database_backend());
        sql.push("SELECT id");
        for c in kind.keys() {
            sql.push(", ").push(c);
        }
        sql.push(" FROM ").push(kind.table());
        for r in query(txn, sql).await? {
            let id: i32 = r.try_get("", "id")?;
            for c in kind.keys() {
                let value: String = r.try_get("", c)?;
                self.ids.insert((kind, value.clone()), id);
                self.keys.insert((kind, c, value));
            }
        }
        Ok(())
    }
}

/// The workflow columns an import writes, in the order of [`Workflow::values`].
const WORKFLOW_COLUMNS: &[&str] = &[
    "status",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "draft",
    "draft_status",
    "draft_version",
    "scheduled_at",
    "unpublish_at",
    "changed_at",
    "review_comment",
];

/// An item's workflow state as the file gives it, checked.
struct Workflow {
    status: Status,
    /// A published item's working copy: its snapshot (JSON) and status.
    copy: Option<(String, Status)>,
    /// The working copy's keys, for its key columns (`DRAFT_KEYS`).
    copy_keys: Option<Vec<String>>,
    scheduled_at: Option<DateTime<Utc>>,
    unpublish_at: Option<DateTime<Utc>>,
    review_comment: Option<String>,
}

impl Workflow {
    fn values(self, now: DateTime<Utc>) -> Vec<Value> {
        let published = (self.status == Status::Published).then_some(now);
        let (draft, draft_status, draft_version) = match self.copy {
            Some((json, status)) => (Some(json), Some(status.as_str()), Some(2i32)),
            None => (None, None, None),
        };
        vec![
            self.status.as_str().into(),
            1i32.into(),
            now.into(),
            now.into(),
            published.into(),
            draft.into(),
            draft_status.into(),
            draft_version.into(),
            self.scheduled_at.into(),
            self.unpublish_at.into(),
            now.into(),
            self.review_comment.into(),
        ]
    }
}

/// One item of the file, read and checked: its content and workflow state.
fn prepare<T>(
    item: &T::File,
    known: &Known,
    index: usize,
    opts: ImportOptions,
) -> AppResult<(T, Workflow)>
where
    T: ContentType + Into<Data>,
    T::File: FileItem,
{
    let mut data = T::from_file(item, known, index)?;
    data.check(At::ITEM, &opts.text)?;
    let mut copy = match item.working_copy() {
        Some(wc) => Some(
            prepare_copy::<T>(wc, known, index, &opts.text).map_err(|e| under("workingCopy", e))?,
        ),
        None => None,
    };
    let mut status = item.status().unwrap_or(Status::Published);
    if copy.is_some() && status != Status::Published {
        return Err(AppError::bad_field(
            "workingCopy",
            "only a PUBLISHED item has a working copy",
        ));
    }
    let mut scheduled_at = item.scheduled_at();
    let mut unpublish_at = item.unpublish_at();
    let mut review_comment = match item.review_comment() {
        Some(c) => Some(crate::content::text::clean(
            "reviewComment",
            c,
            crate::content::text::TextKind::Summary,
            &opts.text,
        )?),
        None => None,
    };
    if opts.as_draft {
        // The editors' latest work becomes the content, as an unpublish does.
        if let Some((c, _)) = copy.take() {
            data = c;
        }
        status = Status::Draft;
        scheduled_at = None;
        unpublish_at = None;
        review_comment = None;
    }
    let head = copy.as_ref().map_or(status, |(_, s)| *s);
    if scheduled_at.is_some() && head != Status::InReview {
        return Err(AppError::bad_field(
            "scheduledAt",
            "only an item (or working copy) IN_REVIEW can be scheduled",
        ));
    }
    if unpublish_at.is_some() && status != Status::Published {
        return Err(AppError::bad_field(
            "unpublishAt",
            "only a PUBLISHED item can be scheduled to be unpublished",
        ));
    }
    let copy_keys = copy
        .as_ref()
        .map(|(c, _)| c.key_values().into_iter().map(str::to_string).collect());
    let copy = match copy {
        Some((c, s)) => Some((c.into().to_json()?, s)),
        None => None,
    };
    let workflow = Workflow {
        status,
        copy,
        copy_keys,
        scheduled_at,
        unpublish_at,
        review_comment,
    };
    Ok((data, workflow))
}

fn prepare_copy<T: ContentType>(
    wc: &T::File,
    known: &Known,
    index: usize,
    text: &crate::content::text::TextLimits,
) -> AppResult<(T, Status)>
where
    T::File: FileItem,
{
    if wc.working_copy().is_some() || wc.scheduled_at().is_some() || wc.unpublish_at().is_some() {
        return Err(AppError::bad_field(
            "workingCopy",
            "a working copy has no working copy or schedule of its own",
        ));
    }
    let status = wc.status().unwrap_or(Status::Draft);
    if !matches!(status, Status::Draft | Status::InReview) {
        return Err(AppError::bad_field(
            "status",
            "a working copy is DRAFT or IN_REVIEW",
        ));
    }
    let mut data = T::from_file(wc, known, index)?;
    data.check(At::ITEM, text)?;
    Ok((data, status))
}

/// Multi-row `INSERT ... [RETURNING id, slug]` in batches that stay under every
/// backend's bound-parameter limit. Returns slug -> id when `returning`.
async fn insert_rows(
    txn: &DatabaseTransaction,
    table: &'static str,
    columns: &[&'static str],
    rows: Vec<Vec<Value>>,
    returning: bool,
) -> AppResult<HashMap<String, i32>> {
    let mut ids = HashMap::new();
    let per_batch = (20_000 / columns.len().max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = Sql::new(txn.get_database_backend());
        sql.insert_rows(table, columns, rows.by_ref().take(per_batch));
        if returning {
            sql.push(" RETURNING id, slug");
            for r in query(txn, sql).await? {
                ids.insert(
                    r.try_get::<String>("", "slug")?,
                    r.try_get::<i32>("", "id")?,
                );
            }
        } else {
            crate::db::exec(txn, sql).await?;
        }
    }
    Ok(ids)
}

/// The columns of a child table's rows: the owner, then the given ones.
fn child_columns(owner: &'static str, rest: &[&'static str]) -> Vec<&'static str> {
    std::iter::once(owner).chain(rest.iter().copied()).collect()
}

/// Checks, then writes, one list of the file: the rows in batches, then their
/// text blocks and country links. Returns how many items it wrote.
/// An import's writer of each list, in one transaction.
struct Writer<'a> {
    txn: &'a DatabaseTransaction,
    known: &'a mut Known,
    opts: ImportOptions,
    now: DateTime<Utc>,
}

impl ListSink for Writer<'_> {
    async fn list<T: ContentType + Into<Data>>(&mut self, items: &[T::File]) -> AppResult<usize> {
        import_list::<T>(self.txn, items, self.known, self.opts, self.now).await
    }
}

async fn import_list<T>(
    txn: &DatabaseTransaction,
    items: &[T::File],
    known: &mut Known,
    opts: ImportOptions,
    now: DateTime<Utc>,
) -> AppResult<usize>
where
    T: ContentType + Into<Data>,
{
    let mut rows = Vec::with_capacity(items.len());
    let mut contents = Vec::with_capacity(items.len());
    let mut states = Vec::with_capacity(items.len());
    let mut seen: HashSet<(&'static str, String)> = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let e = |err| at(T::KIND.file_list(), i, item.slug(), err);
        let (data, workflow) = prepare::<T>(item, known, i, opts).map_err(e)?;
        for (col, value) in T::KEYS.iter().zip(data.key_values()) {
            let taken = known.keys.contains(&(T::KIND, col, value.to_string()));
            if taken || !seen.insert((col, value.to_string())) {
                let what = if *col == "slug" { "slug" } else { "key" };
                return Err(e(AppError::bad_field(
                    col.to_string(),
                    format!("duplicate {what} {value:?}"),
                )));
            }
        }
        let mut row = data.values()?;
        states.push((workflow.status, workflow.copy.clone()));
        let copy_keys = workflow.copy_keys.clone();
        row.extend(workflow.values(now));
        for i in 0..T::DRAFT_KEYS.len() {
            let key = copy_keys.as_ref().and_then(|k| k.get(i)).cloned();
            row.push(key.into());
        }
        rows.push(row);
        contents.push(data);
    }
    let columns: Vec<&'static str> = T::COLUMNS
        .iter()
        .chain(WORKFLOW_COLUMNS)
        .chain(T::DRAFT_KEYS)
        .copied()
        .collect();
    let ids = insert_rows(txn, T::KIND.table(), &columns, rows, true).await?;
    let (mut blocks, mut links) = (Vec::new(), Vec::new());
    let mut history = History::default();
    for (data, (status, copy)) in contents.iter().zip(states) {
        let id = *ids
            .get(data.slug())
            .ok_or_else(|| AppError::internal("an imported row without its id"))?;
        history.add(T::KIND, id, data.clone().into(), status, copy, now)?;
        for (j, b) in data.blocks().iter().enumerate() {
            blocks.push(snapshot::block_values(id, j, b)?);
        }
        for (j, c) in data.countries().iter().enumerate() {
            links.push(snapshot::link_values(id, j, *c));
        }
        known.add(id, data);
    }
    if let Some(t) = T::BLOCKS {
        insert_rows(
            txn,
            t.table,
            &child_columns(t.owner, BLOCK_COLUMNS),
            blocks,
            false,
        )
        .await?;
    }
    if let Some(t) = T::COUNTRIES {
        insert_rows(
            txn,
            t.table,
            &child_columns(t.owner, LINK_COLUMNS),
            links,
            false,
        )
        .await?;
    }
    history.write(txn).await?;
    Ok(contents.len())
}

/// The first revisions and audit entries of imported items (action IMPORT), so
/// that imported and demo content can be restored like anything an editor
/// saved: revision 1 is the item as imported, revision 2 its working copy.
#[derive(Default)]
struct History {
    revisions: Vec<Vec<Value>>,
    entries: Vec<Vec<Value>>,
}

const REVISION_COLUMNS: &[&str] = &[
    "item_kind",
    "item_id",
    "version",
    "status",
    "action",
    "data",
    "comment",
    "actor_id",
    "actor_name",
    "created_at",
    "file_sha256",
];

const AUDIT_COLUMNS: &[&str] = &[
    "at",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "target_kind",
    "target_id",
    "before",
    "after",
];

impl History {
    fn add(
        &mut self,
        kind: Kind,
        id: i32,
        data: Data,
        status: Status,
        copy: Option<(String, Status)>,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let actor = crate::auth::Actor::system("import");
        let action = crate::workflow::Action::Import.as_str();
        // The stored file a version names keeps it from the collector.
        let revision =
            |version: i32, status: Status, json: String, file: Option<String>| -> Vec<Value> {
                vec![
                    kind.type_name().into(),
                    id.into(),
                    version.into(),
                    status.as_str().into(),
                    action.into(),
                    json.into(),
                    Option::<String>::None.into(),
                    actor.id.clone().into(),
                    actor.name.clone().into(),
                    now.into(),
                    file.into(),
                ]
            };
        let file = data.stored_file().map(str::to_string);
        self.revisions
            .push(revision(1, status, data.to_json()?, file));
        let mut after = serde_json::json!({ "status": status.as_str(), "version": 1 });
        if let Some((json, copy_status)) = copy {
            let file = Data::from_json(&json)?.stored_file().map(str::to_string);
            self.revisions.push(revision(2, copy_status, json, file));
            after["workingCopy"] =
                serde_json::json!({ "status": copy_status.as_str(), "version": 2 });
        }
        self.entries.push(vec![
            now.into(),
            actor.id.clone().into(),
            actor.name.clone().into(),
            actor.role.as_str().into(),
            action.into(),
            crate::audit::AuditTarget::from(kind).as_str().into(),
            crate::content::GlobalId::new(kind, id).encode().into(),
            Option::<String>::None.into(),
            Some(after.to_string()).into(),
        ]);
        Ok(())
    }

    async fn write(self, txn: &DatabaseTransaction) -> AppResult<()> {
        insert_rows(txn, "revisions", REVISION_COLUMNS, self.revisions, false).await?;
        insert_rows(txn, "audit_log", AUDIT_COLUMNS, self.entries, false).await?;
        Ok(())
    }
}

/// Validates a whole file against itself and the database, then writes it in one
/// transaction. On any error nothing is written.
pub async fn import(db: &Db, data: Dataset, opts: ImportOptions) -> AppResult<ImportReport> {
    let txn = db.begin_write().await?;
    let mut known = Known::default();
    for kind in Kind::ALL {
        known.load(&txn, *kind).await?;
    }
    let mut writer = Writer {
        txn: &txn,
        known: &mut known,
        opts,
        now: Utc::now(),
    };
    let report = data.write_each(&mut writer).await?;
    commit_everything(txn).await?;
    tidy(db).await;
    Ok(report)
}

/// Fresh statistics after a bulk change, so the planners pick the ordering
/// indexes for lists. On PostgreSQL a VACUUM too: it marks the new rows visible
/// to all in the visibility map, without which a covering index (search's, the
/// place indexes') still visits the table for every entry, until autovacuum
/// comes by. The change has committed by now: a failure here (a table the role
/// does not own, a statement timeout) only leaves the tidying to autovacuum.
async fn tidy(db: &Db) {
    let tidy = match db.backend() {
        sea_orm::DbBackend::Postgres => "VACUUM (ANALYZE)",
        _ => "ANALYZE",
    };
    if let Err(e) = db.conn.execute_unprepared(tidy).await {
        tracing::warn!(error = %e, "{tidy} after the bulk change failed");
    }
}

/// Commits a change that may have touched any item: the content generation
/// raised, every derived table rebuilt under its lock (as the workflow's
/// refreshes), and every process's response cache flushed.
async fn commit_everything(txn: DatabaseTransaction) -> AppResult<()> {
    crate::db::bump_generation(&txn).await?;
    crate::content::derived::rebuild(&txn).await?;
    crate::invalidation::announce(&txn, None).await?;
    txn.commit().await?;
    Ok(())
}

/// Rebuilds every derived table from the content (`cms reindex`): after a
/// rolling upgrade across the migration that made one, when processes of the
/// older version may have changed content without keeping it, or to repair.
pub async fn reindex(db: &Db) -> AppResult<()> {
    let txn = db.begin_write().await?;
    commit_everything(txn).await?;
    tidy(db).await;
    Ok(())
}

/// The workflow columns an export reads.
struct RowState {
    status: Status,
    draft: Option<String>,
    draft_status: Option<Status>,
    scheduled_at: Option<DateTime<Utc>>,
    unpublish_at: Option<DateTime<Utc>>,
    review_comment: Option<String>,
}

impl RowState {
    fn read(r: &QueryResult) -> AppResult<RowState> {
        Ok(RowState {
            status: r.try_get("", "status")?,
            draft: r.try_get("", "draft")?,
            draft_status: r.try_get("", "draft_status")?,
            scheduled_at: r.try_get("", "scheduled_at")?,
            unpublish_at: r.try_get("", "unpublish_at")?,
            review_comment: r.try_get("", "review_comment")?,
        })
    }
}

/// Every item of one type in the file's form, in id order.
async fn export_list<T: ContentType>(
    db: &Db,
    known: &mut Known,
    opts: ExportOptions,
) -> AppResult<Vec<T::File>> {
    let mut sql = db.sql();
    sql.push("SELECT * FROM ").push(T::KIND.table());
    if opts.published_only {
        sql.push(" WHERE status = 'PUBLISHED'");
    }
    sql.push(" ORDER BY id");
    let rows = db.all(sql).await?;
    let contents = snapshot::load_rows::<T, _>(&db.conn, &rows).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, data) in rows.iter().zip(contents) {
        let state = RowState::read(row)?;
        let Some(item) = data.to_file(known) else {
            // A public-only export leaves out what refers outside it.
            continue;
        };
        let workflow = if opts.published_only {
            FileWorkflow {
                status: state.status,
                working_copy: None,
                scheduled_at: None,
                unpublish_at: None,
                review_comment: None,
            }
        } else {
            let copy = snapshot::working_copy::<T>(state.draft.as_deref());
            let working_copy = match copy.and_then(|c| c.to_file(known)) {
                Some(c) => Some(c.with_workflow(FileWorkflow {
                    status: state.draft_status.unwrap_or(Status::Draft),
                    working_copy: None,
                    scheduled_at: None,
                    unpublish_at: None,
                    review_comment: None,
                })),
                None => None,
            };
            FileWorkflow {
                status: state.status,
                working_copy,
                scheduled_at: state.scheduled_at,
                unpublish_at: state.unpublish_at,
                review_comment: state.review_comment,
            }
        };
        known.add(row.try_get("", "id")?, &data);
        out.push(item.with_workflow(workflow));
    }
    Ok(out)
}

/// Every content item with its workflow state, in the import format, so that
/// importing the export into an empty database gives the same content.
pub async fn export(db: &Db) -> AppResult<Dataset> {
    export_with(db, ExportOptions::default()).await
}

/// An export with options (see [`ExportOptions`]).
pub async fn export_with(db: &Db, opts: ExportOptions) -> AppResult<Dataset> {
    let mut reader = Reader {
        db,
        known: Known::default(),
        opts,
    };
    Dataset::read_each(&mut reader).await
}

/// An export's reader of each list.
struct Reader<'a> {
    db: &'a Db,
    known: Known,
    opts: ExportOptions,
}

impl ListSource for Reader<'_> {
    async fn list<T: ContentType + Into<Data>>(&mut self) -> AppResult<Vec<T::File>> {
        export_list::<T>(self.db, &mut self.known, self.opts).await
    }
}

/// Whether the database holds no content at all (first start).
pub async fn is_empty(db: &Db) -> AppResult<bool> {
    let mut sql = db.sql();
    sql.push("SELECT 0");
    for kind in Kind::ALL {
        sql.push(" + (SELECT COUNT(*) FROM ")
            .push(kind.table())
            .push(")");
    }
    sql.push(" AS n");
    let rows = db.all(sql).await?;
    let n: i64 = match rows.first() {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(n == 0)
}
