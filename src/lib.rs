//! Thin root package: the workspace lives in `api`, `entity` and `migration`.
