//! The interfaces every content type's GraphQL node implements: `Node` (a global
//! id, for `node(id:)`) and `Content` (its place in the editorial workflow, which
//! the workflow mutations return), and the node of a row of any type. Above the
//! domains, below `graphql` and `workflow`, so both use it.
use crate::content::list::Row;
use crate::content::{Locale, Visibility};
use crate::countries::Country;
use crate::documents::Document;
use crate::programmes::Programme;
use crate::regions::Region;
use async_graphql::{Interface, ID};
use chrono::{DateTime, Utc};

/// Anything with a global id.
#[derive(Interface, Clone)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id, for `node(id:)`."))]
pub enum Node {
    Region(Region),
    Country(Country),
    Programme(Programme),
    Document(Document),
}

/// What every content type shares: its place in the editorial workflow.
/// Workflow mutations return it.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone)]
#[graphql(
    field(name = "id", ty = "ID", desc = "Opaque global id, for `node(id:)`."),
    field(
        name = "status",
        ty = "crate::gql::status::ContentStatus",
        desc = "Workflow status (in a staff preview: the working copy's)."
    ),
    field(
        name = "version",
        ty = "i32",
        desc = "Version number, raised by every change: pass it as `expectedVersion`."
    ),
    field(
        name = "created_at",
        ty = "DateTime<Utc>",
        desc = "When the item was created."
    ),
    field(
        name = "updated_at",
        ty = "DateTime<Utc>",
        desc = "When the item last changed."
    ),
    field(
        name = "published_at",
        ty = "Option<DateTime<Utc>>",
        desc = "When the item was (last) published; `null` when it never was."
    ),
    field(
        name = "workflow",
        ty = "Option<crate::gql::status::WorkflowInfo>",
        desc = "Editorial details: staff previews only."
    )
)]
pub enum Content {
    Region(Region),
    Country(Country),
    Programme(Programme),
    Document(Document),
}

/// The node of a row of any type, as either interface.
macro_rules! from_row {
    ($iface:ident) => {
        impl $iface {
            pub fn from_row(r: Row, locale: &Locale, vis: Visibility) -> $iface {
                match r {
                    Row::Region(m) => $iface::Region(Region::new(m, locale, vis)),
                    Row::Country(m) => $iface::Country(Country::new(m, locale, vis)),
                    Row::Programme(m) => $iface::Programme(Programme::new(m, locale, vis)),
                    Row::Document(m) => $iface::Document(Document::new(m, locale, vis)),
                }
            }
        }
    };
}

from_row!(Node);
from_row!(Content);
