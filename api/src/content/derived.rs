//! Derived data: every table kept from the content rather than written by an
//! editor. One hook keeps them all: the commit of every workflow change calls
//! [`refresh`] with the items it touched, under the content generation's lock
//! (which orders all writers, so each refresh reads every change committed
//! before it); an import and `cms reindex` call [`rebuild`]. A new kind of
//! derived data (search documents, file references) is one variant of
//! [`Derived`]: the compiler then asks for its refresh and its rebuild, and
//! nothing else calls it.
use super::ids::Kind;
use super::place_index;
use crate::catalog::LISTINGS;
use crate::error::AppResult;
use sea_orm::ConnectionTrait;

/// The kinds of derived data there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derived {
    /// The public rows of a type by region and by country (the types whose
    /// listing declares `places`), which region and country pages walk.
    PlaceIndexes,
}

impl Derived {
    /// Every kind, in the order they are kept.
    pub const ALL: &'static [Derived] = &[Derived::PlaceIndexes];

    /// What `cms reindex` reports.
    pub fn describe(self) -> &'static str {
        match self {
            Derived::PlaceIndexes => {
                "the place indexes (public documents by region and by country)"
            }
        }
    }

    async fn refresh<C: ConnectionTrait>(self, conn: &C, kind: Kind, id: i32) -> AppResult<()> {
        match self {
            Derived::PlaceIndexes => place_index::refresh(conn, LISTINGS, kind, id).await,
        }
    }

    async fn rebuild<C: ConnectionTrait>(self, conn: &C) -> AppResult<()> {
        match self {
            Derived::PlaceIndexes => place_index::rebuild(conn, LISTINGS).await,
        }
    }
}

/// Keeps every derived table current after a change of the items `touched`
/// (each as its kind and id), in the change's transaction.
pub async fn refresh<C: ConnectionTrait>(conn: &C, touched: &[(Kind, i32)]) -> AppResult<()> {
    for derived in Derived::ALL {
        for (kind, id) in touched {
            derived.refresh(conn, *kind, *id).await?;
        }
    }
    Ok(())
}

/// Rebuilds every derived table from the content, in the caller's transaction.
pub async fn rebuild<C: ConnectionTrait>(conn: &C) -> AppResult<()> {
    for derived in Derived::ALL {
        derived.rebuild(conn).await?;
    }
    Ok(())
}
