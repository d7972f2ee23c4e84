//! Site search across countries, programmes and documents. For now a plain
//! case-insensitive substring match over published names and titles; ranked,
//! language-aware full-text search replaces the matching (not the API) later.
use crate::content::count_cache::{CountCache, CountKey};
use crate::content::filter::{contains_pattern, Cond, Filter};
use crate::content::list::{parse_rows, push_contains, searched, Row, GENERATION};
use crate::content::model::Searched;
use crate::content::tags::Tag;
use crate::content::visibility::Alias;
use crate::content::{Kind, Locale, Visibility};
use crate::countries::Country;
use crate::db::{Db, Sql};
use crate::documents::Document;
use crate::error::{AppError, AppResult};
use crate::gql::loaders::ById;
use crate::gql::ResultExt;
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
    total: i64,
}

/// A page of search hits: countries first, then programmes, then documents (newest
/// first).
#[Object]
impl SearchConnection {
    /// Number of hits in all pages together.
    async fn total_count(&self) -> i64 {
        self.total
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
    async fn page_info(&self) -> crate::gql::connection::PageInfo {
        crate::gql::connection::PageInfo {
            has_next_page: self.has_next,
            has_previous_page: self.has_previous,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }
}

/// The searched tables, in the order of the results (the registry's, see
/// [`searched`]): each one's kind and how it is searched. Its columns and
/// order have an index, so a branch stops after the rows it needs.
static BRANCHES: std::sync::LazyLock<Vec<(Kind, Searched)>> =
    std::sync::LazyLock::new(|| searched().take(LABELS.len()).collect());

/// The branches' ranks (`kind` in the union) and their count columns: as many
/// as there may be searched types (a unit test holds the registry to it).
const LABELS: [&str; 8] = ["0", "1", "2", "3", "4", "5", "6", "7"];
const COUNT_COLUMNS: [&str; 8] = ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"];

/// ` ORDER BY ...`: a branch's own order, newest first when it has a date.
fn push_order(sql: &mut Sql, s: Searched) {
    match s.date {
        Some(date) => sql.push(" ORDER BY t.").push(date).push(" DESC, t.slug"),
        None => sql.push(" ORDER BY t.slug"),
    };
}

/// A branch's select list up to `WHERE`: the kind's rank, the id, the sort date
/// as text (the same type in every branch, so they can be one union; ISO text
/// sorts as the date does; PostgreSQL's is spelled out, not left to the
/// session's `DateStyle`, which sqlx happens to set to ISO) and the slug.
fn push_select(sql: &mut Sql, i: usize, (kind, s): (Kind, Searched)) {
    sql.push("SELECT ")
        .push(LABELS.get(i).copied().unwrap_or("0"))
        .push(" AS kind, t.id AS id, ");
    match (s.date, sql.backend()) {
        (None, _) => sql.push("''"),
        (Some(d), sea_orm::DbBackend::Postgres) => {
            sql.push("to_char(t.").push(d).push(", 'YYYY-MM-DD')")
        }
        (Some(d), _) => sql.push("CAST(t.").push(d).push(" AS TEXT)"),
    };
    sql.push(" AS d, t.slug AS slug FROM ")
        .push(kind.table())
        .push(" t WHERE ");
}

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

/// Each table's number of hits, if all three are cached at one generation (and
/// that generation).
fn cached_counts(counts: &CountCache, vis: &Visibility, pattern: &str) -> Option<(i64, Vec<u64>)> {
    let mut at = None;
    let mut per = Vec::with_capacity(BRANCHES.len());
    for (kind, s) in BRANCHES.iter().copied() {
        let (g, n) = counts.get(&count_key(vis, kind, s.column, pattern))?;
        if at.is_some_and(|a| a != g) {
            return None;
        }
        at = Some(g);
        per.push(u64::try_from(n).unwrap_or_default());
    }
    at.map(|g| (g, per))
}

/// The part of each table a page covers, given each table's number of hits:
/// (branch, skip, take), only for the tables the page reaches.
fn windows(per: &[u64], mut offset: u64, mut limit: u64) -> Vec<(usize, u64, u64)> {
    let mut out = Vec::new();
    for (i, n) in per.iter().copied().enumerate() {
        if limit == 0 {
            break;
        }
        if offset >= n {
            offset -= n;
            continue;
        }
        let take = limit.min(n - offset);
        out.push((i, offset, take));
        limit -= take;
        offset = 0;
    }
    out
}

/// `SELECT * FROM (<branch> ORDER BY ... LIMIT take [OFFSET skip]) b<i> UNION ALL ...`.
fn push_branches(sql: &mut Sql, vis: &Visibility, pattern: &str, parts: &[(usize, u64, u64)]) {
    for (n, (i, skip, take)) in parts.iter().copied().enumerate() {
        let Some(branch) = BRANCHES.get(i).copied() else {
            continue;
        };
        if n > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT * FROM (");
        push_select(sql, i, branch);
        push_matching(sql, vis, branch.1.column, pattern);
        push_order(sql, branch.1);
        sql.push(" LIMIT ").push_int(take);
        if skip > 0 {
            sql.push(" OFFSET ").push_int(skip);
        }
        sql.push(") b").push(LABELS.get(i).copied().unwrap_or("0"));
    }
}

/// `(SELECT COUNT(*) ...) AS n<i>` for each table and the content generation
/// the statement reads (so the counts can be cached at it).
fn push_counts(sql: &mut Sql, vis: &Visibility, pattern: &str) {
    for ((kind, s), name) in BRANCHES.iter().copied().zip(COUNT_COLUMNS) {
        sql.push("(SELECT COUNT(*) FROM ")
            .push(kind.table())
            .push(" t WHERE ");
        push_matching(sql, vis, s.column, pattern);
        sql.push(") AS ").push(name).push(", ");
    }
    sql.push(GENERATION).push(" AS content_generation");
}

/// Reads the counts of [`push_counts`] and caches them; returns their sum.
fn cache_counts(
    counts: &CountCache,
    vis: &Visibility,
    pattern: &str,
    row: &QueryResult,
) -> AppResult<i64> {
    let now: i64 = row.try_get("", "content_generation")?;
    let mut total = 0;
    for ((kind, s), name) in BRANCHES.iter().copied().zip(COUNT_COLUMNS) {
        let n: i64 = row.try_get("", name)?;
        counts.put(count_key(vis, kind, s.column, pattern), now, n);
        total += n;
    }
    Ok(total)
}

fn encode_offset(n: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("search:{n}"))
}

fn decode_offset(s: &str) -> AppResult<u64> {
    let bad = || {
        AppError::bad_field(
            "after",
            format!("invalid cursor {}", crate::error::quoted(s)),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("search:")
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n < i32::MAX as u64)
        .ok_or_else(bad)
}

/// The hits of rows read by [`hits`] (a row without a kind is no hit).
fn hits_of(rows: &[QueryResult]) -> AppResult<Vec<(Kind, i32)>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(kind) = r.try_get::<Option<i32>>("", "kind")? else {
            continue;
        };
        let id: i32 = r.try_get("", "id")?;
        let kind = usize::try_from(kind)
            .ok()
            .and_then(|i| BRANCHES.get(i))
            .ok_or_else(|| AppError::internal(format!("a search hit of no searched type: {kind}")))?
            .0;
        out.push((kind, id));
    }
    Ok(out)
}

/// A page of hits: the items in order, with their rows when the page read them
/// itself (it lay in one table), and the total.
struct Found {
    hits: Vec<(Kind, i32)>,
    rows: Option<Vec<Row>>,
    total: i64,
}

impl Found {
    fn ids(hits: Vec<(Kind, i32)>, total: i64) -> Found {
        Found {
            hits,
            rows: None,
            total,
        }
    }
}

/// One page of hits and their total. Each table's hits are read in its own
/// order through an index that stops once it has them, so the cost follows the
/// page, not the number of hits.
///
/// With every table's count cached at one generation, the page knows which tables
/// it reaches and where: it reads exactly those rows, with the generation beside
/// them (same snapshot), and is used only if nothing has changed since the counts.
/// Otherwise (or when that read finds a change) each table gives its first
/// `offset + limit` hits, the page is cut from their union, and the counts come
/// in the same statement, in a row of their own joined to the page so they
/// arrive even when nothing matches; they are cached for the next page.
///
/// A page in one table (the usual case) reads its rows whole in the same
/// statement: the hits' ids by the index walk, then those rows by primary key,
/// so the walk stays on the covering index and no second statement loads them.
async fn hits(
    db: &Db,
    counts: &CountCache,
    vis: &Visibility,
    pattern: &str,
    offset: u64,
    limit: u64,
) -> AppResult<Found> {
    if let Some((at, per)) = cached_counts(counts, vis, pattern) {
        let parts = windows(&per, offset, limit);
        let total = i64::try_from(per.iter().sum::<u64>()).unwrap_or(i64::MAX);
        if parts.is_empty() {
            // Past the end: only the generation to check.
            let mut sql = db.sql();
            sql.push("SELECT ")
                .push(GENERATION)
                .push(" AS content_generation");
            let rows = db.all(sql).await?;
            if let Some(r) = rows.first() {
                if r.try_get::<i64>("", "content_generation")? == at {
                    return Ok(Found::ids(Vec::new(), total));
                }
            }
        } else if let [(i, skip, take)] = parts[..] {
            let (kind, searched) = BRANCHES
                .get(i)
                .copied()
                .ok_or_else(|| AppError::internal("a search window past the searched types"))?;
            let mut sql = db.sql();
            sql.push("SELECT t.*, ")
                .push(GENERATION)
                .push(" AS content_generation FROM ")
                .push(kind.table())
                .push(" t WHERE t.id IN (SELECT t.id FROM ")
                .push(kind.table())
                .push(" t WHERE ");
            push_matching(&mut sql, vis, searched.column, pattern);
            push_order(&mut sql, searched);
            sql.push(" LIMIT ").push_int(take);
            if skip > 0 {
                sql.push(" OFFSET ").push_int(skip);
            }
            sql.push(")");
            push_order(&mut sql, searched);
            let raw = db.all(sql).await?;
            if let Some(r) = raw.first() {
                if r.try_get::<i64>("", "content_generation")? == at {
                    let rows = parse_rows(kind, raw)?;
                    return Ok(Found {
                        hits: rows.iter().map(|r| (kind, r.id())).collect(),
                        rows: Some(rows),
                        total,
                    });
                }
            }
        } else {
            let mut sql = db.sql();
            sql.push("SELECT s.kind, s.id, ")
                .push(GENERATION)
                .push(" AS content_generation FROM (");
            push_branches(&mut sql, vis, pattern, &parts);
            sql.push(") s ORDER BY s.kind, s.d DESC, s.slug");
            let rows = db.all(sql).await?;
            if let Some(r) = rows.first() {
                if r.try_get::<i64>("", "content_generation")? == at {
                    return Ok(Found::ids(hits_of(&rows)?, total));
                }
            }
        }
    }
    let reach = offset.saturating_add(limit);
    let mut sql = db.sql();
    sql.push("SELECT c.*, s.kind, s.id FROM (SELECT ");
    push_counts(&mut sql, vis, pattern);
    sql.push(") c LEFT JOIN (SELECT * FROM (");
    let every: Vec<(usize, u64, u64)> = (0..BRANCHES.len()).map(|i| (i, 0, reach)).collect();
    push_branches(&mut sql, vis, pattern, &every);
    sql.push(") u ORDER BY u.kind, u.d DESC, u.slug LIMIT ")
        .push_int(limit)
        .push(" OFFSET ")
        .push_int(offset)
        .push(") s ON 1 = 1 ORDER BY s.kind, s.d DESC, s.slug");
    let rows = db.all(sql).await?;
    let row = rows
        .first()
        .ok_or_else(|| AppError::internal("a search returned no row"))?;
    let total = cache_counts(counts, vis, pattern, row)?;
    Ok(Found::ids(hits_of(&rows)?, total))
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
        let loaders = crate::gql::loaders::dl(ctx, vis)?;
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
        let Found {
            hits: mut found,
            rows,
            total,
        } = hits(&state.db, &state.counts, &vis, &pattern, offset, limit + 1)
            .await
            .gql()?;
        loaders.loader().tags.add(Tag::Search);
        let has_next = found.len() as u64 > limit;
        found.truncate(limit as usize);
        let rows: HashMap<ById, Row> = match rows {
            Some(mut rows) => {
                rows.truncate(found.len());
                loaders.loader().tags.add_rows(&rows);
                rows.into_iter()
                    .map(|r| (ById(r.kind(), r.id()), r))
                    .collect()
            }
            None => {
                let keys: Vec<ById> = found.iter().map(|(k, id)| ById(*k, *id)).collect();
                loaders.load_many(keys).await.gql()?
            }
        };
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
            total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{searched, windows, BRANCHES, LABELS};

    #[test]
    fn a_page_reads_only_the_tables_it_reaches() {
        // 2 countries, no programme, 30 documents.
        let per = [2, 0, 30];
        assert_eq!(windows(&per, 0, 21), vec![(0, 0, 2), (2, 0, 19)]);
        assert_eq!(windows(&per, 1, 1), vec![(0, 1, 1)]);
        assert_eq!(windows(&per, 2, 5), vec![(2, 0, 5)]);
        assert_eq!(windows(&per, 10, 100), vec![(2, 8, 22)]);
        assert_eq!(windows(&per, 32, 5), vec![]);
        assert_eq!(windows(&per, 0, 0), vec![]);
        assert_eq!(windows(&[0, 0, 0], 0, 21), vec![]);
    }

    #[test]
    fn every_searched_type_has_a_branch() {
        assert!(searched().count() <= LABELS.len());
        assert_eq!(BRANCHES.len(), searched().count());
    }
}
