//! The list engine behind every connection: one place that turns a list
//! specification (what, filtered how, ordered how, which window) into keyset-paged
//! SQL, for a top-level list or for many parents at once (nested connections are
//! batched with a window function, so they cost one statement whatever the number of
//! parents).
use super::blocks::{self, Block};
use super::count_cache::{CountCache, CountKey};
pub use super::filter::{Cond, Filter};
use super::ids::Kind;
use super::listing::{Dir, SortValue};
pub use super::listing::{Listing, Order, Place, PlaceIndex, Scalar};
use super::model::Searched;
use super::tables::{ChildTable, Via};
use super::visibility::{Alias, Visibility};
pub use crate::catalog::Row;
use crate::db::{Db, Sql};
use crate::error::{AppError, AppResult};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;
use entity::{country, region};
use sea_orm::{FromQueryResult, QueryResult, Value};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// A value in a cursor.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CursorValue {
    Int(i64),
    Text(String),
}

/// Which page: `first`/`after` (forward) or `last`/`before` (backward).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    pub forward: bool,
    pub limit: u64,
    pub cursor: Option<Vec<CursorValue>>,
}

/// The Relay arguments as a client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Page-size settings from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct PageLimits {
    pub default_size: u64,
    pub max_size: u64,
}

impl PageLimits {
    /// A plain list's `first` (the audit log, revisions): the default when
    /// absent, BAD_USER_INPUT outside 1..=max.
    pub fn first(&self, first: Option<i32>) -> AppResult<u64> {
        match first {
            None => Ok(self.default_size.min(self.max_size)),
            Some(n) if n < 1 || n as u64 > self.max_size => Err(AppError::bad_field(
                "first",
                format!("`first` must be between 1 and {}", self.max_size),
            )),
            Some(n) => Ok(n as u64),
        }
    }
}

impl Window {
    /// Validates the Relay arguments against the page-size cap: too large a page is
    /// an error, never a silent truncation.
    pub fn from_args(args: &PageArgs, order: Order, limits: PageLimits) -> AppResult<Window> {
        let size = |name: &str, n: i32| -> AppResult<u64> {
            if n < 0 {
                return Err(AppError::bad_field(
                    name,
                    format!("`{name}` must not be negative"),
                ));
            }
            let n = n as u64;
            if n > limits.max_size {
                return Err(AppError::bad_field(
                    name,
                    format!(
                        "`{name}` is {n}, more than the maximum page size {}",
                        limits.max_size
                    ),
                ));
            }
            Ok(n)
        };
        if args.first.is_some() && args.last.is_some() {
            return Err(AppError::bad_input("pass `first` or `last`, not both"));
        }
        if args.after.is_some() && args.before.is_some() {
            return Err(AppError::bad_input("pass `after` or `before`, not both"));
        }
        let forward = args.last.is_none() && args.before.is_none();
        let limit = match (args.first, args.last) {
            (Some(n), _) => size("first", n)?,
            (_, Some(n)) => size("last", n)?,
            _ => limits.default_size.min(limits.max_size),
        };
        let raw = if forward { &args.after } else { &args.before };
        let field = if forward { "after" } else { "before" };
        let cursor = match raw {
            Some(c) => Some(decode_cursor(c, order, field)?),
            None => None,
        };
        if !forward && args.first.is_some() {
            return Err(AppError::bad_input(
                "`before` pages backward: use it with `last`",
            ));
        }
        Ok(Window {
            forward,
            limit,
            cursor,
        })
    }
}

fn decode_cursor(raw: &str, order: Order, field: &str) -> AppResult<Vec<CursorValue>> {
    let bad = || {
        AppError::bad_field(
            field,
            format!(
                "invalid cursor {} for this list and ordering",
                crate::error::quoted(raw)
            ),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let mut values: Vec<CursorValue> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if values.first() != Some(&CursorValue::Text(order.name().to_string())) {
        return Err(bad());
    }
    values.remove(0);
    let cols = order.columns();
    if values.len() != cols.len() {
        return Err(bad());
    }
    for (v, (_, _, kind)) in values.iter().zip(cols) {
        let ok = match (kind, v) {
            // An `Int` column's value must fit it (else it would wrap when bound).
            (Scalar::Int, CursorValue::Int(i)) => i32::try_from(*i).is_ok(),
            (Scalar::BigInt, CursorValue::Int(_)) => true,
            (Scalar::Text, CursorValue::Text(_)) => true,
            (Scalar::Date, CursorValue::Text(s)) => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
            }
            _ => false,
        };
        if !ok {
            return Err(bad());
        }
    }
    Ok(values)
}

/// Everything that decides a page's content, used as a loader key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListSpec {
    /// The listed type's declaration.
    pub listing: Listing,
    pub filter: Filter,
    pub order: Order,
    pub window: Window,
    /// The client asked for `totalCount`: fetch it with the page, in the same
    /// statement, rather than with a second one.
    pub with_count: bool,
    /// The selection shows the rows' text blocks (priorities, priority areas):
    /// read them in the page's statement ([`super::blocks`]).
    pub with_blocks: bool,
}

impl Row {
    /// The opaque cursor of this row in `order`: the JSON array of the ordering's name and the row's values in it
    /// (what [`decode_cursor`] reads), written straight into one buffer: a
    /// page makes one of these per edge.
    pub fn cursor(&self, order: Order) -> String {
        use std::io::Write;
        let mut json = Vec::with_capacity(96);
        json.push(b'[');
        let _ = serde_json::to_writer(&mut json, order.name());
        for (c, _, _) in order.columns() {
            json.push(b',');
            let _ = match self.sort_value(c) {
                Some(SortValue::Int(i)) => write!(json, "{i}"),
                Some(SortValue::Text(t)) => serde_json::to_writer(&mut json, t).map_err(Into::into),
                // A listing's order names a column its type has no value of:
                // the cursor holds null, which decoding refuses.
                None => write!(json, "null"),
                Some(SortValue::Date(d)) => {
                    json.push(b'"');
                    json.extend_from_slice(super::dates::iso_date(d).as_bytes());
                    json.push(b'"');
                    Ok(())
                }
            };
        }
        json.push(b']');
        URL_SAFE_NO_PAD.encode(json)
    }
}

/// One page of rows, in the requested order.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub rows: Vec<Row>,
    /// More rows exist beyond the window, in its direction.
    pub has_more: bool,
    /// Total number of items of the list (all pages), when it came with the page.
    pub total: Option<i64>,
    /// Each row's text blocks, by row id, when the page was asked to bring them.
    pub blocks: Option<HashMap<i32, Arc<Vec<Block>>>>,
}

/// Which orderings and filters each type accepts is decided by its GraphQL input
/// types; this checks them against the type's declared [`Listing`], so a
/// programming error is an internal error, never wrong SQL or an ignored filter.
fn check_spec(spec: &ListSpec) -> AppResult<()> {
    let l = &spec.listing;
    let bad = |what: String| {
        Err(AppError::internal(format!(
            "{what} does not apply to {:?} lists",
            l.kind
        )))
    };
    if !l.orders.contains(&spec.order) {
        return bad(format!("ordering {:?}", spec.order));
    }
    for cond in spec.filter.conds() {
        let ok = match cond {
            Cond::Region(_) => l.region.is_some(),
            Cond::Country(_) => l.country.is_some(),
            Cond::Programme(_) => l.programme.is_some(),
            Cond::Equals(c, _) => l.columns.contains(&(*c, Scalar::Text)),
            // Only the searched columns have PostgreSQL's folded copy.
            Cond::Contains(c, _) => l.kind.searched().is_some_and(|s| s.column == *c),
            Cond::From(c, _) | Cond::To(c, _) => l.columns.contains(&(*c, Scalar::Date)),
            Cond::Status(_) => true,
        };
        if !ok {
            return bad(format!("filter {cond:?}"));
        }
    }
    Ok(())
}

/// A place index a page walks (`FROM <index> k JOIN <table> t`), or none.
type Walk = Option<&'static PlaceIndex>;

/// `FROM <table> t [JOIN ...] WHERE <visible> AND <filters> [AND <parent> IN (...)]`.
/// `ordered`: the statement reads a page in order (rather than counting), which
/// changes the planner hints of broad filters. `walk`: the page walks a place
/// index, see [`walked_index`] and [`walked_nested`].
fn push_from_where(
    sql: &mut Sql,
    vis: &Visibility,
    spec: &ListSpec,
    parent: Option<(Via, &[i32])>,
    ordered: bool,
    walk: Walk,
) {
    sql.push(" FROM ");
    if let Some(index) = walk {
        sql.push(index.table)
            .push(" k JOIN ")
            .push(spec.listing.kind.table())
            .push(" t ON t.id = k.")
            .push(index.owner);
    } else {
        sql.push(spec.listing.kind.table()).push(" t");
    }
    let by_country = walk.is_some_and(|i| i.place == Place::Country);
    if let (Some((Via::Countries(link), _)), false) = (parent, by_country) {
        sql.push(" JOIN ")
            .push(link.table)
            .push(" l ON l.")
            .push(link.owner)
            .push(" = t.id");
    }
    sql.push(" WHERE ").push(vis.visible_sql(Alias::T));
    if let Some((via, ids)) = parent {
        sql.push(" AND ");
        push_parent_column(sql, via, walk);
        if ids.len() == 1 {
            sql.push(" = ").bind(ids[0]);
        } else {
            sql.in_ids(ids);
        }
    }
    push_filters(sql, vis, &spec.listing, &spec.filter, ordered, walk);
}

/// The region index a public top-level page walks instead of the listed
/// table's own ordering index: when its filter names a region, its type has
/// the index and the page's ordering is one the index walks. The page then
/// reads its entries in order (`k.region_id = ... ORDER BY k.<columns>`) and
/// its rows by key. Previews see working copies and unpublished items, which
/// the indexes do not hold: they keep the links.
fn walked_index(vis: &Visibility, spec: &ListSpec) -> Walk {
    let index = spec.listing.place_index(Place::Region)?;
    let region = spec
        .filter
        .conds()
        .iter()
        .any(|c| matches!(c, Cond::Region(_)));
    (!vis.is_preview() && region && index.walks(spec.order)).then_some(index)
}

/// The country index a public nested page under countries walks instead of
/// reading every link of its countries and sorting their rows: when the list
/// hangs off the countries through the index's links and the ordering is one
/// the index walks. A public nested list's countries are visible (it is only
/// reached through them), as the index's are.
fn walked_nested(vis: &Visibility, spec: &ListSpec, parent: Via) -> Walk {
    let index = spec.listing.place_index(Place::Country)?;
    let through = matches!(parent, Via::Countries(link) if link == index.links);
    (!vis.is_preview() && through && index.walks(spec.order)).then_some(index)
}

/// The alias of the columns a page is ordered and bounded by.
fn key_alias(walk: Walk) -> &'static str {
    if walk.is_some() {
        "k."
    } else {
        "t."
    }
}

/// The column holding a nested list's parent id (after `push_from_where`'s join).
fn push_parent_column(sql: &mut Sql, via: Via, walk: Walk) {
    match (via, walk.filter(|i| i.place == Place::Country)) {
        (Via::Column(c), _) => sql.push("t.").push(c),
        (Via::Countries(_), Some(index)) => sql.push("k.").push(index.place_column()),
        (Via::Countries(_), None) => sql.push("l.country_id"),
    };
}

/// A region condition, through the path the type's listing declares: its
/// own column, the walked region index (`walk`, which it then uses up), the
/// index as a subquery, or its country links.
fn push_region(
    sql: &mut Sql,
    vis: &Visibility,
    l: &Listing,
    slug: &str,
    ordered: bool,
    walk: &mut bool,
) {
    let region = |sql: &mut Sql| {
        sql.push("(SELECT r.id FROM regions r WHERE r.slug = ")
            .bind(slug.to_string())
            .push(" AND ")
            .push(vis.visible_sql(Alias::R))
            .push(")");
    };
    match l.region {
        Some(Via::Column(c)) => {
            sql.push(" AND t.").push(c).push(" = ");
            region(sql);
        }
        Some(Via::Countries(link)) => match l.place_index(Place::Region) {
            Some(_) if *walk => {
                *walk = false;
                sql.push(" AND k.region_id = ");
                region(sql);
            }
            Some(index) if !vis.is_preview() => {
                sql.push(" AND t.id IN (SELECT g.")
                    .push(index.owner)
                    .push(" FROM ")
                    .push(index.table)
                    .push(" g WHERE g.region_id = ");
                region(sql);
                sql.push(")");
            }
            _ => push_linked(sql, vis, link, ordered, &mut |sql| {
                sql.push("c.region_id = ");
                region(sql);
            }),
        },
        None => {}
    }
}

/// A country condition (by ISO code or slug), through the type's column or
/// its country links.
fn push_country(sql: &mut Sql, vis: &Visibility, l: &Listing, key: &str) {
    let country = |sql: &mut Sql| {
        sql.push("(c.iso2 = ")
            .bind(key.to_ascii_uppercase())
            .push(" OR c.slug = ")
            .bind(key.to_string())
            .push(")");
    };
    match l.country {
        Some(Via::Column(c)) => {
            // `IN`: a key may be one country's ISO code and
            // another's slug.
            sql.push(" AND t.")
                .push(c)
                .push(" IN (SELECT c.id FROM countries c WHERE ")
                .push(vis.visible_sql(Alias::C))
                .push(" AND ");
            country(sql);
            sql.push(")");
        }
        Some(Via::Countries(link)) => push_linked(sql, vis, link, false, &mut |sql| {
            country(sql);
        }),
        None => {}
    }
}

/// The filter's conditions, each through the path the type's listing declares
/// (`check_spec` has made sure there is one).
fn push_filters(
    sql: &mut Sql,
    vis: &Visibility,
    l: &Listing,
    f: &Filter,
    ordered: bool,
    walked: Walk,
) {
    // The walked region index bounds the first region condition; any other
    // goes through the index as a subquery.
    let mut walk = walked.is_some_and(|i| i.place == Place::Region);
    // Dates compare the walked index's copy, so they bound its scan.
    let date_column = |c: &str| match walked {
        Some(i) if i.columns.contains(&c) => "k.",
        _ => "t.",
    };
    for cond in f.conds() {
        match cond {
            Cond::Region(slug) => push_region(sql, vis, l, slug, ordered, &mut walk),
            Cond::Country(key) => push_country(sql, vis, l, key),
            Cond::Programme(slug) => {
                if let Some(c) = l.programme {
                    sql.push(" AND t.")
                        .push(c)
                        .push(" = (SELECT p.id FROM programmes p WHERE p.slug = ")
                        .bind(slug.clone())
                        .push(" AND ")
                        .push(vis.visible_sql(Alias::P))
                        .push(")");
                }
            }
            Cond::Equals(c, value) => {
                sql.push(" AND t.").push(c).push(" = ").bind(value.clone());
            }
            Cond::Contains(c, pattern) => {
                sql.push(" AND ");
                push_contains(sql, c, pattern);
            }
            Cond::From(c, date) => {
                sql.push(" AND ")
                    .push(date_column(c))
                    .push(c)
                    .push(" >= ")
                    .bind(*date);
            }
            Cond::To(c, date) => {
                sql.push(" AND ")
                    .push(date_column(c))
                    .push(c)
                    .push(" <= ")
                    .bind(*date);
            }
            Cond::Status(statuses) => push_status(sql, vis, statuses),
        }
    }
}

/// The searched types and columns, in the order of search's results (the
/// registry's): the only columns with a folded copy on PostgreSQL, so the only
/// ones `Contains` applies to.
pub fn searched() -> impl Iterator<Item = (Kind, Searched)> {
    Kind::ALL.iter().filter_map(|k| Some((*k, k.searched()?)))
}

/// `t.<column> LIKE <pattern>`, case-insensitive on both engines. SQLite's `LIKE`
/// folds ASCII case itself (as its `LOWER` does). On PostgreSQL a searched
/// column has a case-folded copy, `search_text = lower(column)` (migration 19):
/// the pattern is folded like it (by the same `lower()` unless it is ASCII) and
/// the rows' text was folded when written, which gives `ILIKE`'s answer without folding
/// every row it tests. Only the [`searched`] columns have the copy.
pub fn push_contains(sql: &mut Sql, column: &'static str, pattern: &str) {
    match sql.backend() {
        // ASCII folds the same everywhere (but in a Turkish collation), and a
        // folded value lets the planner estimate the pattern; other text is folded
        // by the database's own `lower()`, as the stored copy was (measured 10-25 %
        // slower per search: the generic plan folds it per row).
        sea_orm::DbBackend::Postgres if pattern.is_ascii() => sql
            .push("t.search_text LIKE ")
            .bind(pattern.to_ascii_lowercase()),
        sea_orm::DbBackend::Postgres => sql
            .push("t.search_text LIKE lower(")
            .bind(pattern.to_string())
            .push(")"),
        _ => sql
            .push("t.")
            .push(column)
            .push(" LIKE ")
            .bind(pattern.to_string()),
    };
    sql.push(" ESCAPE '\\'");
}

/// Items linked to matching countries. Countries reached through a link table
/// must be visible too: a hidden country must not be discoverable by filtering
/// on it. Narrow filters (a country) are an uncorrelated `IN (subquery)` joining
/// the links to `countries`, which both engines evaluate once and use to drive
/// primary-key lookups from the few linked ids.
///
/// A broad filter (a region) in an ordered page is `+t.id IN (...)`: the `+`
/// keeps the planner walking the ordering index (the page stops early) instead
/// of fetching every linked item and sorting, so the subquery is probed once per
/// item walked. On PostgreSQL its countries are found once, as an array
/// (`= ANY(ARRAY(subquery))` is an init plan), so a probe reads the item's links
/// alone; the join would cost a `countries` lookup per link (measured: 2.0x the
/// page's throughput at scale 1, 3.3x at scale 10). Not for narrow filters: the
/// planner cannot estimate an array it has not seen and would walk the index
/// for one country's few items.
fn push_linked(
    sql: &mut Sql,
    vis: &Visibility,
    link: ChildTable,
    broad: bool,
    cond: &mut dyn FnMut(&mut Sql),
) {
    let array = broad && sql.backend() == sea_orm::DbBackend::Postgres;
    sql.push(if broad {
        " AND +t.id IN (SELECT x."
    } else {
        " AND t.id IN (SELECT x."
    })
    .push(link.owner)
    .push(" FROM ")
    .push(link.table)
    .push(if array {
        " x WHERE x.country_id = ANY(ARRAY(SELECT c.id FROM countries c WHERE "
    } else {
        " x JOIN countries c ON c.id = x.country_id WHERE "
    })
    .push(vis.visible_sql(Alias::C))
    .push(" AND ");
    cond(sql);
    sql.push(if array { ")))" } else { ")" });
}

/// ` AND <status> IN ('...')`: literals from the enum, never client text. In a
/// preview the working copy's status is the item's; the public sees row
/// statuses only.
fn push_status(sql: &mut Sql, vis: &Visibility, statuses: &[entity::Status]) {
    let column = if vis.is_preview() {
        "COALESCE(t.draft_status, t.status)"
    } else {
        "t.status"
    };
    sql.push(" AND ").push(column).push(" IN (");
    for (i, s) in statuses.iter().enumerate() {
        sql.push(if i > 0 { ", '" } else { "'" })
            .push(s.as_str())
            .push("'");
    }
    if statuses.is_empty() {
        sql.push("NULL");
    }
    sql.push(")");
}

fn bind_cursor_value(sql: &mut Sql, kind: Scalar, v: &CursorValue) {
    let value: Value = match (kind, v) {
        (Scalar::Int, CursorValue::Int(i)) => Value::from(i32::try_from(*i).unwrap_or_default()),
        (Scalar::BigInt, CursorValue::Int(i)) => Value::from(*i),
        (Scalar::Date, CursorValue::Text(s)) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Value::from(d),
            Err(_) => Value::from(s.clone()),
        },
        (_, CursorValue::Text(s)) => Value::from(s.clone()),
        (_, CursorValue::Int(i)) => Value::from(*i),
    };
    sql.bind(value);
}

/// `AND ((c1 > v1) OR (c1 = v1 AND c2 > v2) ...)`, with each comparison in the
/// direction of its column (flipped when paging backward).
fn push_keyset(
    sql: &mut Sql,
    key: &'static str,
    order: Order,
    forward: bool,
    values: &[CursorValue],
) {
    let cols = order.columns();
    // The first column's bound on its own as well: implied by the disjunction,
    // but only a plain comparison bounds an index scan, so a later page starts
    // at its cursor instead of walking (and discarding) every earlier row.
    if cols.len() > 1 {
        let (col, dir, kind) = cols[0];
        let ascending = (dir == Dir::Asc) == forward;
        sql.push(" AND ")
            .push(key)
            .push(col)
            .push(if ascending { " >= " } else { " <= " });
        bind_cursor_value(sql, kind, &values[0]);
    }
    sql.push(" AND (");
    for k in 0..cols.len() {
        if k > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        for (j, (col, _, kind)) in cols.iter().enumerate().take(k) {
            if j > 0 {
                sql.push(" AND ");
            }
            sql.push(key).push(col).push(" = ");
            bind_cursor_value(sql, *kind, &values[j]);
        }
        let (col, dir, kind) = cols[k];
        let ascending = (dir == Dir::Asc) == forward;
        if k > 0 {
            sql.push(" AND ");
        }
        sql.push(key)
            .push(col)
            .push(if ascending { " > " } else { " < " });
        bind_cursor_value(sql, kind, &values[k]);
        sql.push(")");
    }
    sql.push(")");
}

/// `t.c1 ASC, t.c2 DESC, ...` (or `k.`): the ordering's columns, flipped when
/// paging backward.
fn push_order_by(sql: &mut Sql, key: &'static str, order: Order, forward: bool) {
    for (i, (col, dir, _)) in order.columns().iter().enumerate() {
        let asc = (*dir == Dir::Asc) == forward;
        sql.push(if i > 0 { ", " } else { "" })
            .push(key)
            .push(col)
            .push(if asc { " ASC" } else { " DESC" });
    }
}

fn finish(mut rows: Vec<Row>, window: &Window, total: Option<i64>) -> Page {
    let has_more = rows.len() as u64 > window.limit;
    rows.truncate(window.limit as usize);
    if !window.forward {
        rows.reverse();
    }
    Page {
        rows,
        has_more,
        total,
        blocks: None,
    }
}

/// The columns a page statement reads beside `t.*` for its blocks.
fn push_blocks(sql: &mut Sql, spec: &ListSpec) {
    if spec.with_blocks {
        blocks::push_column(sql, spec.listing.kind);
    }
}

/// A page's rows parsed, with their blocks when the statement read them.
fn page_of(raw: Vec<QueryResult>, spec: &ListSpec, total: Option<i64>) -> AppResult<Page> {
    let blocks = if spec.with_blocks && blocks::table(spec.listing.kind).is_some() {
        let mut by_row = HashMap::new();
        for r in &raw {
            let id: i32 = r.try_get("", "id")?;
            by_row.insert(id, Arc::new(blocks::from_row(r, id)?));
        }
        Some(by_row)
    } else {
        None
    };
    let rows = parse_rows(spec.listing.kind, raw)?;
    Ok(Page {
        blocks,
        ..finish(rows, &spec.window, total)
    })
}

/// The total from a page's rows: every row carries it; no rows means zero matches
/// unless a cursor narrowed the list (then it is unknown).
fn total_of(rows: &[QueryResult], spec: &ListSpec) -> AppResult<Option<i64>> {
    if !spec.with_count {
        return Ok(None);
    }
    match rows.first() {
        Some(r) => Ok(Some(r.try_get("", "total_count")?)),
        None if spec.window.cursor.is_none() => Ok(Some(0)),
        None => Ok(None),
    }
}

/// `, (SELECT COUNT(*) FROM ... WHERE ...) AS total_count`: an uncorrelated
/// subquery, evaluated once, beside an index-ordered, limited page.
fn push_count_column(
    sql: &mut Sql,
    vis: &Visibility,
    spec: &ListSpec,
    parent: Option<(Via, &[i32])>,
) {
    if spec.with_count {
        sql.push(", (SELECT COUNT(*)");
        push_from_where(sql, vis, spec, parent, false, None);
        sql.push(") AS total_count");
    }
}

/// The content generation, as a scalar subquery: read beside a statement's rows
/// (same snapshot), it tells whether a cached count still holds.
pub const GENERATION: &str = "(SELECT generation FROM content_generation WHERE id = 1)";

/// How a page statement learns its list's total, when asked for: from a count
/// cached at the generation the statement reads beside its rows (same
/// snapshot), else counted in the statement and cached at that generation.
struct Counting {
    key: Option<CountKey>,
    cached: Option<(i64, i64)>,
}

impl Counting {
    fn new(counts: &CountCache, spec: &ListSpec, key: CountKey) -> Counting {
        let key = spec.with_count.then_some(key);
        let cached = key.as_ref().and_then(|k| counts.get(k));
        Counting { key, cached }
    }

    /// The statement's count (when none is cached) and generation columns.
    fn push_columns(
        &self,
        sql: &mut Sql,
        vis: &Visibility,
        spec: &ListSpec,
        parent: Option<(Via, &[i32])>,
    ) {
        if self.key.is_some() {
            if self.cached.is_none() {
                push_count_column(sql, vis, spec, parent);
            }
            sql.push(", ")
                .push(GENERATION)
                .push(" AS content_generation");
        }
    }

    /// The total, if known: cached and still current, or counted now.
    fn total(
        self,
        counts: &CountCache,
        raw: &[QueryResult],
        spec: &ListSpec,
    ) -> AppResult<Option<i64>> {
        let generation: Option<i64> = match raw.first() {
            Some(r) if self.key.is_some() => Some(r.try_get("", "content_generation")?),
            _ => None,
        };
        Ok(match (self.cached, generation) {
            // Nothing changed since the count: use it.
            (Some((at, n)), Some(now)) if at == now => Some(n),
            // Changed (or no row to tell): counted separately when asked for.
            (Some(_), _) => None,
            (None, _) => {
                let total = total_of(raw, spec)?;
                if let (Some(n), Some(g), Some(key)) = (total, generation, self.key) {
                    counts.put(key, g, n);
                }
                total
            }
        })
    }
}

/// A top-level page. With `totalCount`, a count cached at the generation the
/// page reads is used instead of counting again.
pub async fn fetch_root(
    db: &Db,
    counts: &CountCache,
    vis: &Visibility,
    spec: &ListSpec,
) -> AppResult<Page> {
    check_spec(spec)?;
    if spec.window.limit == 0 {
        return Ok(Page::default());
    }
    let counting = Counting::new(
        counts,
        spec,
        (*vis, spec.listing.kind, spec.filter.clone(), None),
    );
    let mut sql = db.sql();
    sql.push("SELECT t.*");
    push_blocks(&mut sql, spec);
    counting.push_columns(&mut sql, vis, spec, None);
    let walk = walked_index(vis, spec);
    let key = key_alias(walk);
    push_from_where(&mut sql, vis, spec, None, true, walk);
    if let Some(values) = &spec.window.cursor {
        push_keyset(&mut sql, key, spec.order, spec.window.forward, values);
    }
    sql.push(" ORDER BY ");
    push_order_by(&mut sql, key, spec.order, spec.window.forward);
    sql.push(" LIMIT ").push_int(spec.window.limit + 1);
    let raw = db.all(sql).await?;
    let total = counting.total(counts, &raw, spec)?;
    page_of(raw, spec, total)
}

/// One page per parent, in one statement: a plain `LIMIT` for a single parent, a
/// `ROW_NUMBER() OVER (PARTITION BY parent ...)` for several.
pub async fn fetch_nested(
    db: &Db,
    counts: &CountCache,
    vis: &Visibility,
    spec: &ListSpec,
    parent: Via,
    ids: &[i32],
) -> AppResult<HashMap<i32, Page>> {
    check_spec(spec)?;
    let mut pages: HashMap<i32, Page> = HashMap::new();
    if ids.is_empty() || spec.window.limit == 0 {
        return Ok(ids.iter().map(|id| (*id, Page::default())).collect());
    }
    let mut sql = db.sql();
    let single = ids.len() == 1;
    let walk = walked_nested(vis, spec, parent);
    let key = key_alias(walk);
    // Batched pages carry their totals as a window count, exact when no cursor
    // narrows the rows; otherwise the count loader answers.
    let mut spec_counted = spec.clone();
    // One parent's total is cached per generation, as top-level totals are.
    let counting = single.then(|| {
        let key = (
            *vis,
            spec.listing.kind,
            spec.filter.clone(),
            Some((parent, ids[0])),
        );
        Counting::new(counts, spec, key)
    });
    if let Some(counting) = &counting {
        sql.push("SELECT t.*, ");
        push_parent_column(&mut sql, parent, walk);
        sql.push(" AS parent_key");
        push_blocks(&mut sql, spec);
        // A subquery, not `COUNT(*) OVER ()`: SQLite materialises the whole window
        // before sorting (measured 2.0 ms against 0.5 ms for a country's page).
        counting.push_columns(&mut sql, vis, spec, Some((parent, ids)));
    } else {
        spec_counted.with_count = spec.with_count && spec.window.cursor.is_none();
        sql.push("SELECT * FROM (SELECT t.*, ");
        push_parent_column(&mut sql, parent, walk);
        sql.push(" AS parent_key");
        push_blocks(&mut sql, spec);
        sql.push(", ROW_NUMBER() OVER (PARTITION BY ");
        push_parent_column(&mut sql, parent, walk);
        sql.push(" ORDER BY ");
        push_order_by(&mut sql, key, spec.order, spec.window.forward);
        sql.push(") AS rn");
        if spec_counted.with_count {
            sql.push(", COUNT(*) OVER (PARTITION BY ");
            push_parent_column(&mut sql, parent, walk);
            sql.push(") AS total_count");
        }
    }
    push_from_where(&mut sql, vis, spec, Some((parent, ids)), true, walk);
    if let Some(values) = &spec.window.cursor {
        push_keyset(&mut sql, key, spec.order, spec.window.forward, values);
    }
    let limit = spec.window.limit + 1;
    if single {
        sql.push(" ORDER BY ");
        push_order_by(&mut sql, key, spec.order, spec.window.forward);
        sql.push(" LIMIT ").push_int(limit);
    } else {
        sql.push(") w WHERE w.rn <= ")
            .push_int(limit)
            .push(" ORDER BY w.parent_key, w.rn");
    }
    let raw = db.all(sql).await?;
    if let Some(counting) = counting {
        let total = counting.total(counts, &raw, spec)?;
        pages.insert(ids[0], page_of(raw, spec, total)?);
        return Ok(pages);
    }
    let mut grouped: HashMap<i32, Vec<QueryResult>> = HashMap::new();
    for r in raw {
        let key: i32 = r.try_get("", "parent_key")?;
        grouped.entry(key).or_default().push(r);
    }
    for id in ids {
        let raw = grouped.remove(id).unwrap_or_default();
        let total = total_of(&raw, &spec_counted)?;
        pages.insert(*id, page_of(raw, spec, total)?);
    }
    Ok(pages)
}

/// `totalCount` of a top-level list (the window is ignored).
pub async fn count_root(
    db: &Db,
    counts: &CountCache,
    vis: &Visibility,
    spec: &ListSpec,
) -> AppResult<i64> {
    check_spec(spec)?;
    let mut sql = db.sql();
    sql.push("SELECT COUNT(*) AS n, ")
        .push(GENERATION)
        .push(" AS content_generation");
    push_from_where(&mut sql, vis, spec, None, false, None);
    let rows = db.all(sql).await?;
    match rows.first() {
        Some(r) => {
            let n: i64 = r.try_get("", "n")?;
            let generation: i64 = r.try_get("", "content_generation")?;
            counts.put(
                (*vis, spec.listing.kind, spec.filter.clone(), None),
                generation,
                n,
            );
            Ok(n)
        }
        None => Ok(0),
    }
}

/// `totalCount` of nested lists, for many parents in one statement.
pub async fn count_nested(
    db: &Db,
    vis: &Visibility,
    spec: &ListSpec,
    parent: Via,
    ids: &[i32],
) -> AppResult<HashMap<i32, i64>> {
    check_spec(spec)?;
    let mut counts: HashMap<i32, i64> = ids.iter().map(|id| (*id, 0)).collect();
    if ids.is_empty() {
        return Ok(counts);
    }
    let mut sql = db.sql();
    sql.push("SELECT ");
    push_parent_column(&mut sql, parent, None);
    sql.push(" AS parent_key, COUNT(*) AS n");
    push_from_where(&mut sql, vis, spec, Some((parent, ids)), false, None);
    sql.push(" GROUP BY ");
    push_parent_column(&mut sql, parent, None);
    for r in db.all(sql).await? {
        let key: i32 = r.try_get("", "parent_key")?;
        let n: i64 = r.try_get("", "n")?;
        counts.insert(key, n);
    }
    Ok(counts)
}

/// Parses raw rows of one content type.
pub fn parse_rows(kind: Kind, rows: Vec<QueryResult>) -> AppResult<Vec<Row>> {
    kind.rows(&rows)
}

/// The unique columns single items are looked up by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniqueKey {
    Slug,
    /// Countries only.
    Iso2,
}

impl UniqueKey {
    fn condition(self) -> &'static str {
        match self {
            UniqueKey::Slug => " WHERE t.slug = ",
            UniqueKey::Iso2 => " WHERE t.iso2 = ",
        }
    }
}

/// A single visible item by a unique column.
pub async fn fetch_one(
    db: &Db,
    vis: &Visibility,
    kind: Kind,
    column: UniqueKey,
    value: &str,
) -> AppResult<Option<Row>> {
    let mut sql = db.sql();
    sql.push("SELECT t.* FROM ").push(kind.table()).push(" t");
    push_unique_match(&mut sql, vis, column, value);
    Ok(parse_rows(kind, db.all(sql).await?)?.into_iter().next())
}

/// ` WHERE t.<column> = ? AND <t visible>`: the tail of every single-item lookup.
fn push_unique_match(sql: &mut Sql, vis: &Visibility, column: UniqueKey, value: &str) {
    sql.push(column.condition())
        .bind(value.to_string())
        .push(" AND ")
        .push(vis.visible_sql(Alias::T));
}

/// A visible country by a unique column, with its visible region in the same
/// statement (the country page always shows the region: one round trip saved).
pub async fn fetch_country_with_region(
    db: &Db,
    vis: &Visibility,
    column: UniqueKey,
    value: &str,
    with_blocks: bool,
) -> AppResult<Option<CountryPage>> {
    use sea_orm::{IdenStatic, Iterable};
    let mut sql = db.sql();
    sql.push("SELECT t.*");
    if with_blocks {
        blocks::push_column(&mut sql, Kind::Country);
    }
    for c in region::Column::iter() {
        sql.push(", r.")
            .push(c.as_str())
            .push(" AS r_")
            .push(c.as_str());
    }
    sql.push(" FROM countries t LEFT JOIN regions r ON r.id = t.region_id AND ")
        .push(vis.visible_sql(Alias::R));
    push_unique_match(&mut sql, vis, column, value);
    let rows = db.all(sql).await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let model = country::Model::from_query_result(r, "")?;
    let blocks = if with_blocks {
        Some(blocks::from_row(r, model.id)?)
    } else {
        None
    };
    let region_id: Option<i32> = r.try_get("", "r_id")?;
    let region = match region_id {
        Some(_) => Some(Row::Region(Arc::new(region::Model::from_query_result(
            r, "r_",
        )?))),
        None => None,
    };
    Ok(Some(CountryPage {
        country: Row::Country(Arc::new(model)),
        region,
        blocks,
    }))
}

/// A country read for its page: the row, its visible region, and its
/// priorities when asked for.
pub struct CountryPage {
    pub country: Row,
    pub region: Option<Row>,
    pub blocks: Option<Vec<Block>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_the_json_array_of_its_ordering_and_values() {
        let at = chrono::DateTime::<chrono::Utc>::default();
        let doc = Row::Document(Arc::new(entity::document::Model {
            id: 1,
            slug: "a-\"quoted\"-slug".into(),
            title: "Ünïcode \\ title".into(),
            published_on: NaiveDate::from_ymd_opt(2024, 3, 8).unwrap_or_default(),
            language: "en".into(),
            category: None,
            programme_id: None,
            size_bytes: 1,
            media_type: "application/pdf".into(),
            format: "PDF".into(),
            sha256: None,
            original_filename: None,
            file_stored: false,
            source_url: None,
            summary: String::new(),
            status: entity::Status::Published,
            version: 1,
            created_at: at,
            updated_at: at,
            published_at: None,
            translations: "{}".into(),
            draft: None,
            draft_status: None,
            draft_version: None,
            scheduled_at: None,
            unpublish_at: None,
            created_by: None,
            updated_by: None,
            published_by: None,
            review_comment: None,
        }));
        for order in [Order::PublishedOnDesc, Order::Title, Order::Slug] {
            let cursor = doc.cursor(order);
            let json = URL_SAFE_NO_PAD.decode(&cursor).unwrap_or_default();
            let values: Vec<CursorValue> = serde_json::from_slice(&json).unwrap_or_default();
            let mut expected = vec![CursorValue::Text(order.name().to_string())];
            expected.extend(order.columns().iter().map(|(c, _, _)| match *c {
                "published_on" => CursorValue::Text("2024-03-08".into()),
                "title" => CursorValue::Text("Ünïcode \\ title".into()),
                _ => CursorValue::Text("a-\"quoted\"-slug".into()),
            }));
            assert_eq!(values, expected, "{order:?}");
            let read = decode_cursor(&cursor, order, "after").unwrap_or_default();
            assert_eq!(read, expected[1..], "{order:?}");
        }
    }

    const COUNTRIES: Listing = Listing {
        kind: Kind::Country,
        region: Some(Via::Column("region_id")),
        country: None,
        programme: None,
        columns: &[],
        orders: &[Order::Name],
        places: &[],
    };

    fn spec(filter: Vec<Cond>, order: Order) -> ListSpec {
        ListSpec {
            listing: COUNTRIES,
            filter: Filter::from(filter),
            order,
            window: Window {
                forward: true,
                limit: 10,
                cursor: None,
            },
            with_count: false,
            with_blocks: false,
        }
    }

    #[test]
    fn a_list_takes_only_what_its_type_declares() {
        assert!(check_spec(&spec(vec![Cond::Region("europe".into())], Order::Name)).is_ok());
        for bad in [
            spec(vec![Cond::Programme("mip".into())], Order::Name),
            spec(vec![Cond::Country("pe".into())], Order::Name),
            spec(vec![Cond::Equals("language", "en".into())], Order::Name),
            spec(vec![Cond::Equals("region_id", "1".into())], Order::Name),
            spec(vec![], Order::Title),
        ] {
            assert!(check_spec(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nested_lists_hang_only_on_direct_paths() {
        let links = ChildTable {
            table: "document_countries",
            owner: "document_id",
        };
        let documents = Listing {
            kind: Kind::Document,
            region: Some(Via::Countries(links)),
            country: Some(Via::Countries(links)),
            programme: Some("programme_id"),
            columns: &[],
            orders: &[],
            places: &[],
        };
        assert_eq!(documents.under(Kind::Country), Some(Via::Countries(links)));
        assert_eq!(
            documents.under(Kind::Programme),
            Some(Via::Column("programme_id"))
        );
        // A region reaches documents only through countries: no nested list.
        assert_eq!(documents.under(Kind::Region), None);
        assert_eq!(
            COUNTRIES.under(Kind::Region),
            Some(Via::Column("region_id"))
        );
    }
}
