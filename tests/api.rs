//! Tests through the public interfaces: GraphQL documents executed against the
//! schema, HTTP requests against the router, and a spawned server with a real HTTP
//! client. Every test runs on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set
//! (CI runs the suite both ways).
#[path = "api/auth.rs"]
mod auth;
#[path = "api/brakes.rs"]
mod brakes;
#[path = "api/caching.rs"]
mod caching;
#[path = "api/common.rs"]
mod common;
#[path = "api/country_page.rs"]
mod country_page;
#[path = "api/docs_files.rs"]
mod docs_files;
#[path = "api/e2e.rs"]
mod e2e;
#[path = "api/editors_day.rs"]
mod editors_day;
#[path = "api/errors.rs"]
mod errors;
#[path = "api/every_type.rs"]
mod every_type;
#[path = "api/files.rs"]
mod files;
#[path = "api/filters.rs"]
mod filters;
#[path = "api/fixtures.rs"]
mod fixtures;
#[path = "api/fuzz.rs"]
mod fuzz;
#[path = "api/generate.rs"]
mod generate;
#[path = "api/http.rs"]
mod http;
#[path = "api/import_export.rs"]
mod import_export;
#[path = "api/introspection.rs"]
mod introspection;
#[path = "api/layers.rs"]
mod layers;
#[path = "api/leaks.rs"]
mod leaks;
#[path = "api/limits.rs"]
mod limits;
#[path = "api/pagination.rs"]
mod pagination;
#[path = "api/permissions.rs"]
mod permissions;
#[path = "api/persisted.rs"]
mod persisted;
#[path = "api/place_index.rs"]
mod place_index;
#[path = "api/readme.rs"]
mod readme;
#[path = "api/response_cache.rs"]
mod response_cache;
#[path = "api/rows.rs"]
mod rows;
#[path = "api/scheduler.rs"]
mod scheduler;
#[path = "api/schema.rs"]
mod schema;
#[path = "api/search.rs"]
mod search;
#[path = "api/slow_clients.rs"]
mod slow_clients;
#[path = "api/statements.rs"]
mod statements;
#[path = "api/text_limits.rs"]
mod text_limits;
#[path = "api/workflow.rs"]
mod workflow;
