//! Partnerships CMS: a GraphQL content service for international-partnership
//! country pages, programmes and documents.
pub mod audit;
pub mod auth;
pub mod bounded;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod content;
pub mod countries;
pub mod db;
pub mod documents;
pub mod error;
pub mod generate;
pub mod graphql;
pub mod http;
pub mod import;
pub mod invalidation;
pub mod nodes;
pub mod persisted;
pub mod programmes;
pub mod regions;
pub mod response_cache;
pub mod search;
pub mod server;
pub mod state;
pub mod users;
pub mod workflow;
