//! Documents' files (issue 25, under way): the store their bytes live in,
//! content-addressed ([`store`]), what a file is, from its bytes ([`sniff`]),
//! and files made to measure for the demo and benchmark data ([`make`]).
//! Uploads over GraphQL, downloads and the demo's files build on these.
pub mod make;
pub mod sniff;
pub mod store;
