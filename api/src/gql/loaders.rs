//! DataLoaders: one batched `IN (...)` statement per relation and request, so the
//! number of statements does not grow with the number of items a query returns.
//! Built per request, because what they return depends on the visibility (public or preview).
use crate::content::blocks::{self, Block};
use crate::content::count_cache::CountCache;
use crate::content::ids::Kind;
use crate::content::list::{self, ListSpec, Page, Row};
use crate::content::tables::Via;
use crate::content::tags::{Tag, Tags};
use crate::content::visibility::{Alias, Visibility};
use crate::db::{json_rows, Db};
use crate::error::{AppError, AppResult};
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::country;
use std::collections::HashMap;
use std::sync::Arc;

pub struct Loaders {
    pub db: Db,
    /// The process's cached list totals (nested pages use them too).
    pub counts: Arc<CountCache>,
    pub vis: Visibility,
    /// The request's cache tags: every item a loader returns is recorded.
    pub tags: Tags,
}

/// How long a loader waits for more keys before it loads: none. The keys of
/// one level of an answer (a page's items asking for their countries) are all
/// asked for in the same pass of the executor, before the load's task first
/// runs, so waiting only added a millisecond per level of the answer.
const LOAD_DELAY: std::time::Duration = std::time::Duration::ZERO;

/// The per-request loader, with a request-scoped cache: a page primes the
/// relations its items will ask for, and repeated keys are fetched once.
pub type Dl = DataLoader<Loaders, HashMapCache>;

impl Loaders {
    pub fn new(db: Db, counts: Arc<CountCache>, vis: Visibility, tags: Tags) -> Dl {
        DataLoader::with_cache(
            Loaders {
                db,
                counts,
                vis,
                tags,
            },
            tokio::spawn,
            HashMapCache::default(),
        )
        .delay(LOAD_DELAY)
    }
}

/// The loaders of a request for staff previews (visibility [`Visibility::Preview`]),
/// beside the public ones: one request may read both.
pub struct PreviewDl(pub Dl);

/// The request's loaders for a visibility. Preview loaders exist only for a valid
/// staff token, so a preview read without one is refused here too.
pub fn dl<'c>(ctx: &async_graphql::Context<'c>, vis: Visibility) -> async_graphql::Result<&'c Dl> {
    match vis {
        Visibility::Public => ctx.data::<Dl>(),
        Visibility::Preview => match ctx.data_opt::<PreviewDl>() {
            Some(p) => Ok(&p.0),
            None => Err(AppError::unauthenticated("`preview` needs a staff token").into_gql()),
        },
    }
}

/// A content item by internal id (visible ones only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ById(pub Kind, pub i32);

/// The ordered text blocks of an item: a country's priorities, a programme's
/// priority areas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlocksOf(pub Kind, pub i32);

/// The (visible) countries of a programme or a document, in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CountriesOf(pub Kind, pub i32);

/// One page of a nested connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub parent: Via,
    pub id: i32,
    pub spec: Arc<ListSpec>,
}

/// The `totalCount` of a nested connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CountKey {
    pub parent: Via,
    pub id: i32,
    pub spec: Arc<ListSpec>,
}

impl Loader<ById> for Loaders {
    type Value = Row;
    type Error = AppError;

    async fn load(&self, keys: &[ById]) -> AppResult<HashMap<ById, Row>> {
        let mut by_kind: HashMap<Kind, Vec<i32>> = HashMap::new();
        for ById(kind, id) in keys {
            by_kind.entry(*kind).or_default().push(*id);
        }
        let mut out = HashMap::new();
        for (kind, ids) in by_kind {
            let mut sql = self.db.sql();
            sql.push("SELECT t.* FROM ")
                .push(kind.table())
                .push(" t WHERE t.id")
                .in_ids(&ids)
                .push(" AND ")
                .push(self.vis.visible_sql(Alias::T));
            for row in list::parse_rows(kind, self.db.all(sql).await?)? {
                out.insert(ById(kind, row.id()), row);
            }
            self.tags
                .add_rows(out.values().filter(|r| r.kind() == kind));
            // A hidden item may be published later: the answer that lacked it
            // goes with its type's list tag.
            if ids.iter().any(|id| !out.contains_key(&ById(kind, *id))) {
                self.tags.add(Tag::List(kind));
            }
        }
        Ok(out)
    }
}

impl Loader<BlocksOf> for Loaders {
    type Value = Arc<Vec<Block>>;
    type Error = AppError;

    async fn load(&self, keys: &[BlocksOf]) -> AppResult<HashMap<BlocksOf, Self::Value>> {
        let mut out = HashMap::new();
        for kind in Kind::ALL.iter().copied().filter(|k| k.blocks().is_some()) {
            let ids: Vec<i32> = keys.iter().filter(|k| k.0 == kind).map(|k| k.1).collect();
            if ids.is_empty() {
                continue;
            }
            for (id, blocks) in blocks::fetch(&self.db, kind, &ids).await? {
                out.insert(BlocksOf(kind, id), Arc::new(blocks));
            }
        }
        Ok(out)
    }
}

impl Loader<CountriesOf> for Loaders {
    type Value = Arc<Vec<Arc<country::Model>>>;
    type Error = AppError;

    /// Each visible country once, with the parents (of those asked for) it is
    /// linked to and its place in each: a page's items share a few countries,
    /// so a row per link would decode the same wide rows again and again.
    async fn load(&self, keys: &[CountriesOf]) -> AppResult<HashMap<CountriesOf, Self::Value>> {
        let mut out = HashMap::new();
        for (kind, links) in Kind::ALL.iter().filter_map(|k| Some((*k, k.countries()?))) {
            let ids: Vec<i32> = keys.iter().filter(|k| k.0 == kind).map(|k| k.1).collect();
            if ids.is_empty() {
                continue;
            }
            let mut sql = self.db.sql();
            sql.push(
                "SELECT t.*, l.links AS links_json FROM countries t JOIN (SELECT x.country_id, ",
            )
            .json_array_agg(&["x.", links.owner, ", x.position"], None)
            .push(" AS links FROM ")
            .push(links.table)
            .push(" x WHERE x.")
            .push(links.owner)
            .in_ids(&ids)
            .push(" GROUP BY x.country_id) l ON l.country_id = t.id WHERE ")
            .push(self.vis.visible_sql(Alias::T));
            // Only visible countries are listed: one published later changes the
            // list, so the answer goes with the countries' list tag too.
            self.tags.add(Tag::List(Kind::Country));
            let mut grouped: HashMap<i32, Vec<(i32, Arc<country::Model>)>> = HashMap::new();
            let raw = self.db.all(sql).await?;
            let countries = Kind::Country.rows(&raw)?;
            for (r, country) in raw.iter().zip(countries) {
                let links: Vec<(i32, i32)> = json_rows(r, "links_json")?;
                let Row::Country(country) = country else {
                    continue;
                };
                self.tags.add(Tag::Item(Kind::Country, country.id));
                for (parent, position) in links {
                    grouped
                        .entry(parent)
                        .or_default()
                        .push((position, country.clone()));
                }
            }
            for id in ids {
                let mut countries = grouped.remove(&id).unwrap_or_default();
                countries.sort_by_key(|(position, c)| (*position, c.id));
                out.insert(
                    CountriesOf(kind, id),
                    Arc::new(countries.into_iter().map(|(_, c)| c).collect()),
                );
            }
        }
        Ok(out)
    }
}

/// Groups keys that share a parent relation and a specification.
fn group<'a>(
    keys: impl Iterator<Item = (&'a Via, &'a Arc<ListSpec>, i32)>,
) -> HashMap<(Via, Arc<ListSpec>), Vec<i32>> {
    let mut groups: HashMap<(Via, Arc<ListSpec>), Vec<i32>> = HashMap::new();
    for (parent, spec, id) in keys {
        groups.entry((*parent, spec.clone())).or_default().push(id);
    }
    groups
}

impl Loader<PageKey> for Loaders {
    type Value = Arc<Page>;
    type Error = AppError;

    async fn load(&self, keys: &[PageKey]) -> AppResult<HashMap<PageKey, Arc<Page>>> {
        let mut out = HashMap::new();
        for ((parent, spec), ids) in group(keys.iter().map(|k| (&k.parent, &k.spec, k.id))) {
            let pages =
                list::fetch_nested(&self.db, &self.counts, &self.vis, &spec, parent, &ids).await?;
            for (id, page) in pages {
                self.tags.add_rows(&page.rows);
                out.insert(
                    PageKey {
                        parent,
                        id,
                        spec: spec.clone(),
                    },
                    Arc::new(page),
                );
            }
        }
        Ok(out)
    }
}

impl Loader<CountKey> for Loaders {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[CountKey]) -> AppResult<HashMap<CountKey, i64>> {
        let mut out = HashMap::new();
        for ((parent, spec), ids) in group(keys.iter().map(|k| (&k.parent, &k.spec, k.id))) {
            let counts = list::count_nested(&self.db, &self.vis, &spec, parent, &ids).await?;
            for (id, n) in counts {
                out.insert(
                    CountKey {
                        parent,
                        id,
                        spec: spec.clone(),
                    },
                    n,
                );
            }
        }
        Ok(out)
    }
}
