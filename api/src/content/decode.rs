//! Content rows decoded by column position. SeaORM's derived decoding looks
//! every field up by name in every row and, for each NULL column, formats an
//! error message it then drops; on a page of fifty documents that was a fifth
//! of the server's CPU. Here the fields' positions are looked up once per
//! result set (by name, the last column of a name winning as in a lookup by
//! name) and each row is read by position with the same sqlx decoding SeaORM
//! uses, so the models are the same. A result set without one of the columns
//! falls back to SeaORM's decoding.
use crate::error::AppResult;
use chrono::{DateTime, NaiveDate, Utc};
use entity::Status;
use sea_orm::sqlx::{self, Column as _, Row as _};
use sea_orm::{DbErr, FromQueryResult, QueryResult};
use std::sync::Arc;

/// Typed reads of one result row by position.
pub trait Cells {
    fn names(&self) -> Vec<&str>;
    fn text(&self, i: usize) -> Result<String, sqlx::Error>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, sqlx::Error>;
    fn int(&self, i: usize) -> Result<i32, sqlx::Error>;
    fn opt_int(&self, i: usize) -> Result<Option<i32>, sqlx::Error>;
    fn big(&self, i: usize) -> Result<i64, sqlx::Error>;
    fn date(&self, i: usize) -> Result<NaiveDate, sqlx::Error>;
    fn time(&self, i: usize) -> Result<DateTime<Utc>, sqlx::Error>;
    fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>, sqlx::Error>;
    fn flag(&self, i: usize) -> Result<bool, sqlx::Error>;

    fn status(&self, i: usize) -> Result<Status, sqlx::Error> {
        status_of(&self.text(i)?)
    }
    fn opt_status(&self, i: usize) -> Result<Option<Status>, sqlx::Error> {
        self.opt_text(i)?.map(|s| status_of(&s)).transpose()
    }
}

fn status_of(s: &str) -> Result<Status, sqlx::Error> {
    use sea_orm::Iterable;
    Status::iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {s:?}").into()))
}

/// `impl Cells for $row`, each cell read by `$get` on `$this` (the row).
macro_rules! cells {
    ($row:ty, |$s:ident| $this:expr, $get:ident) => {
        impl Cells for $row {
            fn names(&self) -> Vec<&str> {
                let $s = self;
                $this.columns().iter().map(|c| c.name()).collect()
            }
            fn text(&self, i: usize) -> Result<String, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
            fn opt_text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
            fn int(&self, i: usize) -> Result<i32, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
            fn opt_int(&self, i: usize) -> Result<Option<i32>, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
            fn big(&self, i: usize) -> Result<i64, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
            fn date(&self, i: usize) -> Result<NaiveDate, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
            fn time(&self, i: usize) -> Result<DateTime<Utc>, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
            fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
            fn flag(&self, i: usize) -> Result<bool, sqlx::Error> {
                let $s = self;
                $this.$get(i)
            }
        }
    };
}

cells!(sqlx::postgres::PgRow, |r| r, try_get);
cells!(sqlx::sqlite::SqliteRow, |r| r, try_get);

/// A PostgreSQL row of a result set whose column types were checked once, from
/// the statement's column metadata ([`pg_types_match`]): its cells skip sqlx's
/// check of each cell's type (a tenth of the decoding). Values are still
/// decoded with checks of their own (length, UTF-8, NULL). Not for SQLite, whose
/// cells may change type from row to row.
struct Checked<'r>(&'r sqlx::postgres::PgRow);

cells!(Checked<'_>, |r| r.0, try_get_unchecked);

/// How a field is read: the [`Cells`] method of the same name.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
pub enum Get {
    text,
    opt_text,
    int,
    opt_int,
    big,
    date,
    time,
    opt_time,
    flag,
    status,
    opt_status,
}

/// Whether every column at `at` has a PostgreSQL type its reader accepts (as
/// sqlx's `try_get` checks each non-NULL cell), from the statement's column
/// metadata: checked once per result set, NULL cells included.
fn pg_types_match(row: &sqlx::postgres::PgRow, at: &[usize], gets: &[Get]) -> bool {
    use sqlx::postgres::Postgres;
    use sqlx::Type;
    let columns = row.columns();
    at.len() == gets.len()
        && at.iter().zip(gets).all(|(&i, get)| {
            let Some(ty) = columns.get(i).map(|c| c.type_info()) else {
                return false;
            };
            match get {
                Get::text | Get::opt_text | Get::status | Get::opt_status => {
                    <String as Type<Postgres>>::compatible(ty)
                }
                Get::int | Get::opt_int => <i32 as Type<Postgres>>::compatible(ty),
                Get::big => <i64 as Type<Postgres>>::compatible(ty),
                Get::date => <NaiveDate as Type<Postgres>>::compatible(ty),
                Get::time | Get::opt_time => <DateTime<Utc> as Type<Postgres>>::compatible(ty),
                Get::flag => <bool as Type<Postgres>>::compatible(ty),
            }
        })
}

/// A content type's model, read by position: each type's definition declares
/// its fields with [`decoder!`].
pub trait Decoded: FromQueryResult + Clone + Send + Sync + 'static {
    /// The model's columns, in the decoder's order, and how each is read.
    const FIELDS: (&'static [&'static str], &'static [Get]);
    /// The model from the cells at `at` (the positions of [`FIELDS`](Self::FIELDS)).
    fn decode<R: Cells>(r: &R, at: &[usize]) -> Result<Self, sqlx::Error>;
    fn id(&self) -> i32;
    fn slug(&self) -> &str;
}

/// `impl Decoded for $model`: reads the listed fields and the workflow columns
/// every content type has (every field of the model: a struct literal, so a
/// new column cannot be forgotten) at the positions given, in the same order.
macro_rules! decoder {
    ($model:path { $($field:ident: $get:ident),* $(,)? }) => {
        $crate::content::decode::decoder!(@all $model {
            $($field: $get,)*
            status: status,
            version: int,
            created_at: time,
            updated_at: time,
            published_at: opt_time,
            translations: text,
            draft: opt_text,
            draft_status: opt_status,
            draft_version: opt_int,
            scheduled_at: opt_time,
            unpublish_at: opt_time,
            created_by: opt_text,
            updated_by: opt_text,
            published_by: opt_text,
            review_comment: opt_text,
        });
    };
    (@all $model:path { $($field:ident: $get:ident,)* }) => {
        impl $crate::content::decode::Decoded for $model {
            const FIELDS: (&'static [&'static str], &'static [$crate::content::decode::Get]) = (
                &[$(stringify!($field)),*],
                &[$($crate::content::decode::Get::$get),*],
            );

            fn decode<R: $crate::content::decode::Cells>(
                r: &R,
                at: &[usize],
            ) -> Result<Self, sea_orm::sqlx::Error> {
                let mut at = at.iter().copied();
                $(
                    let $field = r.$get(at.next().ok_or_else(|| {
                        sea_orm::sqlx::Error::ColumnNotFound(stringify!($field).into())
                    })?)?;
                )*
                Ok(Self { $($field),* })
            }

            fn id(&self) -> i32 {
                self.id
            }

            fn slug(&self) -> &str {
                &self.slug
            }
        }
    };
}
pub(crate) use decoder;

/// Where each of `wanted` is in `names` (the last of equal names), if all are.
fn positions(names: &[&str], wanted: &[&str]) -> Option<Vec<usize>> {
    wanted
        .iter()
        .map(|w| names.iter().rposition(|n| n == w))
        .collect()
}

/// The models of one result set (any further columns are ignored), each read
/// by `read(first row, row, positions)`.
fn by_position<'q, M: Decoded, R: Cells + 'q>(
    raw: &'q [QueryResult],
    row: impl Fn(&'q QueryResult) -> Option<&'q R>,
    read: impl Fn(&'q R, &'q R, &[usize]) -> Result<M, sqlx::Error>,
) -> Option<AppResult<Vec<Arc<M>>>> {
    let first = row(raw.first()?)?;
    let at = positions(&first.names(), M::FIELDS.0)?;
    Some(
        raw.iter()
            .map(|q| {
                let r = row(q).ok_or_else(|| DbErr::Type("mixed result rows".into()))?;
                read(first, r, &at)
                    .map(Arc::new)
                    .map_err(|e| DbErr::Type(e.to_string()).into())
            })
            .collect(),
    )
}

/// Decodes the rows of one content type. On PostgreSQL the column types are
/// checked once, on the first row's statement metadata; a row of another
/// statement (none today: every caller passes one result set) or a type that
/// does not match is read with sqlx's checks.
pub fn rows<M: Decoded>(raw: &[QueryResult]) -> AppResult<Vec<Arc<M>>> {
    let fast = if raw.first().and_then(|q| q.try_as_pg_row()).is_some() {
        let trusted = std::cell::OnceCell::new();
        by_position(
            raw,
            |q| q.try_as_pg_row(),
            |first, r, at| {
                let same_statement = std::ptr::eq(first.columns(), r.columns());
                if same_statement && *trusted.get_or_init(|| pg_types_match(first, at, M::FIELDS.1))
                {
                    M::decode(&Checked(r), at)
                } else {
                    M::decode(r, at)
                }
            },
        )
    } else {
        by_position(raw, |q| q.try_as_sqlite_row(), |_, r, at| M::decode(r, at))
    };
    match fast {
        Some(rows) => rows,
        None => rows_by_name(raw),
    }
}

/// SeaORM's decoding of the rows, each column looked up by name.
pub fn rows_by_name<M: Decoded>(raw: &[QueryResult]) -> AppResult<Vec<Arc<M>>> {
    raw.iter()
        .map(|q| Ok(Arc::new(M::from_query_result(q, "")?)))
        .collect()
}
