//! Site search across countries, programmes and documents. For now a plain
//! case-insensitive substring match over published names and titles; ranked,
//! language-aware full-text search replaces the matching (not the API) later.
use crate::content::count_cache::{CountCache, CountKey};
use crate::content::filter::{contains_pattern, Cond, Filter};
use crate::content::list::{push_contains, Row};
use crate::content::loaders::ById;
use crate::content::tags::Tag;
use crate::content::visibility::Alias;
use crate::content::{Kind, Locale, Visibility};
use crate::countries::Country;
use crate::db::{Db, Sql};
use crate::documents::Document;
use crate::error::{AppError, AppResult, ResultExt};
use crate::programmes::Programme;
use crate::state::AppState;
use sea_orm::QueryResult;

use async_graphql::{Context, Object, Result, Union};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::collections::HashMap;

/// A search hit: a country, a programme or a document.
#[derive(Union, Clone)]
pub enum SearchResult {
    Country(Country),
    Programme(Programme),
    Document(Document),
}

/// A search hit and its cursor.
pub struct SearchEdge {
    cursor: String,
    node: SearchResult,
}

/// The complexity a search costs on its own, before its hits: a text search scans
/// far more than a keyed page does (at the default `CMS_MAX_COMPLEXITY` of 20,000,
/// one query holds about a dozen searches at most).
pub const SEARCH_COST: usize = 1_000;

/// A search hit and its cursor.
#[Object]
impl SearchEdge {
    /// Opaque cursor of this hit: pass it as `after`.
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    /// The region, country, programme or document that matched.
    async fn node(&self) -> &SearchResult {
        &self.node
    }
}

/// A page of search hits: countries first, then programmes, then documents (newest
/// first).
pub struct SearchConnection {
    edges: Vec<SearchEdge>,
    has_next: bool,
    has_previous: bool,
    pattern: String,
    total: Option<i64>,
    vis: Visibility,
}

/// A page of search hits: countries first, then programmes, then documents (newest
/// first).
#[Object]
impl SearchConnection {
    /// Number of hits in all pages together.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        if let Some(n) = self.total {
            return Ok(n);
        }
        let state = ctx.data::<AppState>()?;
        count_hits(&state.db, &state.counts, &self.vis, &self.pattern)
            .await
            .gql()
    }
    /// The hits of this page.
    async fn edges(&self) -> &[SearchEdge] {
        &self.edges
    }
    /// The hits of this page, without cursors.
    async fn nodes(&self) -> Vec<&SearchResult> {
        self.edges.iter().map(|e| &e.node).collect()
    }
    /// Where this page sits in the results.
    async fn page_info(&self) -> crate::content::connection::PageInfo {
        crate::content::connection::PageInfo {
            has_next_page: self.has_next,
            has_previous_page: self.has_previous,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }
}

/// The searched tables, in the order of the results: each one's kind, its select
/// list up to `WHERE` (the kind's rank, the id, the sort date as text, the slug),
/// the searched column and the order within the table (which an index serves, so
/// a branch stops after the rows it needs).
const BRANCHES: [(Kind, &str, &str, &str); 3] = [
    (
        Kind::Country,
        "SELECT 0 AS kind, t.id AS id, '' AS d, t.slug AS slug FROM countries t WHERE ",
        "name",
        " ORDER BY t.slug",
    ),
    (
        Kind::Programme,
        "SELECT 1 AS kind, t.id AS id, '' AS d, t.slug AS slug FROM programmes t WHERE ",
        "title",
        " ORDER BY t.slug",
    ),
    (
        Kind::Document,
        "SELECT 2 AS kind, t.id AS id, CAST(t.published_on AS TEXT) AS d, t.slug AS slug FROM documents t WHERE ",
        "title",
        " ORDER BY t.published_on DESC, t.slug",
    ),
];

/// The columns of the tables' counts, in the order of [`BRANCHES`].
const COUNT_COLUMNS: [&str; 3] = ["n0", "n1", "n2"];

/// `<visible> AND t.<column> LIKE <pattern>`, after a branch's `WHERE`.
fn push_matching(sql: &mut Sql, vis: &Visibility, column: &'static str, pattern: &str) {
    sql.push(vis.visible_sql(Alias::T)).push(" AND ");
    push_contains(sql, column, pattern);
}

/// The count cache's key of one table's hits: a list of that type filtered on
/// the searched column, so a list with the same filter shares the entry.
fn count_key(vis: &Visibility, kind: Kind, column: &'static str, pattern: &str) -> CountKey {
    let filter = Filter::from(vec![Cond::Contains(column, pattern.to_string())]);
    (*vis, kind, filter, None)
}

/// `(SELECT COUNT(*) ...) AS n<i>` for each table, then the content generation the
/// statement reads, so the counts can be cached at it.
fn push_count_columns(sql: &mut Sql, vis: &Visibility, pattern: &str, counted: bool) {
    if counted {
        for ((kind, _, column, _), name) in BRANCHES.into_iter().zip(COUNT_COLUMNS) {
            sql.push(", (SELECT COUNT(*) FROM ")
                .push(kind.table())
                .push(" t WHERE ");
            push_matching(sql, vis, column, pattern);
            sql.push(") AS ").push(name);
        }
    }
    sql.push(", (SELECT generation FROM content_generation WHERE id = 1) AS content_generation");
}

/// The hits of every table together: cached per table at the generation the
/// statement read, counted in it when `counted` (and then cached), else unknown.
fn total_of(
    counts: &CountCache,
    vis: &Visibility,
    pattern: &str,
    row: &QueryResult,
    counted: bool,
    cached: Option<(i64, i64)>,
) -> AppResult<Option<i64>> {
    let now: i64 = row.try_get("", "content_generation")?;
    if !counted {
        return Ok(cached.filter(|(at, _)| *at == now).map(|(_, n)| n));
    }
    let mut total = 0;
    for ((kind, _, column, _), name) in BRANCHES.into_iter().zip(COUNT_COLUMNS) {
        let n: i64 = row.try_get("", name)?;
        counts.put(count_key(vis, kind, column, pattern), now, n);
        total += n;
    }
    Ok(Some(total))
}

/// The total cached for every table at one generation, if there is one.
fn cached_total(counts: &CountCache, vis: &Visibility, pattern: &str) -> Option<(i64, i64)> {
    let mut at = None;
    let mut total = 0;
    for (kind, _, column, _) in BRANCHES {
        let (g, n) = counts.get(&count_key(vis, kind, column, pattern))?;
        if at.is_some_and(|a| a != g) {
            return None;
        }
        at = Some(g);
        total += n;
    }
    at.map(|g| (g, total))
}

/// The number of hits, counted (and cached): for a page that could not use a
/// cached total (none was current, or it had no row to read the generation from).
async fn count_hits(
    db: &Db,
    counts: &CountCache,
    vis: &Visibility,
    pattern: &str,
) -> AppResult<i64> {
    let mut sql = db.sql();
    sql.push("SELECT 1 AS one");
    push_count_columns(&mut sql, vis, pattern, true);
    let rows = db.all(sql).await?;
    let row = rows
        .first()
        .ok_or_else(|| AppError::internal("a count returned no row"))?;
    let total = total_of(counts, vis, pattern, row, true, None)?;
    Ok(total.unwrap_or_default())
}

fn encode_offset(n: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("search:{n}"))
}

fn decode_offset(s: &str) -> AppResult<u64> {
    let bad = || AppError::bad_field("after", format!("invalid cursor {s:?}"));
    let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("search:")
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n < i32::MAX as u64)
        .ok_or_else(bad)
}

/// One page of hits, and with `with_count` their total. Each table gives only its
/// first `offset + limit` hits in its own order (an ordered index walk that stops
/// once it has them), and the page is cut from their union: the cost follows the
/// page, not the number of hits. The total is cached per table at the content
/// generation the statement reads beside its rows (same snapshot); it is counted
/// in the statement only when no count of every table at one generation is cached.
async fn hits(
    db: &Db,
    counts: &CountCache,
    vis: &Visibility,
    pattern: &str,
    offset: u64,
    limit: u64,
    with_count: bool,
) -> AppResult<(Vec<(Kind, i32)>, Option<i64>)> {
    let cached = with_count
        .then(|| cached_total(counts, vis, pattern))
        .flatten();
    let counted = with_count && cached.is_none();
    let mut sql = db.sql();
    sql.push("SELECT s.kind, s.id");
    if with_count {
        push_count_columns(&mut sql, vis, pattern, counted);
    }
    sql.push(" FROM (");
    for (i, (_, select, column, order)) in BRANCHES.into_iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT * FROM (").push(select);
        push_matching(&mut sql, vis, column, pattern);
        sql.push(order)
            .push(" LIMIT ")
            .push_int(offset.saturating_add(limit))
            .push(") b")
            .push(["0", "1", "2"][i]);
    }
    sql.push(") s ORDER BY s.kind, s.d DESC, s.slug LIMIT ")
        .push_int(limit)
        .push(" OFFSET ")
        .push_int(offset);
    let rows = db.all(sql).await?;
    let total = match rows.first() {
        Some(r) if with_count => total_of(counts, vis, pattern, r, counted, cached)?,
        // Nothing matches at all.
        None if with_count && offset == 0 => Some(0),
        _ => None,
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: i32 = r.try_get("", "kind")?;
        let id: i32 = r.try_get("", "id")?;
        let kind = match kind {
            0 => Kind::Country,
            1 => Kind::Programme,
            _ => Kind::Document,
        };
        out.push((kind, id));
    }
    Ok((out, total))
}

#[derive(Default)]
pub struct SearchQuery;

/// Search.
#[Object]
impl SearchQuery {
    /// Finds published countries, programmes and documents whose name or title
    /// contains the query (case-insensitive); with `preview`, staff find every item.
    #[graphql(
        complexity = "SEARCH_COST.saturating_add((first.unwrap_or(20).clamp(1, 1000) as usize).saturating_mul(child_complexity))"
    )]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words to look for (1 to 200 characters).")] query: String,
        #[graphql(desc = "Locale of the text (e.g. `fi`); falls back to `en`.")] locale: Option<
            String,
        >,
        #[graphql(desc = "At most this many hits.")] first: Option<i32>,
        #[graphql(desc = "Hits after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "Staff only (needs a token): search drafts, items in review and working copies too (matching on published titles)."
        )]
        preview: Option<bool>,
    ) -> Result<SearchConnection> {
        let state = ctx.data::<AppState>()?;
        let vis = crate::content::vis(preview);
        let loaders = crate::content::loaders::dl(ctx, vis)?;
        let locale = Locale::parse(locale.as_deref()).gql()?;
        let q = query.trim();
        if q.is_empty() || q.chars().count() > 200 {
            return Err(AppError::bad_field(
                "query",
                "the search query must have 1 to 200 characters",
            )
            .into_gql());
        }
        let limits = state.page_limits();
        let limit = match first {
            Some(n) if n < 0 => {
                return Err(AppError::bad_field("first", "`first` must not be negative").into_gql());
            }
            Some(n) if n as u64 > limits.max_size => {
                return Err(AppError::bad_field(
                    "first",
                    format!(
                        "`first` is {n}, more than the maximum page size {}",
                        limits.max_size
                    ),
                )
                .into_gql());
            }
            Some(n) => n as u64,
            None => limits.default_size,
        };
        let offset = match &after {
            Some(c) => decode_offset(c).gql()? + 1,
            None => 0,
        };
        let pattern = contains_pattern(q);
        let with_count = ctx.look_ahead().field("totalCount").exists();
        let (mut found, total) = hits(
            &state.db,
            &state.counts,
            &vis,
            &pattern,
            offset,
            limit + 1,
            with_count,
        )
        .await
        .gql()?;
        loaders.loader().tags.add(Tag::Search);
        let has_next = found.len() as u64 > limit;
        found.truncate(limit as usize);
        let keys: Vec<ById> = found.iter().map(|(k, id)| ById(*k, *id)).collect();
        let rows: HashMap<ById, Row> = loaders.load_many(keys).await.gql()?;
        let mut edges = Vec::with_capacity(found.len());
        for (i, (kind, id)) in found.iter().enumerate() {
            let Some(row) = rows.get(&ById(*kind, *id)) else {
                continue;
            };
            let node = match row {
                Row::Country(m) => SearchResult::Country(Country::new(m.clone(), &locale, vis)),
                Row::Programme(m) => {
                    SearchResult::Programme(Programme::new(m.clone(), &locale, vis))
                }
                Row::Document(m) => SearchResult::Document(Document::new(m.clone(), &locale, vis)),
                Row::Region(_) => continue,
            };
            edges.push(SearchEdge {
                cursor: encode_offset(offset + i as u64),
                node,
            });
        }
        Ok(SearchConnection {
            edges,
            has_next,
            has_previous: offset > 0,
            pattern,
            total,
            vis,
        })
    }
}
