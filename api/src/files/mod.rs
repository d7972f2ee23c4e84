//! Documents' files (issue 25, under way): the store their bytes live in,
//! content-addressed ([`store`]), and what a file is, from its bytes
//! ([`sniff`]). Uploads over GraphQL, downloads and the demo's files build on
//! these.
pub mod sniff;
pub mod store;
