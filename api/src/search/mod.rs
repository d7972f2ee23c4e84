//! Site search across countries, programmes and documents. For now a plain
//! case-insensitive substring match over published names and titles; ranked,
//! language-aware full-text search replaces the matching (not the API) later.
use crate::content::list::Row;
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
        let mut sql = state.db.sql();
        sql.push("SELECT COUNT(*) AS n FROM (");
        push_union(&mut sql, &self.vis, &self.pattern);
        sql.push(") s");
        let rows = state.db.all(sql).await.gql()?;
        match rows.first() {
            Some(r) => r
                .try_get::<i64>("", "n")
                .map_err(|e| AppError::from(e).into_gql()),
            None => Ok(0),
        }
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

fn like_pattern(query: &str) -> String {
    let mut p = String::with_capacity(query.len() + 2);
    p.push('%');
    for ch in query.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// The three searched tables as one `UNION ALL`. SQLite's `LIKE` is already
/// case-insensitive (for ASCII, like its `LOWER`); PostgreSQL has `ILIKE`, which folds
/// Unicode too. Neither wraps the column in a function, so no per-row call.
fn push_union(sql: &mut Sql, vis: &Visibility, pattern: &str) {
    let like = match sql.backend() {
        sea_orm::DbBackend::Postgres => "ILIKE",
        _ => "LIKE",
    };
    // (rank and sort date, table and searched column), one branch each.
    let branches = [
        (
            "SELECT 0 AS kind, t.id AS id, '' AS d, t.slug AS slug",
            " FROM countries t WHERE ",
            " AND t.name ",
        ),
        (
            "SELECT 1 AS kind, t.id AS id, '' AS d, t.slug AS slug",
            " FROM programmes t WHERE ",
            " AND t.title ",
        ),
        (
            "SELECT 2 AS kind, t.id AS id, CAST(t.published_on AS TEXT) AS d, t.slug AS slug",
            " FROM documents t WHERE ",
            " AND t.title ",
        ),
    ];
    for (i, (select, from, col)) in branches.into_iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(select)
            .push(from)
            .push(vis.visible_sql(Alias::T))
            .push(col)
            .push(like)
            .push(" ")
            .bind(pattern.to_string())
            .push(" ESCAPE '\\'");
    }
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

/// One page of hits, with the total number of hits in the same statement when
/// `with_count` (it is the same on every row).
async fn hits(
    db: &Db,
    vis: &Visibility,
    pattern: &str,
    offset: u64,
    limit: u64,
    with_count: bool,
) -> AppResult<(Vec<(Kind, i32)>, Option<i64>)> {
    let mut sql = db.sql();
    sql.push("SELECT s.kind, s.id");
    if with_count {
        // Every hit is read and sorted anyway, so the window count is free.
        sql.push(", COUNT(*) OVER () AS total_count");
    }
    sql.push(" FROM (");
    push_union(&mut sql, vis, pattern);
    sql.push(") s ORDER BY s.kind, s.d DESC, s.slug LIMIT ")
        .push_int(limit)
        .push(" OFFSET ")
        .push_int(offset);
    let rows = db.all(sql).await?;
    let total = match rows.first() {
        Some(r) if with_count => Some(r.try_get::<i64>("", "total_count")?),
        None if with_count && offset == 0 => Some(0),
        _ => None,
    };
    let mut out = Vec::new();
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
        let pattern = like_pattern(q);
        let with_count = ctx.look_ahead().field("totalCount").exists();
        let (mut found, total) = hits(&state.db, &vis, &pattern, offset, limit + 1, with_count)
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
